"""`python -m benchmarks [name …]`: run every benchmark (or the named ones), each in its own process, then print a table.

Each benchmark writes benchmarks/results/<name>.json. Exit status 1 if any benchmark failed or timed out.
BENCH_TIMEOUT_S bounds one benchmark's run (default 900 s); on timeout it gets SIGTERM (it cleans up) and then SIGKILL.
`reliability` (the fault suite, `make reliability`) is not one of "every benchmark": it runs only when named, and then
alone, with its own table (benchmarks/reliability.py).
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time

from . import _harness as h

PACKAGE = "benchmarks"
NOT_BY_DEFAULT = {"reliability"}  # long fault scenarios with their own command and table


def available() -> list[str]:
    here = os.path.dirname(__file__)
    return sorted(m.name for m in pkgutil.iter_modules([here]) if not m.name.startswith("_") and not m.ispkg)


def key_figures(name: str, result: dict) -> list[str]:
    try:
        figures = list(importlib.import_module(f"{PACKAGE}.{name}").KEY_FIGURES)
    except (ImportError, AttributeError):
        figures = [k for k, v in result.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return [f for f in figures if f in result]


def run_one(name: str, timeout: float) -> tuple[str, float]:
    """Run benchmarks.<name> in a child process; returns (status, seconds)."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", f"{PACKAGE}.{name}"], cwd=h.ROOT)
    try:
        if h.wait_or_stop(proc, timeout):  # on SIGTERM the benchmark stops its servers and drops its database
            return f"timed out after {timeout:.0f} s", time.monotonic() - started
    except KeyboardInterrupt:
        # Ctrl-C reached the child too (same process group); give it time to clean up.
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise
    code = proc.returncode
    return ("ok" if code == 0 else f"failed (exit {code})"), time.monotonic() - started


def main(argv: list[str]) -> int:
    names = available()
    wanted = [a for a in argv if a.strip()] or [n for n in names if n not in NOT_BY_DEFAULT]
    if "reliability" in wanted:
        if wanted != ["reliability"]:
            print("reliability runs on its own: `python -m benchmarks reliability`", file=sys.stderr)
            return 2
        from . import reliability

        return reliability.main([])
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(names) or 'none'}", file=sys.stderr)
        return 2
    timeout = float(os.environ.get("BENCH_TIMEOUT_S", "900"))
    rows: list[tuple[str, str, str]] = []
    failed = False
    for name in wanted:
        print(f"== {name}", flush=True)
        result_path = h.RESULTS_DIR / f"{name}.json"
        before = result_path.stat().st_mtime if result_path.exists() else None
        status, seconds = run_one(name, timeout)
        rows.append((name, "status", f"{status} in {seconds:.1f} s"))
        if status != "ok":
            failed = True
            continue
        if not result_path.exists() or result_path.stat().st_mtime == before:
            rows[-1] = (name, "status", "failed (no result written)")
            failed = True
            continue
        result = json.loads(result_path.read_text())
        for figure in key_figures(name, result):
            rows.append((name, figure, h.format_value(result[figure])))
        rows.append((name, "result", str(result_path.relative_to(h.ROOT))))
    print()
    print(h.format_table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
