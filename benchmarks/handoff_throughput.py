"""handoff_throughput: won deals → SAP orders written back, per second, on PostgreSQL with a real django-q2 worker.

What runs (all on this machine):

* a freshly created PostgreSQL database (BENCH_DB_NAME, default `handoff_bench`, on the server of DATABASE_URL),
  migrated with `manage.py migrate`, dropped at the end;
* the web server (`benchmarks._webserver`: Django's threaded WSGI server, the class `runserver --noreload` and the
  tests' live server run — one process, one thread per request) on a free loopback port, serving the webhook and the
  Salesforce and SAP sandboxes;
* one worker (`manage.py qcluster`, Q_WORKERS=2 by default, BENCH_WORKERS to change) with the ORM broker;
* this process, configured for the same database and sandboxes, seeds the demo world (crosswalks, SAP master data,
  Salesforce accounts/products/contacts) and N open opportunities (BENCH_N, default 100) of 2 lines each, at the
  customers' SAP prices, cycling through the four mapped customers, each low risk so none waits for an approver —
  all before the clock starts.

Measured:

* the clock starts; the N opportunities are marked won one after another with the Salesforce sandbox's own
  `update_record(StageName='Closed Won')` (the rep's click inside Salesforce). The sandbox's workflow sends each
  Outbound Message to our webhook from a background thread, as Salesforce's outbound queue does; we wait (polling the
  database) until all N handoffs are written back. handoffs_per_s = N / (last completed_at − clock start).
  Latency per handoff = Handoff.completed_at − InboundEvent.received_at (webhook receipt → written back).
* the raw bound, in the same run, after the handoffs: N sequential `SapAdapter().create_order()` calls over HTTP
  against the same SAP sandbox (the same server), with the OrderRequests the pipeline built (a new reference each),
  i.e. what one client can push into this SAP at best: raw_creates_per_s; ratio = handoffs_per_s / raw_creates_per_s.
  The same N calls from as many threads as worker processes are reported beside it (raw.parallel).

Verified: every handoff written back; exactly one SAP order per SF-<opportunity> reference (duplicates: 0), its number
on the handoff and on the opportunity. A handoff that stops short (exception, approval, dead, failed writeback) fails
the run at once, listing states; so does the time limit (BENCH_HANDOFF_TIMEOUT_S, default max(120, 1.5 N) s).
Also reported (`breakdown`): stage durations from the handoff history, per task function the queue wait and run time
(django-q2's task table plus the worker's INFO log, which says when a process picked a task up), worker utilisation,
and the HTTP calls per handoff from the event log.

BENCH_KEEP_DB=1 keeps the database, BENCH_KEEP_LOGS=1 the process logs (var/bench/; kept anyway on failure).
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import os
import re
import sys
import time

from . import _harness as h

NAME = "handoff_throughput"
KEY_FIGURES = ["n", "workers", "handoffs_per_s", "raw_creates_per_s", "ratio", "p50_latency_s", "p95_latency_s",
               "wall_s", "duplicates", "database"]

# (account, payment terms, [(product, quantity, unit price, discount %)]) — every line at the customer's SAP price
# (Acme's platform line at its customer-specific price), and every deal low risk (under 50K, discounts under 10 %,
# mapped customers, standard terms), so all of them go straight through: no approval step is measured here.
DEALS = [
    ("Acme Corp", "Net 30", [("Enterprise Platform License (Annual)", "1", "45600.00", "0"),
                             ("Pro Seat - Annual Subscription", "4", "960.00", "0")]),
    ("Globex Industries", "Net 45", [("Edge Gateway G200", "4", "1250.00", "0"),
                                     ("Sensor Kit S10 (10-pack)", "10", "420.00", "5")]),
    ("Initech GmbH", "Net 30", [("Pro Seat - Annual Subscription", "10", "960.00", "0"),
                                ("Onboarding Package", "1", "7500.00", "0")]),
    ("Umbrella Health Ltd", "Net 60", [("Remote Training Day", "5", "1800.00", "0"),
                                       ("Premium Support 24x7", "1", "9600.00", "0")]),
]


def log(message: str) -> None:
    print(f"[{NAME} {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---- setup (before the clock) ----------------------------------------------------------------------------------------------


def seed_world(n: int) -> list[str]:
    from crm_sync.connectors.salesforce.sandbox_records import create_record
    from handoff_project.demo import catalogue, seed

    seed.seed_crosswalks()
    seed.seed_sap()
    accounts = {a["Name"]: create_record("Account", a)["Id"] for a in catalogue.SALESFORCE_ACCOUNTS}
    products = {name: create_record("Product2", {"Name": name, "ProductCode": code, "IsActive": True})["Id"]
                for name, code in catalogue.SALESFORCE_PRODUCTS}
    contacts = {account: create_record("Contact", {"AccountId": accounts[account], "FirstName": first,
                                                   "LastName": last, "Email": email})["Id"]
                for account, first, last, email in catalogue.SALESFORCE_CONTACTS}
    opportunities = []
    for i in range(n):
        account, terms, lines = DEALS[i % len(DEALS)]
        opp = create_record("Opportunity", {
            "Name": f"{account} — bench deal {i + 1:04d}", "AccountId": accounts[account],
            "StageName": "Negotiation/Review", "CloseDate": dt.date.today().isoformat(), "Payment_Terms__c": terms,
            "CurrencyIsoCode": "USD",
        })["Id"]
        for product, quantity, price, discount in lines:
            create_record("OpportunityLineItem", {
                "OpportunityId": opp, "Product2Id": products[product], "Quantity": float(quantity),
                "UnitPrice": float(price), "Discount": float(discount),
            })
        create_record("OpportunityContactRole", {"OpportunityId": opp, "ContactId": contacts[account], "IsPrimary": True})
        opportunities.append(opp)
    return opportunities


def wait_for_worker(timeout: float, worker: h.AppProcess) -> float:
    """Round-trip a no-op task through the broker: proves the worker consumes from this database."""
    from django_q.models import Task
    from django_q.tasks import async_task

    started = time.monotonic()
    task_id = async_task("math.floor", 1.5, task_name="bench-worker-probe")
    while time.monotonic() - started < timeout:
        worker.check_alive()
        if Task.objects.filter(id=task_id).exists():
            return time.monotonic() - started
        time.sleep(0.1)
    raise h.BenchmarkFailed(f"the worker did not run a probe task within {timeout:.0f} s:\n{worker.tail()}")


# ---- measurement ---------------------------------------------------------------------------------------------------------


def wait_for_handoffs(opportunities: list[str], *, timeout: float, processes) -> None:
    """Poll until every handoff is written back; fail at once when one rests where no worker will move it on."""
    from erp_orders.models import ACTIVE_STATES, Handoff, HandoffState, WritebackStatus

    n = len(opportunities)
    deadline = time.monotonic() + timeout
    last_report = 0.0
    while True:
        for process in processes:
            process.check_alive()
        rows = Handoff.objects.filter(crm_system="salesforce", crm_record_id__in=opportunities).values_list("state", "writeback_status")
        states = collections.Counter(state for state, _ in rows)
        resting = sum(1 for state, writeback in rows if state != HandoffState.WRITTEN_BACK
                      and (state not in ACTIVE_STATES or writeback == WritebackStatus.FAILED))
        done = states.get(HandoffState.WRITTEN_BACK, 0)
        if done == n:
            return
        now = time.monotonic()
        if resting or now > deadline:
            raise h.BenchmarkFailed(
                (f"{resting} handoff(s) stopped short of written_back (exception, approval, dead or failed writeback)"
                 if resting else f"not every handoff was written back within {timeout:.0f} s")
                + f": {dict(states)}, {n - sum(states.values())} without a handoff yet\n" + describe_problems(opportunities)
            )
        if now - last_report > 5:
            log(f"  {done}/{n} written back; states {dict(states)}")
            last_report = now
        time.sleep(0.2)


def describe_problems(opportunities: list[str]) -> str:
    """A few handoffs that did not make it, and their exceptions (plain columns only: this must not fail itself)."""
    from erp_orders.models import Handoff, HandoffState
    from exceptions_queue.models import HandoffException

    lines = []
    try:
        stuck = (Handoff.objects.filter(crm_record_id__in=opportunities).exclude(state=HandoffState.WRITTEN_BACK)
                 .values_list("pk", "crm_record_id", "state", "attempts", "last_error")[:10])
        for pk, crm_id, state, attempts, last_error in stuck:
            lines.append(f"  handoff {pk} {crm_id}: {state} attempts={attempts} last_error={last_error[:200]!r}")
        exceptions = (HandoffException.objects.filter(handoff__crm_record_id__in=opportunities)
                      .values_list("type", "team", "message")[:10])
        for type_, team, message in exceptions:
            lines.append(f"  exception {type_} ({team}): {message[:200]}")
    except Exception as exc:  # noqa: BLE001 - the states above are the message; this is only detail
        lines.append(f"  (could not list them: {type(exc).__name__}: {exc})")
    return "\n".join(lines)


def measure_raw_creates(order_requests, threads: int = 1) -> tuple[float, list[float], list[str]]:
    """create_order for each request, from `threads` threads; returns (wall seconds, per-call seconds, order numbers)."""
    import concurrent.futures

    from django.db import connection

    from erp_orders.connectors.sap.adapter import SapAdapter

    def create(chunk):
        adapter, out = SapAdapter(), []
        try:
            for order in chunk:
                t = time.perf_counter()
                number = adapter.create_order(order).order_number
                out.append((time.perf_counter() - t, number))
        finally:
            if threads > 1:
                connection.close()  # this thread's own connection (the event log)
        return out

    chunks = [order_requests[i::threads] for i in range(threads)]
    started = time.perf_counter()
    if threads == 1:
        results = [create(chunks[0])]
    else:
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(create, chunks))
    wall = time.perf_counter() - started
    pairs = [p for r in results for p in r]
    return wall, [d for d, _ in pairs], [num for _, num in pairs]


# ---- verification and breakdown ---------------------------------------------------------------------------------------------


def verify(opportunities: list[str]) -> dict:
    from crm_sync.connectors.salesforce.sandbox_records import get_record
    from erp_orders.models import Handoff
    from handoff_project.sandbox import store

    orders = collections.defaultdict(list)
    for order in store.all_of("sap", "sales_orders"):
        orders[order.get("PurchaseOrderByCustomer", "")].append(order["SalesOrder"])
    handoffs = {hf.crm_record_id: hf for hf in Handoff.objects.filter(crm_system="salesforce", crm_record_id__in=opportunities)}
    duplicates = missing = wrong_number = writeback_mismatch = 0
    for opp in opportunities:
        found = orders.get(f"SF-{opp}", [])
        duplicates += max(0, len(found) - 1)
        missing += not found
        handoff = handoffs.get(opp)
        if handoff is None or found[:1] != [handoff.erp_order_number]:
            wrong_number += 1
        if handoff is None or get_record("Opportunity", opp).get("ERP_Order_Number__c") != handoff.erp_order_number:
            writeback_mismatch += 1
    sf_orders = sum(len(v) for k, v in orders.items() if k.startswith("SF-"))
    return {"sap_orders_for_handoffs": sf_orders, "duplicates": duplicates, "missing": missing,
            "order_number_mismatch": wrong_number, "writeback_mismatch": writeback_mismatch}


def _call_name(method: str, endpoint: str) -> str:
    path = endpoint.split("?", 1)[0]
    path = re.sub(r"^https?://[^/]+", "", path)
    path = re.sub(r"/sandbox/(salesforce|sap)", "", path)
    path = re.sub(r"/services/data/v[0-9.]+", "", path)
    path = re.sub(r"/sap/opu/odata/sap", "", path)
    path = re.sub(r"\('[^']*'\)", "('…')", path)
    path = re.sub(r"/(0[0-9A-Za-z]{14}(?:[0-9A-Za-z]{3})?)(?=/|$)", "/{id}", path)
    return f"{method} {path}"


_PROCESSING = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO django-q (\S+) processing (\S+) '([^']+)'")


def worker_task_times(since, worker_log: str) -> tuple[dict, float | None]:
    """Per task function: queue wait (enqueued → a worker process starts it) and run time (→ stopped).

    django-q2's Task.started is the *enqueue* time; when a worker process picks a task up is only in the worker's
    INFO log ("… processing <task name> '<func>'"), which this benchmark turns on (Q_LOG_LEVEL=INFO).
    """
    import datetime as dt

    from django_q.models import Task

    picked = {}
    for line in worker_log.splitlines():
        m = _PROCESSING.match(line)
        if m:
            local = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").astimezone()  # logging uses local time
            picked[m.group(3)] = local.astimezone(dt.timezone.utc)
    waits, runs, totals = collections.defaultdict(list), collections.defaultdict(list), collections.defaultdict(list)
    for func, name, started, stopped in Task.objects.filter(started__gte=since).values_list("func", "name", "started", "stopped"):
        totals[func].append((stopped - started).total_seconds())
        if name in picked:
            waits[func].append(max(0.0, (picked[name] - started).total_seconds()))
            runs[func].append(max(0.0, (stopped - picked[name]).total_seconds()))
    summary = {}
    for func, v in sorted(totals.items()):
        summary[func] = {"count": len(v), "enqueue_to_done_mean_ms": round(1000 * sum(v) / len(v), 1)}
        if runs[func]:
            summary[func].update({
                "queue_wait_mean_ms": round(1000 * sum(waits[func]) / len(waits[func]), 1),
                "run_mean_ms": round(1000 * sum(runs[func]) / len(runs[func]), 1),
                "run_p95_ms": round(1000 * h.percentile(runs[func], 95), 1),
                "run_total_s": round(sum(runs[func]), 2),
            })
    busy = sum(sum(v) for v in runs.values()) if runs else None
    return summary, busy


def breakdown(handoff_ids: list[int], since, wall_s: float, workers: int, worker_log: str) -> dict:
    """Where the time goes: stage durations, worker task execution, HTTP calls per handoff."""
    from erp_orders.models import Handoff
    from handoff_project.integration.models import Event

    history = Handoff.history.model
    first_at: dict[int, dict[str, object]] = collections.defaultdict(dict)
    for hid, state, at in history.objects.filter(id__in=handoff_ids).order_by("history_date").values_list("id", "state", "history_date"):
        first_at[hid].setdefault(state, at)
    # consecutive states each handoff passed through (from its history), in the order of the happy path
    path = ["received", "resolved", "validated", "awaiting_approval", "pushing", "created", "written_back"]
    stages: dict[str, list[float]] = collections.defaultdict(list)
    order: list[str] = ["webhook_to_opened"]
    for hf in Handoff.objects.filter(id__in=handoff_ids).select_related("inbound_event"):
        stages["webhook_to_opened"].append((hf.received_at - hf.inbound_event.received_at).total_seconds())
        seen = first_at[hf.id]
        walked = [state for state in path if state in seen]
        for a, b in zip(walked, walked[1:]):
            name = f"{a}_to_{b}"
            stages[name].append((seen[b] - seen[a]).total_seconds())
            if name not in order:
                order.append(name)
    order.sort(key=lambda name: -1 if name == "webhook_to_opened" else path.index(name.split("_to_")[0]))
    stage_summary = {name: {"p50_s": h.rounded(h.percentile(stages[name], 50)),
                            "mean_s": h.rounded(sum(stages[name]) / len(stages[name])),
                            "p95_s": h.rounded(h.percentile(stages[name], 95)), "count": len(stages[name])}
                     for name in order}

    task_summary, busy = worker_task_times(since, worker_log)

    calls = collections.defaultdict(list)
    for event_type, method, endpoint, ms in (Event.objects.filter(handoff_id__in=handoff_ids).exclude(method="")
                                             .values_list("event_type", "method", "endpoint", "duration_ms")):
        calls[f"{event_type} {_call_name(method, endpoint)}"].append(ms or 0)
    n = max(1, len(handoff_ids))
    http_summary = {name: {"per_handoff": round(len(v) / n, 2), "mean_ms": round(sum(v) / len(v), 1),
                           "p95_ms": round(h.percentile(v, 95), 1)}
                    for name, v in sorted(calls.items(), key=lambda kv: -sum(kv[1]))}
    http_ms_per_handoff = sum(sum(v) for v in calls.values()) / n
    events_per_handoff = Event.objects.filter(handoff_id__in=handoff_ids).count() / n
    return {
        "stages": stage_summary,
        "worker_tasks": task_summary,
        "worker_busy_s": h.rounded(busy, 2),
        "worker_utilisation": round(busy / (workers * wall_s), 3) if wall_s and busy is not None else None,
        "http_calls_per_handoff": round(sum(len(v) for v in calls.values()) / n, 2),
        "http_ms_per_handoff": round(http_ms_per_handoff, 1),
        "events_per_handoff": round(events_per_handoff, 1),
        "http_calls": http_summary,
    }


# ---- the run ---------------------------------------------------------------------------------------------------------------


def run() -> dict:
    n = int(os.environ.get("BENCH_N", "100"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    timeout = float(os.environ.get("BENCH_HANDOFF_TIMEOUT_S", str(max(120.0, 1.5 * n))))
    server_url = os.environ.get("DATABASE_URL") or h.DEFAULT_DATABASE_URL
    db_name = os.environ.get("BENCH_DB_NAME", "handoff_bench")
    machine_start = h.machine_info()
    t_setup = time.monotonic()

    log(f"fresh database {db_name} on {server_url.rsplit('@', 1)[-1]}")
    db_url, server_version = h.create_fresh_database(server_url, db_name)
    processes: list[h.AppProcess] = []
    django_ready = False
    try:
        port = h.free_port()
        base = f"http://127.0.0.1:{port}"
        env = h.app_env(db_url, base, Q_WORKERS=workers, Q_LOG_LEVEL="INFO")
        h.manage(env, "migrate", "--noinput", "-v0")
        migrate_s = time.monotonic() - t_setup
        log(f"migrated in {migrate_s:.1f} s; starting web server on {base} and worker (Q_WORKERS={workers})")
        server = h.AppProcess("bench-web", ["-m", "benchmarks._webserver", "127.0.0.1", str(port)], env).start()
        worker = h.AppProcess("bench-worker", [str(h.ROOT / "manage.py"), "qcluster"], env).start()
        processes = [server, worker]
        h.configure_django({**env, "LOG_LEVEL": "WARNING", "Q_LOG_LEVEL": "WARNING"})  # this process: quiet
        django_ready = True
        from django.conf import settings

        h.wait_http_ok(f"{base}/healthz", timeout=60, processes=processes)
        worker_ready_s = wait_for_worker(60, worker)
        log(f"web server and worker up (worker answered a probe task in {worker_ready_s:.1f} s)")

        t = time.monotonic()
        opportunities = seed_world(n)
        log(f"seeded the world and {n} open opportunities in {time.monotonic() - t:.1f} s")
        setup_s = time.monotonic() - t_setup

        # ---- the clock runs: N deals won, until all N are written back ----
        from django.db.models import Max
        from django.utils import timezone

        from crm_sync.connectors.salesforce import sandbox_outbound
        from crm_sync.connectors.salesforce.sandbox_records import update_record
        from erp_orders.models import Handoff

        clock_start = timezone.now()
        t0 = time.perf_counter()
        for opp in opportunities:
            update_record("Opportunity", opp, {"StageName": "Closed Won"})
        mark_s = time.perf_counter() - t0
        log(f"{n} opportunities marked won in {mark_s:.2f} s; waiting for the handoffs")
        wait_for_handoffs(opportunities, timeout=timeout, processes=processes)
        detected_s = time.perf_counter() - t0
        handoffs = list(Handoff.objects.filter(crm_system="salesforce", crm_record_id__in=opportunities).select_related("inbound_event"))
        last_done = Handoff.objects.filter(pk__in=[x.pk for x in handoffs]).aggregate(m=Max("completed_at"))["m"]
        wall_s = (last_done - clock_start).total_seconds()
        latencies = [(x.completed_at - x.inbound_event.received_at).total_seconds() for x in handoffs]
        first_receipt = min(x.inbound_event.received_at for x in handoffs)
        log(f"all {n} written back: wall {wall_s:.2f} s → {n / wall_s:.2f} handoffs/s")
        sandbox_outbound.wait_for_deliveries(timeout=30)

        # ---- the raw bound: the pipeline's own OrderRequests, straight into the same SAP ----
        from handoff_project.integration.canonical import OrderRequest, from_dict

        by_opp = {x.crm_record_id: x for x in handoffs}
        raw_orders = [dataclasses.replace(from_dict(OrderRequest, by_opp[opp].order_request),
                                          reference=f"RAW-{by_opp[opp].erp_reference}"[:35])
                      for opp in opportunities]
        raw_wall_s, raw_durations, raw_numbers = measure_raw_creates(raw_orders)
        log(f"raw bound: {n} create_order calls in {raw_wall_s:.2f} s → {n / raw_wall_s:.2f} creates/s")
        par_orders = [dataclasses.replace(o, reference="P" + o.reference[:34]) for o in raw_orders]
        par_wall_s, par_durations, par_numbers = measure_raw_creates(par_orders, threads=workers)
        log(f"raw bound with {workers} threads: {n / par_wall_s:.2f} creates/s")
        if len(set(raw_numbers + par_numbers)) != 2 * n:
            raise h.BenchmarkFailed(f"raw creates returned {len(set(raw_numbers + par_numbers))} distinct order numbers for {2 * n} calls")

        checks = verify(opportunities)
        if checks["duplicates"] or checks["missing"] or checks["order_number_mismatch"] or checks["writeback_mismatch"]:
            raise h.BenchmarkFailed(f"verification failed: {checks}")
        where = breakdown([x.pk for x in handoffs], clock_start, wall_s, workers, worker.log_path.read_text(errors="replace"))

        from handoff_project.integration.models import Event
        from handoff_project.sandbox import store

        outbound = store.all_of("salesforce", sandbox_outbound.COLLECTION)
        handoffs_per_s = n / wall_s
        raw_per_s = n / raw_wall_s
        result = {
            "name": NAME,
            "timestamp": h.now_iso(),
            "n": n,
            "workers": workers,
            "handoffs_per_s": round(handoffs_per_s, 3),
            "raw_creates_per_s": round(raw_per_s, 3),
            "ratio": round(handoffs_per_s / raw_per_s, 4),
            "p50_latency_s": h.rounded(h.percentile(latencies, 50)),
            "p95_latency_s": h.rounded(h.percentile(latencies, 95)),
            "max_latency_s": h.rounded(max(latencies)),
            "wall_s": round(wall_s, 3),
            "database": f"postgresql {server_version.split()[0]}",
            **checks,
            "written_back": len(handoffs),
            "retries": Event.objects.filter(created_at__gte=clock_start, outcome="retry_scheduled").count(),
            "trigger": "Salesforce sandbox update_record(StageName='Closed Won') for each deal in turn, in-process; "
                       "the sandbox POSTs each Outbound Message to /webhooks/salesforce/ from its own thread",
            "latency": "Handoff.completed_at − InboundEvent.received_at (webhook receipt → written back)",
            "wall": "first 'Closed Won' update → last Handoff.completed_at",
            "mark_won_s": round(mark_s, 3),
            "first_webhook_after_s": round((first_receipt - clock_start).total_seconds(), 3),
            "detected_all_done_after_s": round(detected_s, 3),
            "outbound_messages": {"delivered": sum(m["status"] == "delivered" for m in outbound),
                                  "redelivered": sum(len(m["attempts"]) > 1 for m in outbound)},
            "raw": {
                "method": "sequential SapAdapter().create_order() calls from one thread of this process, over HTTP to the "
                          "same SAP sandbox, with the pipeline's OrderRequests (reference RAW-SF-<opportunity>)",
                "concurrency": 1,
                "wall_s": round(raw_wall_s, 3),
                "p50_ms": round(1000 * h.percentile(raw_durations, 50), 1),
                "p95_ms": round(1000 * h.percentile(raw_durations, 95), 1),
                "parallel": {"threads": workers, "creates_per_s": round(n / par_wall_s, 3), "wall_s": round(par_wall_s, 3),
                             "p50_ms": round(1000 * h.percentile(par_durations, 50), 1),
                             "note": "the same calls from as many threads as the worker has processes (reference PRAW-…)"},
            },
            "setup": {"total_s": round(setup_s, 1), "migrate_s": round(migrate_s, 1), "worker_probe_s": round(worker_ready_s, 2)},
            "config": {
                "web_server": "benchmarks._webserver: Django's ThreadedWSGIServer (runserver's server class, one thread "
                              "per request, 1 process, request threads close their DB connections)",
                "worker": f"manage.py qcluster, django-q2 ORM broker, Q_WORKERS={settings.Q_CLUSTER['workers']} "
                          f"on a {os.cpu_count()}-CPU machine, poll={settings.Q_CLUSTER['poll']} s",
                "django_debug": settings.DEBUG,
                "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
                "deal_mix": [f"{a}: {len(lines)} lines" for a, _t, lines in DEALS],
            },
            "breakdown": where,
            "machine": {**machine_start, "loadavg_end": h.machine_info().get("loadavg")},
        }
    except BaseException:
        h.show_tails(processes, 15)
        raise
    else:
        if not os.environ.get("BENCH_KEEP_LOGS"):
            for process in processes:
                process.stop()
                process.log_path.unlink(missing_ok=True)
        return result
    finally:
        h.stop_and_release(processes, server_url, db_name, django_ready=django_ready)


def main() -> int:
    return h.run_benchmark(NAME, run, log)


if __name__ == "__main__":
    sys.exit(main())
