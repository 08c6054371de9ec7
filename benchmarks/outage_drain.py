"""outage_drain: how fast the buffer of deals won during an SAP outage drains once SAP answers again.

What runs (all on this machine), as in handoff_throughput: a fresh PostgreSQL database, the web server
(benchmarks._webserver) with the Salesforce and SAP sandboxes, one worker (Q_WORKERS=2 by default, BENCH_WORKERS),
and this process seeding the demo world and BENCH_N open opportunities (default 1,000) plus a baseline batch of
BENCH_BASELINE_N (default 100) — all before any clock starts.

Measured, in one run:

* baseline: the baseline batch is announced (Outbound Messages of 100 notifications each, POSTed to the webhook) with
  SAP up; steady_per_s = batch / (last written back − first announcement).
* the outage: SAP is put down (sandbox fault mode "down"); the N deals are announced; the breaker notices
  (ERP_OUTAGE_THRESHOLD failures in a row) and every handoff waits in the buffer (wait_reason erp_down) — waited for,
  not timed. Then SAP is put up and the clock starts; the outage probe runs (as its timer would) and drains the
  buffer. drain_per_s = N / (last written back − SAP up). ratio = drain_per_s / steady_per_s (same run, same machine).

Verified: lost = deals without a written-back handoff and one SAP order; duplicates = SAP orders beyond one per
reference; out_of_order = customers whose SAP order numbers do not rise in the order their deals were announced;
dead letters (must be none). The time limits are BENCH_BUFFER_TIMEOUT_S / BENCH_DRAIN_TIMEOUT_S.
"""

from __future__ import annotations

import collections
import os
import sys
import time

from . import _harness as h
from .handoff_throughput import seed_world, wait_for_worker

NAME = "outage_drain"
KEY_FIGURES = ["buffered", "drain_per_s", "steady_per_s", "ratio", "lost", "duplicates", "out_of_order",
               "max_lag_s", "database"]
BATCH = 100  # notifications per Outbound Message (Salesforce's maximum)


def log(message: str) -> None:
    print(f"[{NAME} {time.strftime('%H:%M:%S')}] {message}", flush=True)


def announce(base: str, opportunities: list[str]) -> None:
    import httpx
    from django.conf import settings

    from crm_sync.connectors.salesforce.outbound import build_outbound_message

    for start in range(0, len(opportunities), BATCH):
        body = build_outbound_message(settings.SALESFORCE_ORGANIZATION_ID, "04k000000000001AAA", "Opportunity",
                                      [{"Id": o, "StageName": "Closed Won", "IsWon": True} for o in opportunities[start:start + BATCH]])
        answer = httpx.post(f"{base}/webhooks/salesforce/", content=body, timeout=60,
                            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})
        if answer.status_code != 200:
            raise h.BenchmarkFailed(f"the webhook answered {answer.status_code}: {answer.text[:300]}")


def wait_until(predicate, *, timeout: float, what: str, processes, report) -> float:
    started = time.monotonic()
    last = 0.0
    while time.monotonic() - started < timeout:
        for process in processes:
            process.check_alive()
        if predicate():
            return time.monotonic() - started
        if time.monotonic() - last > 10:
            log(f"  waiting for {what}: {report()}")
            last = time.monotonic()
        time.sleep(0.5)
    raise h.BenchmarkFailed(f"{what} did not happen within {timeout:.0f} s: {report()}")


def states(opportunities) -> dict:
    from erp_orders.models import Handoff

    rows = Handoff.objects.filter(crm_record_id__in=opportunities).values_list("state", "wait_reason")
    return dict(collections.Counter(f"{s}{'/' + w if w else ''}" for s, w in rows))


def written_back(opportunities) -> int:
    from erp_orders.models import Handoff, HandoffState

    return Handoff.objects.filter(crm_record_id__in=opportunities, state=HandoffState.WRITTEN_BACK).count()


def check(opportunities: list[str]) -> dict:
    from erp_orders.models import Handoff, HandoffState
    from exceptions_queue.models import DeadLetter
    from handoff_project.sandbox import store

    orders = collections.defaultdict(list)
    for order in store.all_of("sap", "sales_orders"):
        orders[order.get("PurchaseOrderByCustomer", "")].append(int(order["SalesOrder"]))
    handoffs = list(Handoff.objects.filter(crm_record_id__in=opportunities).order_by("pk"))
    done = {h_.crm_record_id for h_ in handoffs if h_.state == HandoffState.WRITTEN_BACK}
    lost = sum(1 for o in opportunities if o not in done or not orders.get(f"SF-{o}"))
    duplicates = sum(max(0, len(orders.get(f"SF-{o}", [])) - 1) for o in opportunities)
    sequences = collections.defaultdict(list)
    for handoff in handoffs:
        if orders.get(handoff.erp_reference):
            sequences[handoff.erp_customer].append(orders[handoff.erp_reference][0])
    out_of_order = sum(1 for seq in sequences.values() if seq != sorted(seq))
    return {"lost": lost, "duplicates": duplicates, "out_of_order": out_of_order, "customers": len(sequences),
            "dead_letters": DeadLetter.objects.filter(handoff__crm_record_id__in=opportunities).count()}


def run() -> dict:
    n = int(os.environ.get("BENCH_N", "1000"))
    baseline_n = int(os.environ.get("BENCH_BASELINE_N", "100"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    server_url = os.environ.get("DATABASE_URL") or h.DEFAULT_DATABASE_URL
    db_name = os.environ.get("BENCH_DB_NAME", "handoff_bench_outage")
    machine_start = h.machine_info()
    log(f"fresh database {db_name}")
    db_url, server_version = h.create_fresh_database(server_url, db_name)
    processes: list[h.AppProcess] = []
    django_ready = False
    try:
        port = h.free_port()
        base = f"http://127.0.0.1:{port}"
        env = h.app_env(db_url, base, Q_WORKERS=workers, ERP_OUTAGE_THRESHOLD=3, ERP_PROBE_SECONDS=2,
                        HANDOFF_INTERVENTION_WINDOW_SECONDS=0, ERP_QUEUE_LAG_ALERT_SECONDS=3600)
        h.manage(env, "migrate", "--noinput", "-v0")
        server = h.AppProcess("bench-web", ["-m", "benchmarks._webserver", "127.0.0.1", str(port)], env).start()
        worker = h.AppProcess("bench-worker", [str(h.ROOT / "manage.py"), "qcluster"], env).start()
        processes = [server, worker]
        h.configure_django({**env, "LOG_LEVEL": "WARNING", "Q_LOG_LEVEL": "WARNING"})
        django_ready = True
        h.wait_http_ok(f"{base}/healthz", timeout=60, processes=processes)
        wait_for_worker(60, worker)
        t = time.monotonic()
        everything = seed_world(baseline_n + n)
        baseline, buffered = everything[:baseline_n], everything[baseline_n:]
        log(f"seeded {baseline_n} + {n} open opportunities in {time.monotonic() - t:.1f} s")

        from django.db.models import Max, Min
        from django.utils import timezone

        from erp_orders import outage
        from erp_orders.models import Handoff
        from handoff_project.sandbox.faults import set_fault

        # ---- baseline: SAP up ----
        baseline_start = timezone.now()
        announce(base, baseline)
        wait_until(lambda: written_back(baseline) == baseline_n, timeout=float(os.environ.get("BENCH_DRAIN_TIMEOUT_S", "1800")),
                   what="the baseline to be written back", processes=processes, report=lambda: states(baseline))
        baseline_end = Handoff.objects.filter(crm_record_id__in=baseline).aggregate(m=Max("completed_at"))["m"]
        steady_per_s = baseline_n / (baseline_end - baseline_start).total_seconds()
        log(f"baseline: {baseline_n} in {(baseline_end - baseline_start).total_seconds():.1f} s → {steady_per_s:.2f}/s")

        # ---- the outage: SAP down, N deals announced and buffered ----
        set_fault("sap", "down")
        announce(base, buffered)
        buffering_s = wait_until(
            lambda: Handoff.objects.filter(crm_record_id__in=buffered, wait_reason="erp_down").count() == n,
            timeout=float(os.environ.get("BENCH_BUFFER_TIMEOUT_S", "1800")), what="every deal to wait in the buffer",
            processes=processes, report=lambda: states(buffered))
        oldest = Handoff.objects.filter(crm_record_id__in=buffered).aggregate(m=Min("waiting_for_erp_since"))["m"]
        log(f"{n} deals buffered after {buffering_s:.1f} s; SAP comes back")

        # ---- the clock: SAP up, the probe drains the buffer ----
        set_fault("sap", "up")
        up_at = timezone.now()
        probe = outage.probe_erp("sap")  # what the probe timer does when it fires
        wait_until(lambda: written_back(buffered) == n, timeout=float(os.environ.get("BENCH_DRAIN_TIMEOUT_S", "1800")),
                   what="the buffer to drain", processes=processes, report=lambda: states(buffered))
        last = Handoff.objects.filter(crm_record_id__in=buffered).aggregate(m=Max("completed_at"))["m"]
        drain_s = (last - up_at).total_seconds()
        drain_per_s = n / drain_s
        checks = check(buffered + baseline)
        log(f"drained {n} in {drain_s:.1f} s → {drain_per_s:.2f}/s ({drain_per_s / steady_per_s:.2f}× steady); {checks}")
        if checks["lost"] or checks["duplicates"] or checks["out_of_order"] or checks["dead_letters"]:
            raise h.BenchmarkFailed(f"verification failed: {checks}")
        from django.conf import settings

        return {
            "name": NAME, "timestamp": h.now_iso(), "buffered": n, "workers": workers,
            "drain_per_s": round(drain_per_s, 3), "steady_per_s": round(steady_per_s, 3),
            "ratio": round(drain_per_s / steady_per_s, 3), "drain_s": round(drain_s, 1),
            **{k: checks[k] for k in ("lost", "duplicates", "out_of_order", "dead_letters", "customers")},
            "max_lag_s": round((last - oldest).total_seconds(), 1) if oldest else None,
            "buffering_s": round(buffering_s, 1), "probe": probe, "baseline_n": baseline_n,
            "database": f"postgresql {server_version.split()[0]}",
            "method": "Outbound Messages of 100 notifications POSTed to /webhooks/salesforce/; SAP sandbox fault "
                      "mode down during the outage; the probe run in-process the moment SAP is up (its timer's job)",
            "config": {"worker": f"manage.py qcluster, ORM broker, Q_WORKERS={settings.Q_CLUSTER['workers']}",
                       "erp_outage_threshold": 3},
            "machine": {**machine_start, "loadavg_end": h.machine_info().get("loadavg")},
        }
    except BaseException:
        h.show_tails(processes, 15)
        raise
    finally:
        h.stop_and_release(processes, server_url, db_name, django_ready=django_ready)


def main() -> int:
    return h.run_benchmark(NAME, run, log)


if __name__ == "__main__":
    sys.exit(main())
