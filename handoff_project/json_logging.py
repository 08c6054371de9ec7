"""Structured logs: one JSON object per line (LOG_FORMAT=json), for log shippers (Loki, Elasticsearch, CloudWatch…).

Every line has time, level, logger and message; lines written inside an `event_context` (a pipeline step, an HTTP
call of a connector) also carry its handoff_id, crm_record_id, erp_order_number and system, so a person finds every
log line of one deal by its id. Values passed with `extra={...}` are kept as fields too. Messages are the same
strings the plain format prints (record_event already redacts what it logs).
"""

from __future__ import annotations

import datetime as dt
import json
import logging

CONTEXT_FIELDS = ("handoff_id", "crm_record_id", "erp_order_number", "system")
# Attributes every LogRecord has: not copied as "extra" fields.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def _event_context() -> dict:
    # Imported when a line is written, not when logging is configured: settings configure logging before the apps
    # (and the event log's models) are loaded.
    try:
        from handoff_project.integration.events import current_context
    except Exception:  # noqa: BLE001 - a log line must never fail because the app is half loaded
        return {}
    return current_context()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = _event_context()
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None) or context.get(name)
            if value not in (None, ""):
                line[name] = value
        for name, value in vars(record).items():
            if name in _STANDARD_ATTRIBUTES or name in CONTEXT_FIELDS or name in line or name.startswith("_"):
                continue
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)
