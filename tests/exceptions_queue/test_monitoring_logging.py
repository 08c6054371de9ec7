"""Structured logs: LOG_FORMAT=json makes every log line one JSON object carrying the deal's ids from the event
context, in the real settings of a real process."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

from handoff_project.integration.events import event_context
from handoff_project.json_logging import JsonFormatter
from tests.conftest import ROOT


def format_line(**record_fields) -> dict:
    record = logging.LogRecord("handoff.steps", logging.WARNING, __file__, 1, "step %s failed", ("push",), None)
    for name, value in record_fields.items():
        setattr(record, name, value)
    return json.loads(JsonFormatter().format(record))


def test_a_line_inside_an_event_context_carries_the_deals_ids():
    with event_context(handoff_id=42, crm_record_id="006Qy000001AAA", erp_order_number="4711", system="sap"):
        line = format_line()
    assert line["message"] == "step push failed" and line["level"] == "WARNING" and line["logger"] == "handoff.steps"
    assert (line["handoff_id"], line["crm_record_id"], line["erp_order_number"], line["system"]) == (42, "006Qy000001AAA", "4711", "sap")
    assert line["time"].endswith("+00:00")


def test_outside_a_context_there_are_no_ids_and_extra_fields_are_kept():
    line = format_line(invoice_id=7, handoff_id=None)
    assert "handoff_id" not in line and "crm_record_id" not in line
    assert line["invoice_id"] == 7


def test_exceptions_are_one_field_of_the_same_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "crashed", (), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in line["exception"] and "\n" not in JsonFormatter().format(record)


def test_log_format_json_switches_the_whole_process_to_json_lines():
    script = (
        "import django, logging; django.setup()\n"
        "from handoff_project.integration.events import event_context\n"
        "with event_context(handoff_id=12, crm_record_id='006Qy000009ZZZ'):\n"
        "    logging.getLogger('handoff.steps').info('resolve took %d ms', 31)\n"
        "logging.getLogger('handoff.other').warning('no context here')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "handoff_project.settings", "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(text) for text in result.stderr.splitlines() if text.strip()]
    [with_ids] = [line for line in lines if line["message"] == "resolve took 31 ms"]
    assert (with_ids["handoff_id"], with_ids["crm_record_id"], with_ids["level"]) == (12, "006Qy000009ZZZ", "INFO")
    [plain] = [line for line in lines if line["message"] == "no context here"]
    assert "handoff_id" not in plain


def test_the_default_stays_plain_text():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "handoff_project.settings"}
    env.pop("LOG_FORMAT", None)
    script = "import django, logging; django.setup(); logging.getLogger('x').warning('plain line')"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert "WARNING x plain line" in result.stderr
