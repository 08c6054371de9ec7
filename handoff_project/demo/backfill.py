"""Writing history at the time it happened (the demo's weeks of history, test fixtures for weekly metrics).

Timestamps such as Event.created_at and Handoff.received_at are `auto_now_add`: an ordinary insert stamps "now".
Events are inserted the way `loaddata` inserts fixtures — a raw save keeps the timestamp the object carries — because
the append-only event log refuses the UPDATE that would move it afterwards. Other rows are created, then their
timestamps set with one UPDATE. Messages go through the kernel's redaction like every other event.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Model

from handoff_project.integration.models import Event, Outcome
from handoff_project.integration.redaction import redact_data, redact_text


BATCH = 50  # rows per INSERT: well under SQLite's limit on bound parameters


def dated_event(event_type: str, *, at: dt.datetime, outcome: str = Outcome.INFO, message: str = "",
                data: dict | None = None, **fields) -> Event:
    """An unsaved event dated `at` (fields as in record_event: system, handoff_id, duration_ms…)."""
    return Event(event_type=event_type, created_at=at, outcome=outcome, message=redact_text(message)[:4000],
                 data=redact_data(data or {}), **fields)


def append_event(event_type: str, *, at: dt.datetime, **fields) -> Event:
    """One event of the log, dated `at`."""
    event = dated_event(event_type, at=at, **fields)
    event.save_base(raw=True)
    return event


def append_events(events: list[Event]) -> None:
    """Many dated events in a few INSERTs: the raw insert that save_base(raw=True) and loaddata use, in batches
    (bulk_create would stamp them with now)."""
    fields = [f for f in Event._meta.local_concrete_fields if not f.primary_key]
    for start in range(0, len(events), BATCH):
        Event.objects._insert(events[start:start + BATCH], fields=fields, raw=True)


def set_timestamps(obj: Model, **timestamps: dt.datetime) -> Model:
    """Set auto_now / auto_now_add columns (received_at, created_at…) to when it really happened."""
    type(obj)._default_manager.filter(pk=obj.pk).update(**timestamps)
    for name, value in timestamps.items():
        setattr(obj, name, value)
    return obj
