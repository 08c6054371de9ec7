"""Missed webhooks: ask each CRM for the deals won since the last cursor and hand in those that never arrived.

A webhook can be lost (the CRM gave up retrying, our endpoint was down for longer than its retry window, a
subscription was paused). Every RECONCILIATION_MINUTES the poll asks each enabled CRM (`adapter.list_won_deals`) for
deals in a won stage changed after the cursor (minus RECONCILIATION_OVERLAP_SECONDS, so a deal changed during the
previous poll is not skipped); a deal without a handoff gets one (`open_handoff`, which allows one handoff per deal,
so a webhook arriving at the same moment cannot make a second), and the event log says it was recovered by the poll.

The first run of a CRM starts at the moment it runs (or RECONCILIATION_START, an ISO date-time), never at the
beginning of time: deals won before the integration existed are not handed off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from handoff_project.integration.errors import IntegrationError
from handoff_project.integration.events import event_context, record_event
from handoff_project.integration.models import Outcome

from .connectors.base import ADAPTERS, crm_label, get_crm_adapter
from .models import ReconciliationCursor

PAGE = 200
MAX_PAGES = 25  # at most 5,000 deals per run; the next run continues from the cursor


@dataclass(frozen=True)
class Reconciled:
    crm_system: str
    listed: int
    recovered: int
    cursor: dt.datetime | None


def enabled_crms() -> list[str]:
    return [s for s in ADAPTERS if getattr(settings, f"{s.upper()}_ENABLED", False) and getattr(settings, f"{s.upper()}_BASE_URL", "")]


def reconcile(crm_system: str, *, now: dt.datetime | None = None) -> Reconciled:
    from erp_orders.services import open_handoff

    now = now or timezone.now()
    state, created = ReconciliationCursor.objects.get_or_create(crm_system=crm_system)
    first_run = created or state.cursor is None
    if first_run:
        start = parse_datetime(getattr(settings, "RECONCILIATION_START", "") or "") or now
        state.cursor = start if timezone.is_aware(start) else timezone.make_aware(start)
    # later runs look back a little: a deal changed while the previous poll ran is not skipped
    since = state.cursor - dt.timedelta(seconds=0 if first_run else settings.RECONCILIATION_OVERLAP_SECONDS)
    adapter = get_crm_adapter(crm_system)
    listed = recovered = 0
    cursor = state.cursor
    with event_context(system=crm_system):
        try:
            for _page in range(MAX_PAGES):
                deals = adapter.list_won_deals(since=since, limit=PAGE)
                listed += len(deals)
                for deal in deals:
                    with event_context(crm_record_id=deal.crm_id):
                        _handoff, opened = open_handoff(crm_system=crm_system, crm_record_id=deal.crm_id, deal_name=deal.name,
                                                        via="its webhook never arrived; found by the reconciliation poll")
                    recovered += opened
                    if deal.changed_at and deal.changed_at > cursor:
                        cursor = deal.changed_at
                if len(deals) < PAGE or not deals[-1].changed_at or deals[-1].changed_at <= since:
                    break
                since = deals[-1].changed_at - dt.timedelta(milliseconds=1)  # deals sharing the last instant are re-read
        except IntegrationError as exc:
            ReconciliationCursor.objects.filter(pk=state.pk).update(last_run_at=now, last_error=str(exc)[:2000])
            record_event("reconciliation_failed", outcome=Outcome.TRANSIENT_ERROR, message=f"{crm_label(crm_system)}: {exc}")
            raise
        state.cursor, state.last_run_at, state.last_found, state.last_recovered = cursor, now, listed, recovered
        state.total_recovered += recovered
        state.last_error = ""
        state.save()
        if recovered:
            record_event("reconciliation", outcome=Outcome.SUCCESS,
                         message=f"{crm_label(crm_system)}: {recovered} won deal(s) had no handoff (missed webhooks) and "
                         f"were handed in; {listed} won deal(s) listed since {since:%Y-%m-%d %H:%M:%S}",
                         data={"listed": listed, "recovered": recovered})
    return Reconciled(crm_system, listed, recovered, cursor)


def reconcile_due(*, now: dt.datetime | None = None) -> list[Reconciled]:
    """Scheduled every minute: reconcile each enabled CRM whose last run is RECONCILIATION_MINUTES old."""
    now = now or timezone.now()
    every = dt.timedelta(minutes=settings.RECONCILIATION_MINUTES)
    done = []
    for crm_system in enabled_crms():
        last = ReconciliationCursor.objects.filter(crm_system=crm_system).values_list("last_run_at", flat=True).first()
        if last is None or now - last >= every:
            try:
                done.append(reconcile(crm_system, now=now))
            except IntegrationError:
                continue  # recorded; the next run tries again
    return done
