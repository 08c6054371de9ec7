"""No secret is stored or logged: real deals through the real pipeline (live sandboxes, a real django-q2 worker,
PostgreSQL), then every stored row and every log line is scanned for the configured secrets and for the shapes
secrets take.

The flows cover every way a connector authenticates: Salesforce OAuth (client credentials) and its Outbound
Message webhook → SAP (HTTP Basic, CSRF token); a Salesforce deal of another business unit → Odoo (JSON-RPC with the
API key as a positional argument); HubSpot (private app token, v3-signed webhook) → NetSuite (OAuth 1.0a TBA);
Pipedrive (API token in the query string, webhook with HTTP Basic) → Business Central (Entra ID client-credentials
token, then Bearer); a HubSpot deal of the Hardware unit → Oracle (HTTP Basic), which refuses the order, so a dead
letter with the ERP's answer is scanned too.

Scanned: every row of every model outside auth, sessions, API tokens and the emulators' own store (InboundEvent
bodies and headers, the event log with its logged HTTP requests and responses, dead letters, history rows, handoffs,
alerts, the task queue), the database cache, the worker's whole log written with the JSON formatter at DEBUG, and
the web side's captured log records formatted the same way.
"""

from __future__ import annotations

import base64
import json
import logging
import re

import pytest
from django.apps import apps
from django.conf import settings as django_settings

from erp_orders.models import ErpRoute, Handoff, HandoffState
from exceptions_queue.models import DeadLetter
from handoff_project.json_logging import JsonFormatter
from handoff_project.sandbox.faults import set_fault
from tests.conftest import TEST_CREDENTIALS, Worker, wait_for, worker_env

from ..flows.drivers import crm_driver, erp_driver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LINES = [("Edge Gateway G200", "4", "1250.00", "0"), ("Sensor Kit S10 (10-pack)", "5", "420.00", "0")]
FLOWS = [  # (crm, erp, business unit of the deal)
    ("salesforce", "sap", ""),
    ("salesforce", "odoo", "EMEA Services"),
    ("hubspot", "netsuite", ""),
    ("pipedrive", "business_central", ""),
    ("hubspot", "oracle", "Hardware"),  # Oracle refuses the order (HTTP 400): a dead letter with its payload
]
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY|CONSUMER_KEY")
# Tables that hold secrets by design (password hashes, API tokens, sessions) or that are the vendors' side (the
# emulators keep the credentials they check, as the vendor would).
NOT_OURS = {"auth", "authtoken", "sessions", "sandbox", "admin", "contenttypes"}
# Shapes of a secret that was not redacted: the value after the marker is anything but "[REDACTED]".
PATTERNS = {
    "Bearer token": re.compile(r"\bBearer\s+(?!\[REDACTED\])[A-Za-z0-9._~+/=!-]{8,}"),
    "Basic credentials": re.compile(r"\bBasic\s+(?!\[REDACTED\])[A-Za-z0-9+/=]{8,}"),
    "OAuth 1.0a signature": re.compile(r"oauth_signature\s*=\s*\"?(?!\[REDACTED)[A-Za-z0-9%+/=]{6,}"),
    "secret in JSON": re.compile(
        r"\"(?:password|passwd|client_secret|access_token|refresh_token|api_key|apikey|token_secret)\"\s*:\s*"
        r"\"(?!\[REDACTED\])[^\"]{4,}\"", re.I),
    "secret in a form or query": re.compile(
        r"(?<![\w-])(?:password|client_secret|api_token|api_key|access_token)=(?!\[REDACTED\]|&|\s|$)[^&\s\"']{4,}", re.I),
    "HubSpot private app token": re.compile(r"\bpat-[a-z]{2,3}\d+-[A-Za-z0-9-]{8,}"),
}


def configured_secrets() -> dict[str, str]:
    """Every secret the test configured, and the forms it travels in (HTTP Basic's base64 of user:password)."""
    found = {name: value for name, value in TEST_CREDENTIALS.items() if SECRET_NAME.search(name)}
    for user, password in (("SAP_USER", "SAP_PASSWORD"), ("ORACLE_USER", "ORACLE_PASSWORD"),
                           ("PIPEDRIVE_WEBHOOK_USER", "PIPEDRIVE_WEBHOOK_PASSWORD")):
        pair = f"{TEST_CREDENTIALS[user]}:{TEST_CREDENTIALS[password]}".encode()
        found[f"base64({user}:{password})"] = base64.b64encode(pair).decode()
    found["DJANGO SECRET_KEY"] = django_settings.SECRET_KEY
    return found


def leaks_in(text: str, where: str, secrets: dict[str, str]) -> list[str]:
    leaks = [f"{where}: the value of {name}" for name, value in secrets.items() if value and value in text]
    for name, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            leaks.append(f"{where}: {name} …{text[max(0, match.start() - 40):match.end() + 10]!r}")
    return leaks


def stored_rows():
    """(label, text) for every row of every model that is ours to keep clean."""
    for model in apps.get_models():
        if model._meta.app_label in NOT_OURS or model._meta.proxy:
            continue
        for row in model.objects.values().iterator():
            text = json.dumps(row, default=lambda v: v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v),
                              ensure_ascii=False)
            yield f"{model._meta.label} {row.get('pk', row.get('id', row.get('history_id', '')))}", text


def cache_rows():
    """(label, text) for every entry of the database cache (values are base64 pickles: decoded to their bytes)."""
    from django.db import connection

    table = django_settings.CACHES["default"].get("LOCATION", "")
    if django_settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.db.DatabaseCache" or not table:
        return
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT cache_key, value FROM "{table}"')
        for key, value in cursor.fetchall():
            yield f"cache {key}", key + " " + base64.b64decode(value).decode("latin-1")


def settled(crm: str, crm_id: str):
    def check():
        handoff = Handoff.objects.filter(crm_system=crm, crm_record_id=crm_id).first()
        return handoff if handoff and handoff.state in (HandoffState.WRITTEN_BACK, HandoffState.EXCEPTION,
                                                       HandoffState.DEAD) else None
    return check


@pytest.fixture
def json_logging_worker(request, sandbox_urls, transactional_db, settings):
    """A real worker whose every log line (DEBUG and up) is written by the JSON formatter."""
    w = Worker({**worker_env(settings), "LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG", "Q_LOG_LEVEL": "INFO"}).start()
    yield w
    w.stop()
    if not request.node.rep_call_failed:
        w.log_path.unlink(missing_ok=True)


def test_no_secret_is_stored_or_logged_across_every_kind_of_connector_auth(sandbox_urls, json_logging_worker, caplog):
    caplog.set_level(logging.DEBUG)
    for erp in {erp for _crm, erp, _unit in FLOWS}:
        erp_driver(erp).seed()
    for crm in {crm for crm, _erp, _unit in FLOWS}:
        crm_driver(crm).seed()
    ErpRoute.objects.create(priority=1, name="EMEA services on Odoo", crm_system="salesforce",
                            business_unit="EMEA Services", erp_system="odoo")
    ErpRoute.objects.create(priority=2, name="Salesforce on SAP", crm_system="salesforce", erp_system="sap")
    ErpRoute.objects.create(priority=3, name="Hardware on Oracle", crm_system="hubspot", business_unit="Hardware",
                            erp_system="oracle")
    set_fault("oracle", "down", status=400, only_modifying=True)
    ErpRoute.objects.create(priority=4, name="HubSpot on NetSuite", crm_system="hubspot", erp_system="netsuite")
    ErpRoute.objects.create(priority=5, name="Pipedrive on BC", crm_system="pipedrive", erp_system="business_central")

    deals = []
    for crm, erp, unit in FLOWS:
        deal = crm_driver(crm).create_deal("Globex Industries", LINES, terms="Net 45", name=f"Globex — {crm} to {erp}",
                                           business_unit=unit)
        crm_driver(crm).mark_won(deal)
        deals.append((crm, erp, unit, deal))
    for crm, erp, unit, deal in deals:
        handoff = wait_for(settled(crm, deal), timeout=90, pump=True, message=f"the {crm} → {erp} handoff")
        # the flows really ran: each reached its ERP (so every auth path was used and logged)
        expected = HandoffState.DEAD if erp == "oracle" else HandoffState.WRITTEN_BACK
        assert (handoff.state, handoff.erp_system, handoff.business_unit) == (expected, erp, unit), handoff.last_error
    assert DeadLetter.objects.filter(handoff__erp_system="oracle").exists()

    secrets = configured_secrets()
    leaks = []
    scanned_rows, redacted = 0, []
    for where, text in [*stored_rows(), *cache_rows()]:
        scanned_rows += 1
        leaks += leaks_in(text, where, secrets)
        if "[REDACTED]" in text:
            redacted.append(where.split(" ")[0])
    formatter = JsonFormatter()
    log_lines = [formatter.format(record) for record in caplog.records]
    for number, line in enumerate(log_lines):
        leaks += leaks_in(line, f"web log line {number}", secrets)
    worker_log = json_logging_worker.log()
    for number, line in enumerate(worker_log.splitlines()):
        leaks += leaks_in(line, f"worker log line {number}", secrets)

    # the scan saw what it claims to: inbound deliveries with their headers, logged HTTP calls of every system
    from handoff_project.integration.models import Event, InboundEvent

    assert InboundEvent.objects.filter(system__in=["salesforce", "hubspot", "pipedrive"]).values("system").distinct().count() == 3
    logged_calls = set(Event.objects.exclude(request_body="").values_list("system", flat=True))
    assert logged_calls >= {"sap", "odoo", "netsuite", "business_central", "oracle"}, logged_calls
    # credentials were there to leak, and were redacted where they were kept: deliveries and logged HTTP calls
    assert {"integration.InboundEvent", "integration.Event"} <= set(redacted), sorted(set(redacted))
    assert DeadLetter.objects.exclude(error_detail={}).exists()  # the ERP's answer, kept for a person to read
    assert scanned_rows > 100 and len(log_lines) > 20 and len(worker_log.splitlines()) > 20
    assert leaks == []


@pytest.mark.parametrize("leak", [
    "Authorization: Bearer 00D000000000001!AQ8AQ.token-value",
    "Authorization: Basic SEFORE9GRl9URVNUOnNhcC10ZXN0LXBhc3N3b3JkLXZhbHVl",
    'OAuth realm="1234567_SB1", oauth_signature="q1w2e3r4t5y6%3D"',
    '{"client_secret": "abc123def456"}',
    "GET /v1/deals/7?api_token=0123456789abcdef",
    "token pat-na1-11111111-2222-3333-4444-555555555555",
    "a note quoting sap-test-password-value",
])
def test_the_scanner_finds_each_kind_of_leak(leak):
    assert leaks_in(leak, "sample", configured_secrets())


def test_the_scanner_accepts_redacted_values():
    redacted = ('Authorization: Bearer [REDACTED] Basic [REDACTED] {"client_secret": "[REDACTED]"} '
                "api_token=[REDACTED] OAuth [REDACTED]")
    assert leaks_in(redacted, "sample", configured_secrets()) == []
