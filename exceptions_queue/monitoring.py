"""Flow monitoring: zero successful events on a flow for FLOW_SILENCE_MINUTES (15) in business hours → P1 page.

A flow (settings.MONITORED_FLOWS, e.g. deal_to_order = salesforce + sap) is alive while the event log has successful
events of its systems. The check runs every minute (django-q2 schedule). It pages once per silence (dedup key
`flow-silent/<flow>`) and resolves the incident when successes come back. A flow that never had a success (a fresh
installation) is not paged.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from handoff_project.integration.models import Event, Outcome

from .alerts import incident_open, page, resolve_page
from .business_calendar import business_calendar


def dedup_key(flow: str) -> str:
    return f"flow-silent/{flow}"


def check_flow_silence(*, now: dt.datetime | None = None) -> dict[str, str]:
    now = now or timezone.now()
    window = dt.timedelta(minutes=settings.FLOW_SILENCE_MINUTES)
    calendar = business_calendar()
    in_hours = calendar.covers(now - window, now)
    results = {}
    for flow, systems in settings.MONITORED_FLOWS.items():
        successes = Event.objects.filter(system__in=systems, outcome=Outcome.SUCCESS, created_at__lte=now)
        last = successes.order_by("-created_at").values_list("created_at", flat=True).first()
        key = dedup_key(flow)
        if last is not None and last >= now - window:
            results[flow] = "alive"
            if incident_open(key):
                resolve_page(dedup_key=key, summary=f"flow {flow} has successful events again")
                results[flow] = "recovered"
        elif last is None:
            results[flow] = "never ran"
        elif not in_hours:
            results[flow] = "silent outside business hours"
        else:
            minutes = int((now - last).total_seconds() // 60)
            page(
                dedup_key=key, priority="P1", event_class="flow-silent",
                summary=f"No successful {flow} event for {minutes} min in business hours ({', '.join(systems)})",
                details=f"The last successful event of {', '.join(systems)} was at {timezone.localtime(last):%Y-%m-%d %H:%M:%S %Z}. "
                "Check the event log for errors, the worker (/healthz) and the systems' status; "
                "the incident resolves itself when events succeed again.",
                link_path="/ops/events/?outcome=transient_error",
            )
            results[flow] = "paged"
    return results
