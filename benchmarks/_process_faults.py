"""Process fault scenarios (issue 9): the worker killed with SIGKILL in the middle of ERP creates, PostgreSQL backends
terminated under a running flow, and work that dies without a trace — each proven end to end on a fresh `fault_world`
(PostgreSQL, the web server with every sandbox, a real `manage.py qcluster`), loopback only, bounded in time.

What recovers a deal here is what recovers it in production, with shorter clocks (SCENARIO_ENV): the handoff's lease
expires (HANDOFF_LEASE_SECONDS), the watchdog (`erp_orders.services.redrive_stuck_handoffs`) finds the handoff older
than its step's deadline (HANDOFF_STEP_DEADLINES) and queues it again, and the push step asks SAP for the reference
before it creates. In kill9_worker and pg_terminate this process runs the watchdog every WATCHDOG_TICK_S (its one-minute
schedule is longer than the scenario); stuck_work leaves it to the worker's own schedule (migration
0003_watchdog_schedule), so the wiring is proven too.

    .venv/bin/python -m benchmarks reliability                      # with RELIABILITY_SCENARIOS=kill9_worker,…
"""

from __future__ import annotations

import os
import time

from . import _harness as h
from ._fault_world import WEB_APP_NAME, WORKER_APP_NAME, fault_world, log

WATCHDOG_TICK_S = 3.0
SCENARIO_ENV = {
    "HANDOFF_LEASE_SECONDS": 15,  # above the slowest step here (a 3 s create), far below the production 180 s
    "HANDOFF_STEP_DEADLINES": "accepted=8,received=8,resolved=8,validated=8,pushing=8,created=8",
    "HANDOFF_RETRY_DELAYS": "2,4,8,15,30,60",
    "ERP_QUEUE_LAG_ALERT_SECONDS": 3600,
}


def _deals(default: int) -> int:
    return int(os.environ.get("PROCESS_FAULTS_DEALS", str(default)))


def settle(world, *, timeout: float, watchdog: bool = True) -> float:
    """Wait until every announced deal is written back, running the watchdog's job on its tick; seconds it took."""
    from erp_orders.services import redrive_stuck_handoffs

    started, last_tick, last_report = time.monotonic(), 0.0, time.monotonic()
    while True:
        for process in world.processes:
            process.check_alive()
        if world.written_back() == len(world.announced):
            return time.monotonic() - started
        now = time.monotonic()
        if now - started > timeout:
            raise h.BenchmarkFailed(f"{len(world.announced)} deals not written back within {timeout:.0f} s: {world.states()}")
        if watchdog and now - last_tick >= WATCHDOG_TICK_S:
            redrive_stuck_handoffs()
            last_tick = now
        if now - last_report > 10:
            log(world.label, f"  settling: {world.states()}")
            last_report = now
        time.sleep(0.3)


def event_counts(world) -> dict:
    from handoff_project.integration.models import Event

    events = Event.objects.filter(crm_record_id__in=world.announced)
    return {"redriven": events.filter(event_type="redriven").count(),
            "found_existing": events.filter(event_type="erp_order_found").count()}


def result(world, started: float, problems: list[str], **extra) -> dict:
    figures = {**world.figures(), **event_counts(world), **extra}
    problems += [f"{k}={figures[k]}" for k in ("lost", "duplicates", "out_of_order", "dead_letters") if figures[k]]
    figures.update(passed=not problems, problems=problems, run_s=round(time.monotonic() - started, 1))
    log(world.label, f"{'PASSED' if not problems else 'FAILED: ' + '; '.join(problems)} — "
        + ", ".join(f"{k}={figures[k]}" for k in ("deals", "lost", "duplicates", "out_of_order", "max_lag_s", "redriven",
                                                   "found_existing")))
    return figures


# ---- kill -9 of the worker in the middle of ERP creates ----------------------------------------------------------------


def mid_create() -> list[int]:
    """Handoffs leased in the push step right now: a worker is inside the ERP create for them."""
    from django.utils import timezone

    from erp_orders.models import Handoff, HandoffState

    return list(Handoff.objects.filter(state=HandoffState.PUSHING, lease_until__gt=timezone.now()).values_list("pk", flat=True))


def wait_for_mid_create(world, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        world.worker.check_alive()
        if leased := mid_create():
            return leased
        time.sleep(0.1)
    raise h.BenchmarkFailed(f"no handoff reached the ERP create within {timeout:.0f} s: {world.states()}")


def kill9_worker(*, deals: int | None = None, kills: int | None = None) -> dict:
    """SAP creates take 3 s; each time a create is in flight the whole worker group gets SIGKILL and a new worker
    starts. The lease expires, the watchdog re-drives, the push finds the order SAP made meanwhile: exactly once."""
    started = time.monotonic()
    kills = kills or int(os.environ.get("PROCESS_FAULTS_KILLS", "3"))
    with fault_world("kill9_worker", deals=deals or _deals(60), **SCENARIO_ENV) as world:
        from handoff_project.sandbox.faults import set_fault

        set_fault("sap", "slow", delay_s=3, only_modifying=True)  # only the create waits, so the kill lands inside it
        world.announce(world.opportunities)
        at_kill, killed = [], set()
        for n in range(kills):
            leased = wait_for_mid_create(world)
            time.sleep(0.5)  # the create's request is on its way to SAP
            world.kill_worker()
            at_kill.append(len(leased))
            killed.update(leased)
            log(world.label, f"kill {n + 1}: SIGKILL with {len(leased)} handoff(s) inside the SAP create; {world.states()}")
            world.start_worker()
        set_fault("sap", "up")
        settle(world, timeout=300)
        problems = [f"kill {i + 1} hit no create in flight" for i, k in enumerate(at_kill) if not k]
        from handoff_project.integration.models import Event

        # SAP carried out the killed request; the re-drive found that order instead of creating a second one.
        found = Event.objects.filter(handoff_id__in=killed, event_type="erp_order_found").values("handoff_id").distinct().count()
        return result(world, started, problems, kills=kills, mid_create_at_kill=at_kill, killed_creates=len(killed),
                      killed_creates_found_in_erp=found, workers_started=world.workers_started)


# ---- PostgreSQL backends terminated under a running flow ------------------------------------------------------------------


def terminate_backends(db_name: str, application_names: tuple[str, ...]) -> int:
    """pg_terminate_backend for every connection of these processes to this database (from an admin connection)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s "
                       "AND application_name = ANY(%s) AND pid <> pg_backend_pid()", [db_name, list(application_names)])
        return cursor.fetchone()[0]


def announce_as_salesforce(world, opportunities: list[str], *, tries: int = 5) -> int:
    """Send the Outbound Message; like Salesforce, send it again if it was not acknowledged. Returns the resends."""
    for attempt in range(tries):
        try:
            world.announce(opportunities)
            return attempt
        except h.BenchmarkFailed:
            if attempt == tries - 1:
                raise
            time.sleep(1)
    return tries


def pg_terminate(*, deals: int | None = None, rounds: int | None = None) -> dict:
    """While deals flow, the worker's and web server's PostgreSQL backends are terminated every 2 s: the worker
    reconnects on its own, the flow resumes, nothing lost, nothing doubled."""
    from django.db import connection

    started = time.monotonic()
    rounds = rounds or int(os.environ.get("PROCESS_FAULTS_ROUNDS", "6"))
    with fault_world("pg_terminate", deals=deals or _deals(40), **SCENARIO_ENV) as world:
        db_name = connection.settings_dict["NAME"]
        batches = [world.opportunities[i::rounds] for i in range(rounds)]
        terminated, resends = [], 0
        for batch in batches:
            resends += announce_as_salesforce(world, batch)
            time.sleep(1.0)
            terminated.append(terminate_backends(db_name, (WORKER_APP_NAME, WEB_APP_NAME)))
            log(world.label, f"terminated {terminated[-1]} backend(s); {world.states()}")
            time.sleep(1.0)
        settle(world, timeout=240)
        world.worker.check_alive()
        problems = [] if sum(terminated) else ["no backend was terminated"]
        return result(world, started, problems, backends_terminated=sum(terminated), terminations=terminated,
                      webhook_resends=resends, workers_started=world.workers_started)


# ---- stuck work: tasks that vanish without a trace ----------------------------------------------------------------------


def stuck_work(*, deals: int | None = None) -> dict:
    """The worker is stopped and every queued task deleted, so handoffs sit in intermediate states with nobody owing
    them a task. A new worker's own watchdog schedule finds each one past its step's deadline and re-drives it."""
    started = time.monotonic()
    with fault_world("stuck_work", deals=deals or _deals(30), **SCENARIO_ENV) as world:
        from django_q.models import OrmQ

        from erp_orders.models import ACTIVE_STATES, Handoff

        world.announce(world.opportunities)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not Handoff.objects.exclude(state="received").filter(
                crm_record_id__in=world.announced).exists():
            time.sleep(0.1)
        world.kill_worker()
        lost_tasks = OrmQ.objects.all().delete()[0]
        stranded = dict(world.states())
        in_flight = Handoff.objects.filter(crm_record_id__in=world.announced, state__in=ACTIVE_STATES).count()
        log(world.label, f"worker killed, {lost_tasks} queued task(s) deleted; stranded: {stranded}")
        world.start_worker()  # its scheduler runs handoff-watchdog (due at once after a restart, then every minute)
        settle(world, timeout=240, watchdog=False)
        problems = [] if in_flight else ["no handoff was stranded in an intermediate state"]
        figures = result(world, started, problems, tasks_deleted=lost_tasks, stranded=stranded, stranded_active=in_flight)
        if figures["redriven"] < 1:
            figures["problems"].append("the watchdog re-drove nothing")
            figures["passed"] = False
        return figures


SCENARIOS = {"kill9_worker": kill9_worker, "pg_terminate": pg_terminate, "stuck_work": stuck_work}
