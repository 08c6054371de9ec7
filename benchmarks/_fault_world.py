"""The world every reliability scenario runs in: a fresh PostgreSQL database, the web server with every sandbox, a
django-q2 worker (restartable, killable), the demo's Salesforce → SAP world with N open opportunities, and the checks
every scenario reports (lost, duplicates, out of order, max lag).

    with fault_world("kill9", deals=50) as world:
        world.announce(world.opportunities[:10])      # Outbound Messages to /webhooks/salesforce/
        world.kill_worker()                           # SIGKILL the whole qcluster group
        world.start_worker()
        world.wait_settled(timeout=300)
        figures = world.figures()                     # {"deals", "lost", "duplicates", "out_of_order", "max_lag_s", …}

Each scenario gets its own database (`handoff_rel_<label>`), dropped afterwards (kept with BENCH_KEEP_DB=1).
Django is configured in this process for that database, so a scenario may read models and set sandbox faults
directly; only one world per process (Django cannot be configured twice), so the runner starts each scenario in its
own process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

from . import _harness as h
from .handoff_throughput import seed_world, wait_for_worker
from .outage_drain import announce, check, states, wait_until, written_back

SCENARIO_FIELDS = ("name", "deals", "lost", "duplicates", "out_of_order", "max_lag_s")
# PostgreSQL application_name of each process's connections, so a scenario can pick whose backends to terminate.
WORKER_APP_NAME, WEB_APP_NAME = "handoff-rel-worker", "handoff-rel-web"


def with_application_name(db_url: str, name: str) -> str:
    return f"{db_url}{'&' if '?' in db_url else '?'}application_name={name}"


def log(label: str, message: str) -> None:
    print(f"[reliability {label} {time.strftime('%H:%M:%S')}] {message}", flush=True)


class FaultWorld:
    def __init__(self, label: str, *, db_url: str, base: str, env: dict, server: h.AppProcess):
        self.label, self.db_url, self.base, self.env, self.server = label, db_url, base, env, server
        self.worker: h.AppProcess | None = None
        self.workers_started = 0
        self.opportunities: list[str] = []
        self.announced: list[str] = []

    # ---- processes ----
    @property
    def processes(self) -> list[h.AppProcess]:
        return [p for p in (self.server, self.worker) if p is not None]

    def start_worker(self) -> h.AppProcess:
        self.workers_started += 1
        env = {**self.env, "DATABASE_URL": with_application_name(self.db_url, WORKER_APP_NAME)}
        self.worker = h.AppProcess(f"rel-{self.label}-worker{self.workers_started}",
                                   [str(h.ROOT / "manage.py"), "qcluster"], env).start()
        wait_for_worker(90, self.worker)
        return self.worker

    def kill_worker(self) -> None:
        """SIGKILL the worker's whole process group at once: no cleanup, no task acknowledged (a machine dying)."""
        if self.worker is None or self.worker.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.worker.proc.pid, signal.SIGKILL)
        self.worker.proc.wait(timeout=30)
        self.worker.stop()  # closes the log; the group is already gone
        self.worker = None

    # ---- deals ----
    def announce(self, opportunities: list[str]) -> None:
        announce(self.base, opportunities)
        self.announced.extend(opportunities)

    def states(self, opportunities=None) -> dict:
        return states(opportunities or self.announced)

    def written_back(self, opportunities=None) -> int:
        return written_back(opportunities or self.announced)

    def wait_settled(self, *, timeout: float, opportunities=None) -> float:
        """Wait until every announced deal is written back; seconds it took (fails with the states if not in time)."""
        wanted = list(opportunities or self.announced)
        return wait_until(lambda: written_back(wanted) == len(wanted), timeout=timeout,
                          what=f"{len(wanted)} deals to be written back", processes=self.processes,
                          report=lambda: states(wanted))

    def figures(self, opportunities=None) -> dict:
        """The contract's figures for these deals (default: every announced one), plus dead letters and customers."""
        from django.db.models import F, Max

        from erp_orders.models import Handoff

        wanted = list(opportunities or self.announced)
        checks = check(wanted)
        lag = (Handoff.objects.filter(crm_record_id__in=wanted, completed_at__isnull=False)
               .annotate(lag=F("completed_at") - F("received_at")).aggregate(m=Max("lag"))["m"])
        return {"name": self.label, "deals": len(wanted), "lost": checks["lost"], "duplicates": checks["duplicates"],
                "out_of_order": checks["out_of_order"], "max_lag_s": round(lag.total_seconds(), 1) if lag else None,
                "dead_letters": checks["dead_letters"], "customers": checks["customers"]}


@contextlib.contextmanager
def fault_world(label: str, *, deals: int, workers: int = 2, start_worker: bool = True, **env_extra):
    """A running app on a fresh database with `deals` open opportunities seeded (not announced)."""
    server_url = os.environ.get("DATABASE_URL") or h.DEFAULT_DATABASE_URL
    db_name = f"{os.environ.get('BENCH_DB_NAME', 'handoff_rel')}_{label}"
    db_url, _version = h.create_fresh_database(server_url, db_name)
    django_ready = False
    world = None
    try:
        port = h.free_port()
        base = f"http://127.0.0.1:{port}"
        env = h.app_env(db_url, base, Q_WORKERS=workers, HANDOFF_INTERVENTION_WINDOW_SECONDS=0,
                        **{"ERP_OUTAGE_THRESHOLD": 3, "ERP_PROBE_SECONDS": 2, **env_extra})
        h.manage(env, "migrate", "--noinput", "-v0")
        server = h.AppProcess(f"rel-{label}-web", ["-m", "benchmarks._webserver", "127.0.0.1", str(port)],
                              {**env, "DATABASE_URL": with_application_name(db_url, WEB_APP_NAME)}).start()
        world = FaultWorld(label, db_url=db_url, base=base, env=env, server=server)
        h.configure_django({**env, "LOG_LEVEL": "WARNING", "Q_LOG_LEVEL": "WARNING"})
        django_ready = True
        h.wait_http_ok(f"{base}/healthz", timeout=60, processes=[server])
        if start_worker:
            world.start_worker()
        world.opportunities = seed_world(deals)
        log(label, f"world ready: {deals} open opportunities on {db_name}")
        yield world
    except BaseException:
        h.show_tails((world.processes if world else []), 20)
        raise
    finally:
        h.stop_and_release((world.processes if world else []), server_url, db_name, django_ready=django_ready)
