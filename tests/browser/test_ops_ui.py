"""What an ops person does in the browser: sign in, watch the handoff list, open a handoff, re-queue a dead one.

Runs headless Debian Chromium through Playwright against the live server. Playwright's sync API runs an event loop
in this thread, so Django's async-safety check is relaxed for this module.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connections

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from erp_orders.models import Handoff, HandoffState  # noqa: E402
from handoff_project.integration.models import Outcome  # noqa: E402
from tests.factories import (  # noqa: E402
    PASSWORD,
    DeadLetterFactory,
    HandoffFactory,
    TransformationLogFactory,
    UserFactory,
    handoff_event,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium (make chromium)"),
]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 800})
        context.set_default_timeout(10_000)
        page = context.new_page()
        yield page
        # Leave the live pages first so no HTMX poll is still on the server when the test database is dropped.
        page.goto("about:blank")
        context.close()
        browser.close()
        # While Playwright's loop runs, Django keeps this thread's connections apart (asgiref treats the thread as
        # async), so the test's own queries used a connection of their own: close it here, inside the loop, or
        # dropping the test database at the end of the session finds it still in use.
        connections.close_all()


@pytest.fixture
def signed_in(page, live_server, transactional_db):
    UserFactory(username="olivia", roles=["ops"])
    page.goto(f"{live_server.url}/ops/")
    assert "/accounts/login/" in page.url  # the ops UI needs a login
    page.fill("#id_username", "olivia")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/ops/")
    return page


def test_ops_user_watches_a_handoff_in_the_list_and_reads_its_detail(signed_in, live_server):
    from playwright.sync_api import expect

    page = signed_in
    done = HandoffFactory(completed=True, deal_name="Acme renewal 2026", erp_order_number="0000004711")
    TransformationLogFactory(handoff_id=done.pk, input_text="Enterprise License, annual", output="TG-ENT-1Y",
                             confidence=Decimal("0.9800"), accepted=True)
    handoff_event(done, "sap_create_order", outcome=Outcome.SUCCESS, system="sap", http_status=201, duration_ms=321,
                  request_body='{"SalesOrderType": "OR"}', body='{"d": {"SalesOrder": "4711"}}')
    moving = HandoffFactory(deal_name="Globex expansion", state=HandoffState.RECEIVED)

    # The list refreshes itself: both new handoffs appear, then the moving one changes state without a reload.
    row = page.locator(f'tr[data-handoff="{done.pk}"]')
    expect(row).to_contain_text("Acme renewal 2026", timeout=8_000)
    expect(row).to_contain_text("0000004711")
    moving_row = page.locator(f'tr[data-handoff="{moving.pk}"]')
    expect(moving_row).to_contain_text("Received", timeout=8_000)
    Handoff.objects.filter(pk=moving.pk).update(state=HandoffState.VALIDATED)
    expect(moving_row).to_contain_text("Validated", timeout=8_000)

    # Search narrows the table as you type.
    page.keyboard.press("/")
    page.keyboard.type("Acme renewal")
    expect(page.locator(f'tr[data-handoff="{moving.pk}"]')).to_have_count(0)

    row.get_by_role("link", name="Acme renewal 2026").click()
    page.wait_for_url(re.compile(rf"/ops/handoffs/{done.pk}/$"))
    expect(page.get_by_test_id("erp-order-number")).to_have_text("0000004711")
    expect(page.locator("dt", has_text="SAP S/4HANA order number")).to_be_visible()
    expect(page.locator(".resolutions")).to_contain_text("TG-ENT-1Y")
    expect(page.locator(".resolutions .confidence")).to_have_text("98 %")
    expect(page.locator(".step-current")).to_contain_text("Written back")

    # A click on a timeline event loads its bodies.
    event = page.locator(".event", has_text="sap_create_order")
    event.locator("summary").click()
    expect(event.locator(".event-bodies")).to_contain_text('"SalesOrder": "4711"')


def test_ops_user_requeues_a_dead_handoff(signed_in, live_server):
    from playwright.sync_api import expect

    page = signed_in
    letter = DeadLetterFactory(handoff__deal_name="Initech rollout", step="push",
                               reason="SAP kept answering 503 Service Unavailable", retries_exhausted=True)
    handoff = letter.handoff

    page.goto(f"{live_server.url}/ops/dead-letters/")
    expect(page.locator(f'tr[data-dead-letter="{letter.pk}"]')).to_contain_text("SAP kept answering 503")
    page.get_by_role("link", name="Initech rollout").click()
    expect(page.get_by_test_id("state")).to_have_text("Dead-lettered")
    expect(page.locator(".step-failed")).to_be_visible()

    page.fill("#id_note", "SAP is back up")
    page.get_by_role("button", name="Re-queue").click()
    expect(page.locator(".message-success")).to_contain_text(f"Handoff {handoff.pk}")
    expect(page.get_by_test_id("state")).not_to_have_text("Dead-lettered")
    letter.refresh_from_db()
    assert letter.state == letter.State.REQUEUED
    handoff.refresh_from_db()
    assert handoff.state != HandoffState.DEAD
