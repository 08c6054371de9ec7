"""Redaction of secrets that JSON-RPC carries by position (Odoo's /jsonrpc), not by key."""

from __future__ import annotations

import json

import pytest

from handoff_project.integration.redaction import REDACTED, redact_body, redact_data

KEY = "0f3c9a7e5b1d4c2a8e6f0b9d7c5a3e1f2b4d6c8a"


def call(service: str, method: str, args: list) -> dict:
    return {"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args}, "id": 7}


@pytest.mark.parametrize("service, method, args, secret_positions", [
    ("common", "authenticate", ["prod", "integration@example.com", KEY, {}], {2}),
    ("common", "login", ["prod", "integration@example.com", KEY], {2}),
    ("object", "execute_kw", ["prod", 2, KEY, "sale.order", "create", [{"client_order_ref": "SF-1"}]], {2}),
    ("object", "execute", ["prod", 2, KEY, "res.partner", "search", []], {2}),
    ("db", "drop", [KEY, "prod"], {0}),
    ("db", "create_database", [KEY, "new", False, "en_US", KEY + "x", "admin"], {0, 4}),
])
def test_the_secret_argument_of_a_jsonrpc_call_is_redacted_and_nothing_else(service, method, args, secret_positions):
    stored = json.loads(redact_body(json.dumps(call(service, method, args))))
    kept = stored["params"]["args"]
    assert KEY not in json.dumps(stored)
    for position, value in enumerate(args):
        assert kept[position] == (REDACTED if position in secret_positions else value)
    assert (stored["params"]["service"], stored["params"]["method"], stored["id"]) == (service, method, 7)


def test_a_version_call_and_ordinary_json_are_left_alone():
    version = call("common", "version", [])
    assert redact_data(version) == version
    ordinary = {"args": ["a", "b", "c"], "jsonrpc": "2.0"}  # no params: not a call
    assert redact_data(ordinary) == ordinary


def test_redaction_reaches_calls_inside_a_batch():
    batch = [call("object", "execute_kw", ["prod", 2, KEY, "sale.order", "search", [[]]]), call("common", "version", [])]
    assert KEY not in json.dumps(redact_data(batch))
