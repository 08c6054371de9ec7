"""Shared fixtures: PostgreSQL always, the sandboxes served by a live server, a real django-q2 worker process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
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


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql" and not os.environ.get("ALLOW_SQLITE_TESTS"):
        raise pytest.UsageError("tests run on PostgreSQL: set DATABASE_URL (make test does)")


@pytest.fixture(autouse=True)
def integration_settings(settings):
    """Sandboxes on, credentials for the emulators, a short retry schedule unless a test sets its own."""
    settings.SANDBOX_ENABLED = True
    settings.SALESFORCE_ENABLED = True
    settings.SAP_ENABLED = True
    settings.SALESFORCE_ORGANIZATION_ID = TEST_ORG_ID
    settings.SALESFORCE_CLIENT_ID = "test-client-id"
    settings.SALESFORCE_CLIENT_SECRET = "test-client-secret-value"
    settings.SAP_USER = "HANDOFF_TEST"
    settings.SAP_PASSWORD = "sap-test-password-value"
    settings.HANDOFF_RETRY_DELAYS = [1, 1, 1, 1, 1]
    settings.HTTP_TIMEOUT_SECONDS = 5
    return settings


@pytest.fixture
def sandbox_urls(live_server, settings):
    """Point every connector at the emulators served by the live server (as in the demo)."""
    settings.SALESFORCE_BASE_URL = f"{live_server.url}/sandbox/salesforce"
    settings.SAP_BASE_URL = f"{live_server.url}/sandbox/sap"
    settings.SALESFORCE_OUTBOUND_URL = f"{live_server.url}/webhooks/salesforce/"
    settings.PUBLIC_BASE_URL = live_server.url
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
        "SALESFORCE_ENABLED": "1",
        "SAP_ENABLED": "1",
        "SALESFORCE_BASE_URL": settings.SALESFORCE_BASE_URL,
        "SAP_BASE_URL": settings.SAP_BASE_URL,
        "SALESFORCE_ORGANIZATION_ID": settings.SALESFORCE_ORGANIZATION_ID,
        "SALESFORCE_CLIENT_ID": settings.SALESFORCE_CLIENT_ID,
        "SALESFORCE_CLIENT_SECRET": settings.SALESFORCE_CLIENT_SECRET,
        "SAP_USER": settings.SAP_USER,
        "SAP_PASSWORD": settings.SAP_PASSWORD,
        "HANDOFF_RETRY_DELAYS": ",".join(str(d) for d in settings.HANDOFF_RETRY_DELAYS),
        "HTTP_TIMEOUT_SECONDS": str(settings.HTTP_TIMEOUT_SECONDS),
        # the routing rules a test set (risk thresholds, the medium-risk intervention window) hold in the worker too
        "HANDOFF_INTERVENTION_WINDOW_SECONDS": str(settings.HANDOFF_INTERVENTION_WINDOW_SECONDS),
        **_risk_env(settings.HANDOFF_RULES["risk"]),
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
