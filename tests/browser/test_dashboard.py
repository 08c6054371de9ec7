"""The health dashboard in a real browser (Playwright + Debian Chromium against the live server): every chart draws
from the fixture data, and changing the time range redraws the panel in place, without reloading the page.

Screenshots go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from erp_orders.models import HandoffState
from tests.browser.test_workplace import CHROMIUM, browser, shot, sign_in  # noqa: F401 - fixture
from tests.exceptions_queue.monitoring_fixtures import handoff_at
from tests.factories import DeadLetterFactory, InvoiceFactory, UserFactory, backdate, event_at

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium (make chromium)"),
]
CHARTS = ("events", "success", "latency", "api", "dlq", "lag")


def history(now: dt.datetime) -> None:
    """Three days of handoffs, HTTP exchanges, invoices, dead letters and one SAP outage."""
    for hours_ago in range(2, 72, 3):
        received = now - dt.timedelta(hours=hours_ago)
        handoff = handoff_at(received, created_after=30 + hours_ago % 7 * 11, erp_system=("sap", "netsuite")[hours_ago % 2])
        event_at(handoff, "http", received + dt.timedelta(seconds=2), system="salesforce", method="GET", duration_ms=180 + hours_ago,
                 http_status=200, outcome="success")
        event_at(handoff, "http", received + dt.timedelta(seconds=20), system=handoff.erp_system, method="POST",
                 duration_ms=350 + 9 * hours_ago, http_status=201, outcome="success")
        backdate(InvoiceFactory(status="approved" if hours_ago % 5 else "on_hold", matched_at=received + dt.timedelta(seconds=25)),
                 received_at=received)
    failed = handoff_at(now - dt.timedelta(hours=20), state=HandoffState.DEAD)
    backdate(DeadLetterFactory(handoff=failed), created_at=now - dt.timedelta(hours=20))
    down = now - dt.timedelta(hours=30)
    waited = handoff_at(down, created_after=50 * 60)
    event_at(waited, "erp_buffered", down, system="sap")
    event_at(None, "erp_drained", down + dt.timedelta(minutes=48), system="sap")


def test_the_dashboard_draws_every_chart_and_a_new_range_redraws_in_place(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    UserFactory(username="vera", roles=["viewer"])
    history(timezone.now())

    page = sign_in(browser, live_server, "vera")
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(f"{live_server.url}/ops/dashboard/")
    panel = page.locator("#dashboard-panel")
    expect(panel).to_have_attribute("data-rendered", re.compile(r"^\d+$"))
    expect(page.locator('[data-chart="events"]')).to_have_attribute("data-points", str(2 * (7 * 24 + 1)))  # 2 lines, hourly
    for name in CHARTS:
        chart = page.locator(f'[data-chart="{name}"]')
        expect(chart.locator("canvas")).to_have_count(1)  # uPlot draws on a canvas
        assert chart.get_attribute("data-empty") is None, name
        assert int(chart.get_attribute("data-points")) > 0, name
    expect(page.locator('[data-flow="deal_to_order"]')).to_contain_text("96.2 %")  # 25 orders, 1 dead letter
    expect(page.get_by_test_id("targets")).to_contain_text("Handoff automation rate")
    shot(page, "dashboard-7-days")

    page.evaluate("window.pageMarker = 'still the same page'")
    page.get_by_role("link", name="Last 30 days").click()

    expect(panel).to_have_attribute("data-range", "30d")
    expect(page.locator('[data-chart="events"]')).to_have_attribute("data-points", str(2 * 31))  # redrawn: 31 days
    assert page.evaluate("window.pageMarker") == "still the same page"  # no full reload
    assert re.search(r"\?range=30d$", page.url)
    series = json.loads(page.locator("#dashboard-series").text_content())
    assert series["granularity"] == "day" and len(series["x"]) == 31
    assert sum(series["events"]["total"]) == 2 * 24 + 2  # every fixture event is in the 30 days
    for name in CHARTS:
        assert int(page.locator(f'[data-chart="{name}"]').get_attribute("data-points")) > 0, name
    expect(page.locator('a[data-range-key="30d"]')).to_have_attribute("aria-pressed", "true")
    shot(page, "dashboard-30-days")
