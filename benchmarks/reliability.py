"""`python -m benchmarks reliability` (`make reliability`): the fault scenarios, each in its own process, as one table.

Scenarios come from benchmarks._process_faults.SCENARIOS (worker kill -9, PostgreSQL backends terminated, stuck
work) and benchmarks._erp_faults.SCENARIOS (ERP down / flaky / slow / lose_response; skipped with a note if that
module is missing or does not import): name → callable returning a figures dict with at least the contract's keys
(name, deals, lost, duplicates, out_of_order, max_lag_s) and, where the scenario knows it, "passed" and "problems".

Each scenario runs in a child process (`--one <module> <name> <out.json>`: Django is configured once per process) with
a time limit (RELIABILITY_TIMEOUT_S, default 900 s; SIGTERM, then SIGKILL). A scenario that raises, times out, fails
its checks or reports a lost/duplicate/out-of-order deal is a row with its error and makes the exit status 1.
RELIABILITY_SCENARIOS=a,b runs only those. Writes benchmarks/results/reliability.json with machine info and times.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
import time

from . import _harness as h

NAME = "reliability"
SOURCES = ("benchmarks._process_faults", "benchmarks._erp_faults")
COLUMNS = ("name", "deals", "lost", "duplicates", "out_of_order", "max_lag_s", "passed", "run_s")
HEADERS = ("scenario", "deals", "lost", "duplicates", "out of order", "max lag s", "passed", "run s")


def log(message: str) -> None:
    print(f"[{NAME} {time.strftime('%H:%M:%S')}] {message}", flush=True)


def collect() -> tuple[list[tuple[str, str]], list[str]]:
    """(module, scenario name) pairs in order, and notes about sources that could not be loaded."""
    found, notes = [], []
    for module_name in SOURCES:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # noqa: BLE001 - a missing or broken source is a note, not the end of the run
            notes.append(f"{module_name} skipped: {type(exc).__name__}: {exc}")
            continue
        found += [(module_name, name) for name in getattr(module, "SCENARIOS", {})]
    return found, notes


def run_in_this_process(module_name: str, name: str, out_path: str) -> int:
    """The child's job: run one scenario, write its figures (or its error) as JSON."""
    h.exit_cleanly_on_sigterm()
    started = time.monotonic()
    try:
        result = dict(importlib.import_module(module_name).SCENARIOS[name]())
    except KeyboardInterrupt:
        result = {"name": name, "error": "interrupted (time limit)"}
    except Exception as exc:  # noqa: BLE001 - reported as the scenario's row
        import traceback

        result = {"name": name, "error": f"{type(exc).__name__}: {exc}"[:2000], "traceback": traceback.format_exc()[-4000:]}
    result.setdefault("run_s", round(time.monotonic() - started, 1))
    with open(out_path, "w") as out:
        json.dump(result, out, default=str, indent=1)
    return 0


def run_child(module_name: str, name: str, timeout: float) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out_path = tmp.name
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", f"benchmarks.{NAME}", "--one", module_name, name, out_path], cwd=h.ROOT)
    timed_out = h.wait_or_stop(proc, timeout)  # on SIGTERM the scenario stops its processes and drops its database
    try:
        with open(out_path) as f:
            text = f.read()
    finally:
        os.unlink(out_path)
    result = json.loads(text) if text.strip() else {"name": name}
    if timed_out:
        result["error"] = f"timed out after {timeout:.0f} s"
    elif not text.strip():
        result["error"] = f"the scenario process exited with {proc.returncode} without a result"
    result.setdefault("run_s", round(time.monotonic() - started, 1))
    result["source"] = module_name
    return judge(result)


def judge(result: dict) -> dict:
    """A scenario passes only if it says so (or says nothing) and its figures show nothing lost, doubled or reordered."""
    problems = list(result.get("problems") or [])
    if result.get("error"):
        problems.append(result["error"])
    for key in ("lost", "duplicates", "out_of_order", "dead_letters"):
        if result.get(key):
            problems.append(f"{key}={result[key]}")
    missing = [k for k in ("deals", "lost", "duplicates", "out_of_order", "max_lag_s") if k not in result]
    if missing and not result.get("error"):
        problems.append(f"no {', '.join(missing)} reported")
    result["problems"] = list(dict.fromkeys(problems))
    result["passed"] = result.get("passed", True) is not False and not result["problems"]
    return result


def table(results: list[dict]) -> str:
    rows = [HEADERS] + [tuple("-" if r.get(c) is None else h.format_value(r.get(c)) for c in COLUMNS) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in results:
        if r["problems"]:
            lines.append(f"  {r['name']}: " + "; ".join(str(p) for p in r["problems"])[:600])
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        return run_in_this_process(*argv[1:4])
    scenarios, notes = collect()
    wanted = [s.strip() for s in os.environ.get("RELIABILITY_SCENARIOS", "").split(",") if s.strip()]
    unknown = [w for w in wanted if w not in {name for _, name in scenarios}]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; available: {', '.join(n for _, n in scenarios)}", file=sys.stderr)
        return 2
    if wanted:
        scenarios = [(m, n) for m, n in scenarios if n in wanted]
    for note in notes:
        log(note)
    timeout = float(os.environ.get("RELIABILITY_TIMEOUT_S", "900"))
    machine, started_at, started = h.machine_info(), h.now_iso(), time.monotonic()
    results = []
    for module_name, name in scenarios:
        log(f"== {name} ({module_name})")
        results.append(run_child(module_name, name, timeout))
        log(f"   {name}: {'passed' if results[-1]['passed'] else 'FAILED'} in {results[-1]['run_s']} s")
    path = h.write_result(NAME, {
        "scenarios": results, "notes": notes, "started_at": started_at, "finished_at": h.now_iso(),
        "run_s": round(time.monotonic() - started, 1), "timeout_s": timeout,
        "machine": {**machine, "loadavg_end": h.machine_info().get("loadavg")},
    })
    print()
    print(table(results))
    print(f"\nwritten to {path.relative_to(h.ROOT)}" + (f"; notes: {'; '.join(notes)}" if notes else ""))
    return 0 if results and all(r["passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
