"""Shared plumbing of the benchmarks: results, machine info, a fresh PostgreSQL database, the app's processes.

Standard library only at import time (psycopg and Django are imported where they are used), so the runner can import
benchmark modules cheaply.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
LOG_DIR = ROOT / "var" / "bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"


class BenchmarkFailed(Exception):
    """The benchmark could not produce a trustworthy figure; the message says why."""


# ---- results ---------------------------------------------------------------------------------------------------------------


def write_result(name: str, result: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2, sort_keys=False, default=str) + "\n")
    tmp.replace(path)
    return path


def save_failure(name: str, detail: str) -> Path:
    """Keep why a benchmark failed next to its process logs (var/bench/), for when the console scrolled away."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    path = LOG_DIR / f"{name}-{os.getpid()}.failed.txt"
    path.write_text(f"{now_iso()}\n{detail}\n")
    return path


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def machine_info() -> dict:
    info = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "hostname": socket.gethostname(),
    }
    with contextlib.suppress(OSError):
        info["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    with contextlib.suppress(OSError, ValueError):
        meminfo = Path("/proc/meminfo").read_text().split("\n")
        total = next(line for line in meminfo if line.startswith("MemTotal:"))
        info["mem_total_mb"] = int(total.split()[1]) // 1024
    return info


def percentile(values, q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between closest ranks (numpy's default)."""
    data = sorted(values)
    if not data:
        return None
    position = (len(data) - 1) * q / 100.0
    low, high = math.floor(position), math.ceil(position)
    return data[low] + (data[high] - data[low]) * (position - low)


def rounded(value, digits: int = 3):
    return None if value is None else round(float(value), digits)


# ---- signals: SIGTERM behaves like Ctrl-C, so `finally` blocks clean up -------------------------------------------------


def exit_cleanly_on_sigterm() -> None:
    def handler(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


# ---- PostgreSQL ------------------------------------------------------------------------------------------------------------


def database_url_for(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _admin_connect(server_url: str):
    import psycopg

    parts = urlsplit(server_url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise BenchmarkFailed(f"DATABASE_URL must point at PostgreSQL, got {parts.scheme}://…")
    return psycopg.connect(urlunsplit(("postgresql", parts.netloc, parts.path or "/postgres", parts.query, "")),
                           autocommit=True, connect_timeout=10)


def create_fresh_database(server_url: str, name: str) -> tuple[str, str]:
    """Drop (forcibly) and create database `name` on the server of `server_url`; returns (its URL, server version)."""
    from psycopg import sql

    with _admin_connect(server_url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url_for(server_url, name), version


def drop_database(server_url: str, name: str) -> None:
    from psycopg import sql

    with _admin_connect(server_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# ---- the app's environment and processes -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str, base_url: str, **extra) -> dict:
    """The environment of run_demo (every sandbox on, generated credentials), on `database_url`, served at `base_url`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "handoff_project.settings",
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",  # DEBUG keeps every SQL query in memory: not what production runs
        "SANDBOX_ENABLED": "1",
        "PUBLIC_BASE_URL": base_url,
        "SALESFORCE_ENABLED": "1",
        "SAP_ENABLED": "1",
        "SALESFORCE_BASE_URL": f"{base_url}/sandbox/salesforce",
        "SALESFORCE_OUTBOUND_URL": f"{base_url}/webhooks/salesforce/",
        "SAP_BASE_URL": f"{base_url}/sandbox/sap",
        "SALESFORCE_ORGANIZATION_ID": "00D000000000BNCHAA",
        "SALESFORCE_CLIENT_ID": "bench-" + secrets.token_hex(8),
        "SALESFORCE_CLIENT_SECRET": secrets.token_urlsafe(24),
        "SAP_USER": "BENCH_USER",
        "SAP_PASSWORD": secrets.token_urlsafe(18),
        "PYTHONUNBUFFERED": "1",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise BenchmarkFailed(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


class AppProcess:
    """A Python subprocess (`manage.py …` or `-m module …`) in its own process group, so its children die with it,
    logging to var/bench/<label>-<pid>.log."""

    def __init__(self, label: str, args: list[str], env: dict):
        self.label, self.args, self.env = label, args, env  # args after the interpreter
        self.proc: subprocess.Popen | None = None
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{label}-{os.getpid()}.log"
        self._log = None
        self._stopped = False

    def start(self) -> "AppProcess":
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([sys.executable, *self.args], cwd=ROOT, env=self.env,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self) -> None:
        if self.proc is not None and not self.alive:
            raise BenchmarkFailed(f"the {self.label} exited with {self.proc.returncode}:\n{self.tail()}")

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM to the whole group, then SIGKILL if it does not go in time. Idempotent."""
        if self.proc is None or self._stopped:
            return
        self._stopped = True
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # stragglers of the group (e.g. qcluster's worker processes) whose leader has already gone
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self._log:
            self._log.close()
            self._log = None

    def tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def wait_http_ok(url: str, *, timeout: float, processes=()) -> float:
    """Poll `url` until it answers 200; returns the seconds it took. Fails early if one of `processes` died."""
    started = time.monotonic()
    last = ""
    while time.monotonic() - started < timeout:
        for process in processes:
            process.check_alive()
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return time.monotonic() - started
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.2)
    raise BenchmarkFailed(f"{url} did not answer 200 within {timeout:.0f} s (last: {last})")


def configure_django(env: dict) -> None:
    """Configure Django in this process for the environment the app's processes run with."""
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ---- the table -------------------------------------------------------------------------------------------------------------


def format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.1f}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def format_table(rows: list[tuple[str, str, str]]) -> str:
    header = ("benchmark", "figure", "value")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(), line]
    previous = None
    for name, figure, value in rows:
        shown = name if name != previous else ""
        previous = name
        out.append("  ".join([shown.ljust(widths[0]), figure.ljust(widths[1]), value]).rstrip())
    return "\n".join(out)


def wait_or_stop(proc: subprocess.Popen, timeout: float) -> bool:
    """Wait for a child benchmark process; past `timeout` send SIGTERM (it cleans up), then SIGKILL after 60 s.
    True if it had to be stopped."""
    try:
        proc.wait(timeout=timeout)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return True


def show_tails(processes, lines: int = 15) -> None:
    """After a failure: the last lines of each started process's log, on stderr."""
    for process in processes:
        if process.proc is not None:
            print(f"--- {process.label}: last lines of {process.log_path}\n{process.tail(lines)}", file=sys.stderr)


def stop_and_release(processes, server_url: str, db_name: str, *, django_ready: bool) -> None:
    """A benchmark's cleanup: stop its processes, then drop its database."""
    for process in processes:
        process.stop()
    release_database(server_url, db_name, django_ready=django_ready)


def release_database(server_url: str, db_name: str, *, django_ready: bool) -> None:
    """Close Django's connections and drop the benchmark's database (kept with BENCH_KEEP_DB=1)."""
    if django_ready:
        from django.db import connections

        connections.close_all()
    try:
        if os.environ.get("BENCH_KEEP_DB"):
            print(f"BENCH_KEEP_DB: database {db_name} kept for inspection", file=sys.stderr)
        else:
            drop_database(server_url, db_name)
    except Exception as exc:  # noqa: BLE001 - report, do not mask the benchmark's own outcome
        print(f"WARNING: could not drop database {db_name}: {exc}", file=sys.stderr)


def run_benchmark(name: str, run, log) -> int:
    """A benchmark module's main(): run it, write its JSON, and report any failure the same way (kept on disk)."""
    exit_cleanly_on_sigterm()
    started = time.monotonic()
    try:
        result = run()
    except KeyboardInterrupt:
        print(f"{name} interrupted; cleaned up", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - every failure is reported the same way, and kept on disk
        import traceback

        detail = str(exc) if isinstance(exc, BenchmarkFailed) else traceback.format_exc()
        path = save_failure(name, detail)
        print(f"{name} FAILED: {detail}\n(kept in {path.relative_to(ROOT)})", file=sys.stderr)
        return 1
    result["run_s"] = round(time.monotonic() - started, 1)
    path = write_result(name, result)
    log(f"wrote {path.relative_to(ROOT)} (whole run {result['run_s']} s)")
    return 0
