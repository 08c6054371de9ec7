"""ERP fault scenarios under steady load (issue 9): SAP down for a stretch, flaky (30 % 503), slow (5 s), and
lose_response (the order is created, the answer is lost) — while deals keep arriving.

Each scenario runs in its own `fault_world` (fresh PostgreSQL database, the web server with every sandbox, a real
django-q2 worker) and drives one loop, ticking every 0.25 s:

* steady load: Outbound Messages of LOAD_BATCH notifications every LOAD_INTERVAL_S to /webhooks/salesforce/ (the
  demo's four customers in turn, so each customer has many deals and their order matters), not one burst;
* the fault plan: at given seconds after the first announcement the SAP sandbox's fault mode changes
  (handoff_project.sandbox.faults.set_fault — the same rows /sandbox/sap/_control writes);
* the lag timer: every 2 s this process calls `outage.check_queue_lag()`, the job the worker's one-minute schedule
  does (a minute is longer than the whole stretch). The outage probe is NOT called here: the worker's own re-queued
  probe task (ERP_PROBE_SECONDS=2) finds SAP back and drains the buffer.

Verified per scenario (figures from FaultWorld.figures): lost = 0, duplicates = 0 (one SAP order per SF-<id>
reference), out_of_order = 0 (each customer's SAP order numbers rise in announcement order), no dead letter, no
handoff stopped in exception/dead; erp_down also needs the breaker to open and close and the queue-lag alert to fire
during the stretch and clear after the drain (both read back from the Event and Alert records); every scenario needs
no lag alert left open at the end. Retry delays are shortened (SCENARIO_ENV) so a retried step comes back in seconds,
not the production 30 s / 2 min; the HTTP timeout stays the production default (HTTP_TIMEOUT_SECONDS=20).

Run one or more from the command line (each in its own process: Django configures once per process):

    .venv/bin/python -m benchmarks._erp_faults erp_down erp_flaky erp_slow erp_lose_response
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from . import _harness as h
from ._fault_world import fault_world, log

LOAD_BATCH = int(os.environ.get("ERP_FAULTS_BATCH", "4"))
LOAD_INTERVAL_S = float(os.environ.get("ERP_FAULTS_INTERVAL_S", "1.5"))
LAG_ALERT_S = 10
SCENARIO_ENV = {"HANDOFF_RETRY_DELAYS": "2,4,8,15,30,60", "ERP_QUEUE_LAG_ALERT_SECONDS": LAG_ALERT_S}
STOPPED_STATES = ("exception", "dead", "awaiting_approval")


def _deals(default: int) -> int:
    return int(os.environ.get("ERP_FAULTS_DEALS", str(default)))


def _set(mode: str, **params):
    def action():
        from handoff_project.sandbox.faults import set_fault

        set_fault("sap", mode, **params)
    action.__doc__ = f"SAP {mode} {params or ''}".strip()
    return action


def drive(world, *, plan: list[tuple[float, object]], timeout_s: float) -> dict:
    """Announce the world's opportunities at a steady rate, apply the fault plan on time, run the lag timer, and wait
    until every deal is written back (or one stops short, or the time runs out). Returns what was observed."""
    from django.utils import timezone

    from erp_orders import outage
    from erp_orders.models import ErpAvailability, Handoff

    deals = world.opportunities
    plan = sorted(plan, key=lambda step: step[0])
    timeline, max_buffered, max_buffer_lag, breaker_seen_down = [], 0, 0.0, False
    started, started_at = time.monotonic(), timezone.now()
    announced = last_tick = last_report = 0.0
    batches = 0
    while True:
        now = time.monotonic() - started
        for process in world.processes:
            process.check_alive()
        while batches * LOAD_BATCH < len(deals) and batches * LOAD_INTERVAL_S <= now:
            world.announce(deals[batches * LOAD_BATCH:(batches + 1) * LOAD_BATCH])
            batches += 1
            announced = now
        while plan and plan[0][0] <= now:
            _at, action = plan.pop(0)
            action()
            timeline.append((round(now, 1), action.__doc__))
            log(world.label, f"t={now:5.1f} s: {action.__doc__}")
        if now - last_tick >= 2:
            outage.check_queue_lag()  # the worker's one-minute schedule, on a 2 s tick
            for lag in outage.queue_lags():
                if lag.erp_system == "sap":
                    max_buffered = max(max_buffered, lag.waiting)
                    max_buffer_lag = max(max_buffer_lag, lag.lag_seconds)
            breaker_seen_down = breaker_seen_down or outage.is_down("sap")
            last_tick = now
        done = world.written_back(deals) if len(world.announced) == len(deals) else -1
        stopped = Handoff.objects.filter(crm_record_id__in=world.announced, state__in=STOPPED_STATES).count()
        if done == len(deals) and not plan:
            break
        if stopped or now > timeout_s:
            log(world.label, f"giving up at t={now:.0f} s ({stopped} stopped short): {world.states(deals)}")
            break
        if now - last_report >= 15:
            log(world.label, f"t={now:5.1f} s: {len(world.announced)}/{len(deals)} announced; {world.states()}")
            last_report = now
        time.sleep(0.25)
    settled = time.monotonic() - started
    outage.check_queue_lag()  # the timer's next run after the drain
    return {"timeline": timeline, "started_at": started_at, "announce_s": round(announced, 1), "settled_s": round(settled, 1),
            "max_buffered": max_buffered, "max_buffer_lag_s": round(max_buffer_lag, 1), "breaker_seen_down": breaker_seen_down,
            "breaker_down_at_end": ErpAvailability.objects.filter(erp_system="sap", state="down").exists(),
            "timed_out": settled > timeout_s, "stopped_short": Handoff.objects.filter(
                crm_record_id__in=world.announced, state__in=STOPPED_STATES).count()}


def observed_faults(started_at) -> dict:
    """What the ERP side of the run looked like, read back from the event and alert records."""
    from django.db.models import Q

    from erp_orders.models import ErpAvailability
    from exceptions_queue.models import Alert
    from handoff_project.integration.models import Event, Outcome

    sap_http = Event.objects.filter(system="sap", event_type="http")
    fired = Event.objects.filter(event_type="erp_queue_lag", system="sap").order_by("created_at").first()
    cleared = Event.objects.filter(event_type="erp_queue_lag_cleared", system="sap").order_by("-created_at").first()
    lag_pages = Alert.objects.filter(dedup_key="erp-queue-lag/sap")
    return {
        "sap_requests": sap_http.count(),
        "sap_5xx": sap_http.filter(http_status__gte=500).count(),
        "sap_slow_requests": sap_http.filter(duration_ms__gte=4500).count(),
        "sap_timeouts": sap_http.filter(http_status__isnull=True, message__startswith="timeout").count(),
        "lost_answers": sap_http.filter(Q(http_status=504) | Q(http_status__isnull=True, message__startswith="timeout"),
                                        method="POST").count(),
        "lost_at_gateway": sap_http.filter(http_status=504, method="POST").count(),
        "lost_to_timeout": sap_http.filter(http_status__isnull=True, message__startswith="timeout", method="POST").count(),
        "retries": Event.objects.filter(outcome=Outcome.RETRY_SCHEDULED).count(),
        "found_existing": Event.objects.filter(event_type="erp_order_found").count(),
        "breaker_opened": Event.objects.filter(event_type="erp_down", system="sap").count(),
        "breaker_closed": Event.objects.filter(event_type="erp_up", system="sap").count(),
        "alert_fired": fired is not None and lag_pages.filter(event_action="trigger").exists(),
        "alert_cleared": (fired is not None and cleared is not None and cleared.created_at > fired.created_at
                          and lag_pages.filter(event_action="resolve").exists()),
        "alert_open_at_end": ErpAvailability.objects.filter(erp_system="sap", lag_alerted=True).exists(),
        "lag_alerts": lag_pages.filter(event_action="trigger").count(),
        "alert_fired_at_s": round((fired.created_at - started_at).total_seconds(), 1) if fired else None,
        "alert_cleared_at_s": round((cleared.created_at - started_at).total_seconds(), 1) if cleared else None,
    }


def verdict(world, run: dict, started: float, *, needs: dict, window: tuple[float, float] | None = None,
            checks=None) -> dict:
    """The contract's figures, the extras, and whether every promise held (`checks(faults)` → extra problems)."""
    figures = world.figures(world.opportunities)
    faults = observed_faults(run.pop("started_at"))
    problems = [f"{key}={figures[key]}" for key in ("lost", "duplicates", "out_of_order", "dead_letters") if figures[key]]
    problems += [f"{key}={run[key]}" for key in ("stopped_short", "timed_out", "breaker_down_at_end") if run[key]]
    if faults["alert_open_at_end"]:
        problems.append("a queue-lag alert is still open")
    problems += [f"expected {key}" for key, wanted in needs.items() if bool({**faults, **run}[key]) != wanted]
    problems += checks(faults) if checks else []
    if window:  # the alert must fire while the ERP is down and clear only after it is back
        down_at, up_at = window
        if not (faults["alert_fired_at_s"] is not None and down_at <= faults["alert_fired_at_s"] <= up_at):
            problems.append(f"the lag alert did not fire during the stretch ({down_at}–{up_at} s): {faults['alert_fired_at_s']}")
        if not (faults["alert_cleared_at_s"] is not None and faults["alert_cleared_at_s"] > up_at):
            problems.append(f"the lag alert did not clear after the stretch: {faults['alert_cleared_at_s']}")
    result = {**figures, **faults, **run, "passed": not problems, "problems": problems,
              "run_s": round(time.monotonic() - started, 1), "load": f"{LOAD_BATCH} deals every {LOAD_INTERVAL_S} s"}
    log(world.label, f"{'PASSED' if not problems else 'FAILED: ' + ', '.join(problems)} — "
        + ", ".join(f"{k}={result[k]}" for k in ("deals", "lost", "duplicates", "out_of_order", "max_lag_s", "alert_fired",
                                               "alert_cleared", "run_s")))
    return result


# ---- the scenarios ---------------------------------------------------------------------------------------------------------


def erp_down() -> dict:
    """SAP down for 30 s in the middle of the load: the breaker opens, handoffs buffer, the lag alert fires; SAP comes
    back, the worker's probe drains the buffer in each customer's order, the alert clears."""
    started = time.monotonic()
    with fault_world("erp_down", deals=_deals(120), **SCENARIO_ENV) as world:
        run = drive(world, plan=[(12, _set("down")), (45, _set("up"))], timeout_s=240)
        return verdict(world, run, started, needs={"breaker_seen_down": True, "alert_fired": True, "alert_cleared": True},
                       window=(12, 45))


def erp_flaky() -> dict:
    """30 % of SAP requests answer 503 for the whole run: every deal created exactly once, through retries."""
    started = time.monotonic()
    with fault_world("erp_flaky", deals=_deals(48), **SCENARIO_ENV) as world:
        _set("flaky", rate=0.3, status=503)()
        run = drive(world, plan=[], timeout_s=420)
        return verdict(world, run, started, needs={})


def erp_slow() -> dict:
    """Every SAP request takes 5 s for a 40 s stretch: all created once (the client waits 20 s, so a 5 s answer is an
    answer, not a timeout and a retry)."""
    started = time.monotonic()
    with fault_world("erp_slow", deals=_deals(100), **SCENARIO_ENV) as world:
        run = drive(world, plan=[(10, _set("slow", delay_s=5)), (50, _set("up"))], timeout_s=300)
        return verdict(world, run, started, needs={})


def erp_lose_response() -> dict:
    """A share of the creates is carried out in SAP but the answer is lost — first as a gateway's 504, then held past
    the client's 20 s timeout: the retry asks SAP for the reference, finds the order and does not create another."""
    started = time.monotonic()
    with fault_world("erp_lose_response", deals=_deals(100), **SCENARIO_ENV) as world:
        run = drive(world, plan=[(0, _set("lose_response", how="gateway", rate=0.3)),
                                 (35, _set("lose_response", how="timeout", delay_s=25, rate=0.15)), (70, _set("up"))],
                    timeout_s=300)
        return verdict(world, run, started, needs={}, checks=_every_lost_answer_found)


def _every_lost_answer_found(faults: dict) -> list[str]:
    """Both kinds of loss happened, and each lost create was found by its reference on the retry (not created again)."""
    problems = []
    if faults["lost_at_gateway"] <= 0:
        problems.append("no create answer was lost at the gateway (504)")
    if faults["lost_to_timeout"] <= 0:
        problems.append("no create answer was held past the client's timeout")
    if faults["found_existing"] < faults["lost_answers"]:
        problems.append(f"{faults['lost_answers']} answers lost but only {faults['found_existing']} orders found on retry")
    return problems


SCENARIOS = {"erp_down": erp_down, "erp_flaky": erp_flaky, "erp_slow": erp_slow, "erp_lose_response": erp_lose_response}
TABLE = ("name", "deals", "lost", "duplicates", "out_of_order", "max_lag_s", "alert_fired", "alert_cleared", "run_s", "passed")


def _run_one(name: str, out_path: str) -> int:
    try:
        result = SCENARIOS[name]()
    except Exception as exc:  # noqa: BLE001 - reported as a failed scenario, with the reason
        result = {"name": name, "passed": False, "problems": [f"{type(exc).__name__}: {exc}"[:2000]]}
    with open(out_path, "w") as out:
        json.dump(result, out, default=str, indent=1)
    return 0 if result.get("passed") else 1


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        return _run_one(argv[1], argv[2])
    names = argv or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s) {unknown}; choose from {list(SCENARIOS)}", file=sys.stderr)
        return 2
    results = []
    for name in names:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            path = tmp.name
        subprocess.run([sys.executable, "-m", "benchmarks._erp_faults", "--one", name, path], cwd=h.ROOT, check=False)
        with open(path) as result:
            text = result.read()
        os.unlink(path)
        results.append(json.loads(text) if text.strip() else {"name": name, "passed": False,
                                                                "problems": ["the scenario process stopped without a result"]})
    print("\n" + " | ".join(TABLE))
    for result in results:
        print(" | ".join(h.format_value(result.get(key)) for key in TABLE))
        if result.get("problems"):
            print(f"  problems: {result['problems']}")
    h.LOG_DIR.mkdir(parents=True, exist_ok=True)  # the runner (benchmarks/reliability.py) writes the results file
    (h.LOG_DIR / "erp_faults.json").write_text(json.dumps({"scenarios": results, "timestamp": h.now_iso()}, indent=1, default=str))
    return 0 if all(r.get("passed") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
