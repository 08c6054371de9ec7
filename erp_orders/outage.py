"""ERP downtime: buffer in order, lose nothing, measure the lag, drain when the ERP is back (requirements.md).

A circuit breaker per ERP (`ErpAvailability`):

* every transient failure of a step that talks to the ERP counts; ERP_OUTAGE_THRESHOLD in a row → the ERP is *down*
  (an event and an alert). Any success resets the count.
* while an ERP is down, handoffs that need it do not call it and do not spend their retries: they are *buffered*
  (`waiting_for_erp_since`, `wait_reason = erp_down`) in the state they reached.
* a probe (`probe_erps`, scheduled every minute and re-queued every ERP_PROBE_SECONDS during an outage) asks the ERP
  one cheap question (`adapter.ping()`); when it answers, the ERP is *up* again and the buffer drains in order: the
  oldest waiting handoff of each customer goes now, the others follow in their customer's line (customer_queue).
* `check_queue_lag` (every minute) alerts when the oldest buffered handoff has waited longer than
  ERP_QUEUE_LAG_ALERT_SECONDS and resolves the alert when the lag falls below it again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from handoff_project.integration.errors import IntegrationError
from handoff_project.integration.events import event_context, record_event
from handoff_project.integration.models import Outcome
from handoff_project.integration.steps import enqueue

from .connectors.base import erp_label, get_erp_adapter
from .customer_queue import ERP_BOUND_STATES, drain_in_order
from .models import ErpAvailability, Handoff

PROBE_TASK = "erp_orders.tasks.probe_erp"
ERP_DOWN = "erp_down"


def availability(erp_system: str) -> ErpAvailability:
    row, _ = ErpAvailability.objects.get_or_create(erp_system=erp_system)
    return row


def is_down(erp_system: str) -> bool:
    return ErpAvailability.objects.filter(erp_system=erp_system, state=ErpAvailability.State.DOWN).exists()


def note_success(erp_system: str) -> None:
    """A step talked to the ERP successfully: the failure run is over (one read when nothing was wrong)."""
    seen = ErpAvailability.objects.filter(erp_system=erp_system).values_list("state", "consecutive_failures").first()
    if seen is None or seen == (ErpAvailability.State.UP, 0):
        return
    if seen[0] == ErpAvailability.State.DOWN:
        mark_up(erp_system, why="a handoff reached it")
    else:
        ErpAvailability.objects.filter(erp_system=erp_system, state=ErpAvailability.State.UP).update(consecutive_failures=0)


def note_transient_failure(erp_system: str, error: IntegrationError) -> bool:
    """Count a transient failure; True when the ERP is (now) down and the handoff should wait in the buffer."""
    with transaction.atomic():
        row = availability(erp_system)
        row = ErpAvailability.objects.select_for_update().get(pk=row.pk)
        if row.state == ErpAvailability.State.DOWN:
            return True
        row.consecutive_failures += 1
        row.last_error = str(error)[:2000]
        if row.consecutive_failures < settings.ERP_OUTAGE_THRESHOLD:
            row.save(update_fields=["consecutive_failures", "last_error", "updated_at"])
            return False
        row.state, row.down_since = ErpAvailability.State.DOWN, timezone.now()
        row.save(update_fields=["consecutive_failures", "last_error", "state", "down_since", "updated_at"])
        _announce_down(row)
    return True


def _announce_down(row: ErpAvailability) -> None:
    from exceptions_queue.alerts import page, send_alert

    label = erp_label(row.erp_system)
    text = (f"{label} failed {row.consecutive_failures} times in a row ({row.last_error[:300]}). Handoffs for "
            f"{label} now wait in order and keep their retries; a probe asks every {settings.ERP_PROBE_SECONDS} s "
            "and the queue drains when it answers.")
    record_event("erp_down", outcome=Outcome.TRANSIENT_ERROR, system=row.erp_system, message=text)
    send_alert(title=f"{label} is unavailable: handoffs are buffered", text=text, severity="error",
               link_path="/ops/?state=waiting")
    page(dedup_key=f"erp-down/{row.erp_system}", priority="P2", summary=f"{label} unavailable; handoffs buffered",
         details=text, event_class="erp-down")
    enqueue(PROBE_TASK, row.erp_system, delay_s=settings.ERP_PROBE_SECONDS)


def buffer(handoff: Handoff, why: str) -> None:
    """Park a handoff until its ERP is back (keeps its state, its place in line and its retries)."""
    first = handoff.waiting_for_erp_since is None
    handoff.waiting_for_erp_since = handoff.waiting_for_erp_since or timezone.now()
    handoff.wait_reason, handoff.next_attempt_at = ERP_DOWN, None
    handoff.save(update_fields=["waiting_for_erp_since", "wait_reason", "next_attempt_at", "updated_at"])
    if first:
        record_event("erp_buffered", outcome=Outcome.INFO, system=handoff.erp_system,
                     message=f"waiting for {erp_label(handoff.erp_system)} ({why}); nothing is lost and its place in line is kept")


def mark_up(erp_system: str, *, why: str) -> int:
    """The ERP answers again: close the breaker and drain its buffer. Returns how many handoffs were queued."""
    from exceptions_queue.alerts import resolve_page

    with transaction.atomic():
        row = ErpAvailability.objects.select_for_update().filter(erp_system=erp_system).first()
        if row is None or row.state == ErpAvailability.State.UP:
            return 0
        down_for = timezone.now() - (row.down_since or timezone.now())
        row.state, row.consecutive_failures, row.last_up_at = ErpAvailability.State.UP, 0, timezone.now()
        row.save(update_fields=["state", "consecutive_failures", "last_up_at", "updated_at"])
        queued = drain(erp_system)
        record_event("erp_up", outcome=Outcome.SUCCESS, system=erp_system,
                     message=f"{erp_label(erp_system)} answers again ({why}) after {_duration(down_for)}; "
                     f"{queued} buffered handoff(s) go on, each customer's oldest first")
        resolve_page(dedup_key=f"erp-down/{erp_system}", summary=f"{erp_label(erp_system)} is back; buffer drained")
    return queued


def drain(erp_system: str) -> int:
    """Send every handoff of this ERP that waits for it (buffered, or on a retry timer) on its way again: the oldest
    of each customer now, the others behind it in their customer's line (erp_orders.customer_queue)."""
    waiting = Handoff.objects.filter(erp_system=erp_system, state__in=ERP_BOUND_STATES).count()
    queued = drain_in_order(erp_system)
    if waiting:
        record_event("erp_drained", outcome=Outcome.SUCCESS, system=erp_system,
                     message=f"{waiting} handoff(s) go on to {erp_label(erp_system)} in the order they arrived: "
                     f"{queued} now (the oldest of each customer), the others as their turn comes",
                     data={"handoffs": waiting, "queued": queued})
    return waiting


def probe_erp(erp_system: str) -> str:
    """Ask a down ERP whether it answers; re-queue the probe while it does not."""
    if not is_down(erp_system):
        return "up"
    ErpAvailability.objects.filter(erp_system=erp_system).update(last_probe_at=timezone.now())
    try:
        with event_context(system=erp_system):
            get_erp_adapter(erp_system).ping()
    except IntegrationError as exc:
        ErpAvailability.objects.filter(erp_system=erp_system).update(last_error=str(exc)[:2000])
        enqueue(PROBE_TASK, erp_system, delay_s=settings.ERP_PROBE_SECONDS)
        return f"still down: {exc}"
    return f"up; {mark_up(erp_system, why='the probe got an answer')} handoff(s) queued"


def probe_erps() -> int:
    """Every minute: probe each down ERP (a lost probe timer never leaves the buffer stuck)."""
    down = list(ErpAvailability.objects.filter(state=ErpAvailability.State.DOWN).values_list("erp_system", flat=True))
    for erp_system in down:
        probe_erp(erp_system)
    return len(down)


# ---- lag ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueLag:
    erp_system: str
    waiting: int
    oldest_since: dt.datetime | None

    @property
    def lag_seconds(self) -> float:
        return (timezone.now() - self.oldest_since).total_seconds() if self.oldest_since else 0.0


def queue_lags() -> list[QueueLag]:
    rows = (Handoff.objects.filter(waiting_for_erp_since__isnull=False, state__in=ERP_BOUND_STATES)
            .values("erp_system").annotate(waiting=Count("pk"), oldest=Min("waiting_for_erp_since")).order_by("erp_system"))
    return [QueueLag(r["erp_system"], r["waiting"], r["oldest"]) for r in rows]


def check_queue_lag() -> list[str]:
    """Alert once when an ERP's buffer lags more than the threshold; resolve when it falls below."""
    from exceptions_queue.alerts import page, resolve_page, send_alert

    threshold = settings.ERP_QUEUE_LAG_ALERT_SECONDS
    lags = {lag.erp_system: lag for lag in queue_lags()}
    said = []
    for row in ErpAvailability.objects.filter(lag_alerted=True):
        lag = lags.get(row.erp_system)
        if lag is None or lag.lag_seconds <= threshold:
            if not ErpAvailability.objects.filter(pk=row.pk, lag_alerted=True).update(lag_alerted=False):
                continue  # another run of this check cleared it a moment ago
            text = f"{erp_label(row.erp_system)} queue lag is back under {_duration(dt.timedelta(seconds=threshold))}"
            record_event("erp_queue_lag_cleared", outcome=Outcome.SUCCESS, system=row.erp_system, message=text)
            resolve_page(dedup_key=f"erp-queue-lag/{row.erp_system}", summary=text)
            said.append(text)
    for lag in lags.values():
        if lag.lag_seconds <= threshold:
            continue
        row = availability(lag.erp_system)
        if not ErpAvailability.objects.filter(pk=row.pk, lag_alerted=False).update(lag_alerted=True):
            continue  # already alerted (by this check a minute ago, or by another run of it just now)
        text = (f"{lag.waiting} handoff(s) wait for {erp_label(lag.erp_system)}; the oldest for "
                f"{_duration(dt.timedelta(seconds=lag.lag_seconds))} (threshold {_duration(dt.timedelta(seconds=threshold))}).")
        record_event("erp_queue_lag", outcome=Outcome.TRANSIENT_ERROR, system=lag.erp_system, message=text,
                     data={"waiting": lag.waiting, "lag_s": round(lag.lag_seconds)})
        send_alert(title=f"{erp_label(lag.erp_system)} queue lag above threshold", text=text, severity="error",
                   link_path="/ops/?state=waiting")
        page(dedup_key=f"erp-queue-lag/{lag.erp_system}", priority="P2", summary=f"{erp_label(lag.erp_system)} queue lag",
             details=text, event_class="erp-queue-lag")
        said.append(text)
    return said


def _duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"
