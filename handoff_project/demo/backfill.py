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


def append_event(event_type: str, *, at: dt.datetime, outcome: str = Outcome.INFO, message: str = "",
                 data: dict | None = None, **fields) -> Event:
    """One event of the log, dated `at` (fields as in record_event: system, handoff_id, duration_ms…)."""
    event = Event(event_type=event_type, created_at=at, outcome=outcome, message=redact_text(message)[:4000],
                  data=redact_data(data or {}), **fields)
    event.save_base(raw=True)
    return event


def set_timestamps(obj: Model, **timestamps: dt.datetime) -> Model:
    """Set auto_now / auto_now_add columns (received_at, created_at…) to when it really happened."""
    type(obj)._default_manager.filter(pk=obj.pk).update(**timestamps)
    for name, value in timestamps.items():
        setattr(obj, name, value)
    return obj
