"""The ops workplace in a real browser (Playwright + Debian Chromium against the live server):

* an ops user resolves a product-not-mapped exception by picking a candidate and sees the order created (a real worker
  runs the pipeline against the sandboxes);
* an approver approves a high-risk handoff, and another approver cannot approve a handoff they changed (four-eyes);
* an ops user edits a dead letter's payload and re-queues it.

Screenshots of every page go to tests/artifacts/ (ignored by git) for review.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import connections

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from erp_orders.models import Handoff, HandoffState  # noqa: E402
from exceptions_queue import resolving  # noqa: E402
from exceptions_queue.models import ExceptionType  # noqa: E402
from handoff_project.integration.models import Event  # noqa: E402
from tests.conftest import wait_for  # noqa: E402
from tests.factories import (  # noqa: E402
    PASSWORD,
    DeadLetterFactory,
    HandoffExceptionFactory,
    UserFactory,
    handoff_awaiting_approval,
    order_request,
    send_to_approval,
)
from tests.flows.world import create_opportunity, handoff_for, mark_won, world  # noqa: E402,F401 - fixture

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium (make chromium)"),
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        contexts = []

        def new_page():
            context = chromium.new_context(viewport={"width": 1366, "height": 860})
            context.set_default_timeout(10_000)
            contexts.append(context)
            return context.new_page()

        yield new_page
        for context in contexts:
            for page in context.pages:
                page.goto("about:blank")  # no HTMX poll may still be on the server when the database goes
            context.close()
        chromium.close()
        connections.close_all()  # see tests/browser/test_ops_ui.py: the test's own connection lives in this loop


def sign_in(new_page, live_server, username: str):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/ops/")
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_ops_user_resolves_an_unmapped_product_by_picking_a_candidate_and_sees_the_order_created(browser, world, worker, live_server):
    from playwright.sync_api import expect

    UserFactory(username="olivia", roles=["ops"])
    world.products["Training Day (remote)"] = world.create("Product2", {"Name": "Training Day (remote)", "ProductCode": "TRN-RMT", "IsActive": True})
    opp = create_opportunity(world, "Acme Corp", [("Training Day (remote)", "2", "1800.00", "0")], name="Acme — remote training")
    mark_won(world, opp)
    handoff = wait_for(lambda: (h := handoff_for(opp)) and h.state == HandoffState.EXCEPTION and h, timeout=60, message="exception")

    page = sign_in(browser, live_server, "olivia")
    page.get_by_role("link", name=re.compile("^Exceptions")).click()
    page.locator('a[data-team="product_ops"]').click()
    row = page.locator("tr[data-exception]", has_text="Acme — remote training")
    expect(row).to_contain_text("Product not mapped")
    expect(row).to_contain_text("escalates in")
    shot(page, "01-exception-inbox")

    row.get_by_role("link", name="Acme — remote training").click()
    expect(page.get_by_test_id("exception-message")).to_contain_text("Training Day (remote)")
    candidate = page.locator("label.candidate", has_text="SV-TRN-DAY")
    expect(candidate).to_contain_text("%")
    shot(page, "02-exception-detail")
    candidate.locator("input[type=radio]").check()
    page.get_by_role("button", name="Resolve with this choice").click()

    page.wait_for_url(re.compile(rf"/ops/handoffs/{handoff.pk}/$"))
    expect(page.locator(".message-success")).to_contain_text("the crosswalk")
    expect(page.get_by_test_id("state")).to_have_text("Written back", timeout=60_000)  # the page follows the worker live
    order_number = Handoff.objects.get(pk=handoff.pk).erp_order_number
    expect(page.get_by_test_id("erp-order-number")).to_have_text(order_number)
    shot(page, "03-handoff-created-after-resolution")


def test_an_approver_approves_a_high_risk_handoff_and_another_cannot_approve_their_own_change(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    UserFactory(username="ada", roles=["approver"])
    max_ = UserFactory(username="max", roles=["ops", "approver"])
    fleet = handoff_awaiting_approval(level="high", deal_name="Globex — Global fleet 2027", customer_name="Globex Industries")
    changed = HandoffExceptionFactory(handoff__deal_name="Umbrella — training programme", type=ExceptionType.PRICE_VARIANCE,
                                      field="lines[1].unit_price", detail={})
    resolving.override_check(exception_id=changed.pk, user=max_, reason="price agreed with the customer in writing")
    send_to_approval(changed.handoff, level="high")

    ada = sign_in(browser, live_server, "ada")
    ada.get_by_role("link", name=re.compile("^Approvals")).click()
    expect(ada.locator("tr[data-approval]")).to_have_count(2)
    shot(ada, "04-approval-queue")
    ada.get_by_role("link", name="Globex — Global fleet 2027").click()
    expect(ada.get_by_test_id("risk-level")).to_have_text("high risk")
    expect(ada.get_by_test_id("risk-factors")).to_contain_text("deal value 312,500.00 USD is above 250,000")
    expect(ada.locator("#customer-h")).to_be_visible()
    shot(ada, "05-approval-detail")
    ada.fill("#comment", "fleet deal signed off by the CFO")
    ada.get_by_role("button", name="Approve").click()
    expect(ada.locator(".message-success")).to_contain_text("Approved")
    expect(ada.get_by_test_id("state")).to_have_text("Pushing to ERP")

    max_page = sign_in(browser, live_server, "max")
    max_page.goto(f"{live_server.url}/ops/approvals/{changed.handoff_id}/")
    expect(max_page.get_by_test_id("four-eyes")).to_be_visible()
    max_page.get_by_role("button", name="Approve").click()
    expect(max_page.locator(".message-error")).to_contain_text("Four-eyes rule: you changed this handoff")
    expect(max_page.get_by_test_id("state")).to_have_text("Awaiting approval")
    shot(max_page, "06-four-eyes-refused")
    assert Handoff.objects.get(pk=fleet.pk).state == HandoffState.PUSHING
    assert Handoff.objects.get(pk=changed.handoff_id).state == HandoffState.AWAITING_APPROVAL


def test_ops_user_edits_a_dead_letters_payload_and_requeues_it(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    UserFactory(username="olivia", roles=["ops"])
    letter = DeadLetterFactory(handoff__deal_name="Initech rollout", step="push")
    Handoff.objects.filter(pk=letter.handoff_id).update(order_request=order_request(reference=f"SF-{letter.handoff.crm_record_id}"))

    page = sign_in(browser, live_server, "olivia")
    page.get_by_role("link", name=re.compile("^Dead letters")).click()
    row = page.locator(f'tr[data-dead-letter="{letter.pk}"]')
    expect(row).to_contain_text("payment terms ZB99")
    shot(page, "07-dead-letter-queue")
    row.get_by_role("link", name="details").click()
    expect(page.get_by_test_id("recommendation")).to_contain_text("Fix the terms crosswalk entry")
    shot(page, "08-dead-letter-detail")

    editor = page.locator("#id_payload")
    editor.fill(editor.input_value().replace('"payment_terms_key": "NT45"', '"payment_terms_key": "NT30"'))
    page.fill("#id_note", "ZB99 does not exist; NT30 agreed")
    page.get_by_role("button", name="Save and re-queue").click()
    page.wait_for_url(re.compile(rf"/ops/handoffs/{letter.handoff_id}/$"))
    expect(page.locator(".message-success")).to_contain_text("re-queued")
    expect(page.get_by_test_id("state")).not_to_have_text("Dead-lettered")
    assert Handoff.objects.get(pk=letter.handoff_id).order_request["payment_terms_key"] == "NT30"
    assert Event.objects.filter(handoff_id=letter.handoff_id, event_type="payload_edited", data__user="olivia").exists()

    page.get_by_role("link", name="full deal history").click()
    expect(page.locator(".event", has_text="payload_edited")).to_contain_text("payment_terms_key")
    shot(page, "09-deal-history")
