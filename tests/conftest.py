"""Shared fixtures: PostgreSQL always, the sandboxes served by a live server, a real django-q2 worker process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
WIRE = ROOT.parent / "shared" / "wire"
TEST_ORG_ID = "00D5e000000TestOrg"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call_failed = report.failed
    return report



@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After each test, before its fixtures (and the database) are torn down, let the CRM emulators' webhook
    deliveries that the test started finish: a delivery thread must not write into the next test's database."""
    try:
        return (yield)
    finally:
        from handoff_project.sandbox.deliveries import wait_for_deliveries

        wait_for_deliveries(timeout=30)

# Tables whose rows the database refuses to DELETE (the append-only event log): emptied with TRUNCATE instead.
_NO_DELETE_TABLES = {"integration_event"}
# Metadata that post_migrate recreates identically after every flush: kept instead (same ids across tests).
_KEPT_TABLES = {"django_content_type", "auth_permission"}


def _install_fast_flush() -> None:
    """Empty only the tables that hold rows after a transactional test (DELETE, constraints deferred), instead of
    Django's TRUNCATE of every table, and keep content types and permissions (post_migrate would recreate the same
    rows): the same clean database for the next test in a fraction of the time (TRUNCATE of all 69 tables plus
    recreating ~300 permissions costs ~1 s per test on PostgreSQL; most tests touch a handful of tables)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        probe = " UNION ALL ".join(f"SELECT %s WHERE EXISTS (SELECT 1 FROM {self.quote_name(t)})" for t in tables)
        with self.connection.cursor() as cursor:
            cursor.execute(probe, list(tables))
            filled = [row[0] for row in cursor.fetchall() if row[0] not in _KEPT_TABLES]
        deleted = [t for t in filled if t not in _NO_DELETE_TABLES]
        truncated = [t for t in filled if t in _NO_DELETE_TABLES]
        statements = ["SET CONSTRAINTS ALL DEFERRED", *(f"DELETE FROM {self.quote_name(t)}" for t in deleted)]
        if truncated:
            statements.append(f"TRUNCATE {', '.join(self.quote_name(t) for t in truncated)}")
        return statements if filled else []

    DatabaseOperations.sql_flush = sql_flush


def pytest_configure(config):
    _install_fast_flush()


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql" and not os.environ.get("ALLOW_SQLITE_TESTS"):
        raise pytest.UsageError("tests run on PostgreSQL: set DATABASE_URL (make test does)")
    # pytest-django orders tests by their django_db marker; a live-server test marked as non-transactional runs among
    # the transaction-wrapped ones and its flush empties what migrations installed (schedules, groups) under them.
    misplaced = [item.nodeid for item in items if "live_server" in getattr(item, "fixturenames", ())
                 and "transactional_db" not in item.fixturenames
                 and (marker := item.get_closest_marker("django_db")) is not None and not marker.kwargs.get("transaction")]
    if misplaced:
        raise pytest.UsageError("live-server tests must be marked django_db(transaction=True): " + ", ".join(misplaced[:5]))


# Fixed credentials of the emulators in tests (never real ones); the demo generates its own per run.
TEST_CREDENTIALS = {
    "SALESFORCE_ORGANIZATION_ID": TEST_ORG_ID,
    "SALESFORCE_CLIENT_ID": "test-client-id",
    "SALESFORCE_CLIENT_SECRET": "test-client-secret-value",
    "HUBSPOT_ACCESS_TOKEN": "pat-na1-test-access-token-value",
    "HUBSPOT_CLIENT_SECRET": "hubspot-test-client-secret-value",
    "HUBSPOT_APP_ID": "1234567",
    "PIPEDRIVE_API_TOKEN": "pipedrive-test-api-token-value",
    "PIPEDRIVE_WEBHOOK_USER": "handoff-webhook",
    "PIPEDRIVE_WEBHOOK_PASSWORD": "pipedrive-test-webhook-password",
    "SAP_USER": "HANDOFF_TEST",
    "SAP_PASSWORD": "sap-test-password-value",
    "NETSUITE_ACCOUNT_ID": "1234567_SB1",
    "NETSUITE_CONSUMER_KEY": "netsuite-test-consumer-key",
    "NETSUITE_CONSUMER_SECRET": "netsuite-test-consumer-secret-value",
    "NETSUITE_TOKEN_ID": "netsuite-test-token-id",
    "NETSUITE_TOKEN_SECRET": "netsuite-test-token-secret-value",
    "BUSINESS_CENTRAL_TENANT_ID": "8f1c2d3e-4b5a-4c6d-9e8f-0a1b2c3d4e5f",
    "BUSINESS_CENTRAL_COMPANY_ID": "f03f6225-081c-ec11-86bc-000d3a7b7b4e",
    "BUSINESS_CENTRAL_CLIENT_ID": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
    "BUSINESS_CENTRAL_CLIENT_SECRET": "bc-test-client-secret-value",
    "ORACLE_USER": "handoff.integration",
    "ORACLE_PASSWORD": "oracle-test-password-value",
    "ODOO_DATABASE": "handoff-test",
    "ODOO_USER": "integration@handoff.example",
    "ODOO_API_KEY": "odoo-test-api-key-value",
}
SYSTEM_PREFIXES = ("SALESFORCE_", "HUBSPOT_", "PIPEDRIVE_", "SAP_", "NETSUITE_", "BUSINESS_CENTRAL_", "ORACLE_", "ODOO_")


@pytest.fixture(autouse=True)
def integration_settings(settings):
    """Sandboxes on, credentials for the emulators, a short retry schedule unless a test sets its own."""
    settings.SANDBOX_ENABLED = True
    for system in ("SALESFORCE", "HUBSPOT", "PIPEDRIVE", "SAP", "NETSUITE", "BUSINESS_CENTRAL", "ORACLE", "ODOO"):
        setattr(settings, f"{system}_ENABLED", True)
    for name, value in TEST_CREDENTIALS.items():
        setattr(settings, name, value)
    settings.HANDOFF_RETRY_DELAYS = [1, 1, 1, 1, 1]
    settings.HTTP_TIMEOUT_SECONDS = 5
    settings.SELF_HEALING_LOCK_WAIT_SECONDS = 0.2
    return settings


@pytest.fixture
def sandbox_urls(live_server, settings):
    """Point every connector at the emulators served by the live server (as in the demo)."""
    from handoff_project.sandbox.wiring import apply_to_settings, sandbox_environment

    env = sandbox_environment(live_server.url, {name: str(getattr(settings, name)) for name in TEST_CREDENTIALS})
    apply_to_settings(settings, env)
    return live_server


class Worker:
    """A real `manage.py qcluster` process on the test database."""

    def __init__(self, env: dict):
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.log_path = ROOT / "var" / f"worker-{os.getpid()}-{time.monotonic_ns()}.log"

    def start(self):
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self, sig=signal.SIGKILL):
        """Kill the whole process group (the cluster and its worker children)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def worker_env(settings, **extra) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "handoff_project.settings",
        "SANDBOX_ENABLED": "1",
        # every system's settings as the test set them (base URLs, credentials, field names)
        **_system_env(settings),
        "HANDOFF_RETRY_DELAYS": ",".join(str(d) for d in settings.HANDOFF_RETRY_DELAYS),
        "HTTP_TIMEOUT_SECONDS": str(settings.HTTP_TIMEOUT_SECONDS),
        # the routing rules a test set (risk thresholds, the medium-risk intervention window) hold in the worker too
        "HANDOFF_INTERVENTION_WINDOW_SECONDS": str(settings.HANDOFF_INTERVENTION_WINDOW_SECONDS),
        **_risk_env(settings.HANDOFF_RULES["risk"]),
        **{name: str(getattr(settings, name)) for name in (
            "MINIMUM_ORDER_VALUE", "MINIMUM_ORDER_CURRENCY", "ERP_OUTAGE_THRESHOLD", "ERP_PROBE_SECONDS",
            "ERP_QUEUE_LAG_ALERT_SECONDS", "SELF_HEALING_MAX_CORRECTIONS",
            "SELF_HEALING_LOCK_WAIT_SECONDS", "DEFAULT_ERP_SYSTEM")},
        "SLACK_WEBHOOK_URL": settings.SLACK_WEBHOOK_URL,
        "PAGERDUTY_ROUTING_KEY": settings.PAGERDUTY_ROUTING_KEY,
        "PAGERDUTY_EVENTS_URL": settings.PAGERDUTY_EVENTS_URL,
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "Q_WORKERS": "2",
        "Q_POLL": "0.1",
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _system_env(settings) -> dict:
    """Every <SYSTEM>_* setting as an environment variable (booleans 1/0, lists comma-separated; dicts are not
    settable from the environment and stay out)."""
    from django.conf import settings as live  # the fixture's wrapper does not list names; the live settings do

    getattr(live, "DEBUG")  # make sure the lazy settings are set up
    env = {}
    for name in dir(live._wrapped):
        if not name.startswith(SYSTEM_PREFIXES):
            continue
        value = getattr(settings, name)
        if isinstance(value, bool):
            env[name] = "1" if value else "0"
        elif isinstance(value, (list, tuple)):
            env[name] = ",".join(str(v) for v in value)
        elif isinstance(value, (str, int, float)):
            env[name] = str(value)
    return env


def _risk_env(risk: dict) -> dict:
    names = {"deal_value": "RISK_DEAL_VALUE", "discount_percent": "RISK_DISCOUNT", "credit_days": "RISK_CREDIT_DAYS"}
    return {f"{prefix}_{level}": str(value) for factor, prefix in names.items()
            for level, value in zip(("MEDIUM", "HIGH"), risk[factor])}


@pytest.fixture
def worker(request, sandbox_urls, transactional_db, settings):
    """Start a real worker against the test database; stopped (and its log shown on failure) after the test."""
    w = Worker(worker_env(settings)).start()
    yield w
    w.stop()
    if not request.node.rep_call_failed:
        w.log_path.unlink(missing_ok=True)


def pump_schedules():
    """Run django-q2's scheduler once, as the cluster does every 30 s, so due retries are queued at once."""
    from django_q.brokers import get_broker
    from django_q.scheduler import scheduler

    scheduler(broker=get_broker())


def wait_for(predicate, *, timeout=60.0, interval=0.2, pump=False, message="condition"):
    """Poll until predicate() is truthy; with pump=True also runs the scheduler so retries fire promptly."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pump:
            pump_schedules()
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")
