"""Worker tasks of the CRM side: thin, they load ids and call one service."""

from __future__ import annotations

from .inbound import process_inbound_event as _process


def process_inbound_event(inbound_event_id: int) -> str:
    return _process(inbound_event_id=inbound_event_id)


def reconcile_missed_webhooks() -> int:
    from .reconciliation import reconcile_due

    return sum(r.recovered for r in reconcile_due())
