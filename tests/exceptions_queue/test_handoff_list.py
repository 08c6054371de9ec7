"""The handoff list at /ops/: newest first, filters, search, the row contents and the live-refreshing table body."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from erp_orders.models import Handoff, HandoffState
from tests.factories import HandoffExceptionFactory, HandoffFactory

pytestmark = pytest.mark.django_db

LIST = "/ops/"


def listed_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-handoff="(\d+)"', response.content.decode())]


def test_list_url_is_ops_root():
    assert reverse("ops:handoff-list") == LIST


def test_handoffs_are_listed_newest_first(client_as):
    first, second, third = HandoffFactory(), HandoffFactory(), HandoffFactory()
    assert listed_ids(client_as("viewer").get(LIST)) == [third.pk, second.pk, first.pk]


def test_filter_by_state_shows_only_that_state(client_as):
    dead = HandoffFactory(state=HandoffState.DEAD)
    HandoffFactory(state=HandoffState.RECEIVED)
    HandoffFactory(completed=True)
    assert listed_ids(client_as("viewer").get(LIST, {"state": "dead"})) == [dead.pk]


def test_filter_by_crm_system_shows_only_that_crm(client_as):
    hubspot = HandoffFactory(crm_system="hubspot")
    HandoffFactory(crm_system="salesforce")
    response = client_as("viewer").get(LIST, {"crm_system": "hubspot"})
    assert listed_ids(response) == [hubspot.pk]
    assert '<option value="hubspot" selected>' in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["006Qy0000099999AAA", "99999aaa", "Globex", "Lighthouse expansion", "0000012345"],
    ids=["crm-id", "crm-id-part-any-case", "customer", "deal-name", "erp-order"],
)
def test_search_finds_a_handoff_by_crm_id_customer_deal_or_erp_order(client_as, query):
    wanted = HandoffFactory(
        crm_record_id="006Qy0000099999AAA", customer_name="Globex Ltd", deal_name="Lighthouse expansion",
        erp_order_number="0000012345", state=HandoffState.CREATED,
    )
    HandoffFactory(customer_name="Initech", deal_name="Other deal")
    assert listed_ids(client_as("viewer").get(LIST, {"q": query})) == [wanted.pk]


def test_search_and_filters_combine(client_as):
    HandoffFactory(customer_name="Globex", state=HandoffState.DEAD)
    wanted = HandoffFactory(customer_name="Globex", state=HandoffState.EXCEPTION)
    HandoffFactory(customer_name="Initech", state=HandoffState.EXCEPTION)
    assert listed_ids(client_as("viewer").get(LIST, {"q": "globex", "state": "exception"})) == [wanted.pk]


def test_an_unknown_state_filter_is_ignored_rather_than_emptying_the_page(client_as):
    handoff = HandoffFactory()
    assert listed_ids(client_as("viewer").get(LIST, {"state": "nonsense"})) == [handoff.pk]


def test_row_shows_deal_customer_amount_state_order_number_flag_and_age(client_as):
    handoff = HandoffFactory(
        completed=True, deal_name="Acme renewal", customer_name="Acme Corporation", erp_order_number="0000004711",
        flagged=True, flag_reason="writeback to Salesforce failed",
    )
    html = client_as("viewer").get(LIST).content.decode()
    row = re.search(rf'<tr data-handoff="{handoff.pk}".*?</tr>', html, re.S).group(0)
    assert "Acme renewal" in row and "Acme Corporation" in row
    assert "13,300.00 EUR" in row
    assert "Written back" in row and "tone-ok" in row
    assert "0000004711" in row
    assert "flagged" in row and "writeback to Salesforce failed" in row
    assert re.search(r">\s*\d+ s\s*<", row), "age column"
    assert reverse("ops:handoff-detail", args=[handoff.pk]) in row


def test_row_counts_open_exceptions(client_as):
    exc = HandoffExceptionFactory()
    HandoffExceptionFactory(handoff=exc.handoff)
    html = client_as("viewer").get(LIST).content.decode()
    assert "2 open" in html


def test_table_body_polls_every_three_seconds_with_the_current_filters(client_as):
    html = client_as("viewer").get(LIST, {"state": "dead"}).content.decode()
    tbody = re.search(r'<tbody id="handoff-rows"[^>]*>', html).group(0)
    assert 'hx-trigger="every 3s"' in tbody
    assert 'hx-get="/ops/?state=dead"' in tbody
    assert "ops/htmx.min.js" in html


def test_htmx_refresh_returns_only_the_table_body_with_the_latest_state(client_as):
    client = client_as("viewer")
    handoff = HandoffFactory(state=HandoffState.RECEIVED)
    Handoff.objects.filter(pk=handoff.pk).update(state=HandoffState.VALIDATED)
    response = client.get(LIST, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="handoff-rows")
    html = response.content.decode()
    assert html.lstrip().startswith("<tbody") and "<html" not in html
    assert "Validated" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client_as):
    response = client_as("viewer").get(
        LIST, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="handoff-rows", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_list_is_paginated(client_as):
    HandoffFactory.create_batch(51)
    html = client_as("viewer").get(LIST).content.decode()
    assert len(re.findall(r'data-handoff="\d+"', html)) == 50
    assert "Page 1 of 2" in html


def test_list_query_count_does_not_grow_with_rows(client_as, django_assert_max_num_queries):
    client = client_as("viewer")
    HandoffFactory.create_batch(20, flagged=True, flag_reason="check")
    with django_assert_max_num_queries(12):  # 10, plus two for the ERP outage banner (availability, queue lag)
        client.get(LIST)


def test_htmx_refresh_keeps_the_crm_filter(client_as):
    hubspot = HandoffFactory(crm_system="hubspot")
    HandoffFactory(crm_system="salesforce")
    response = client_as("viewer").get(LIST, {"crm_system": "hubspot"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="handoff-rows")
    assert listed_ids(response) == [hubspot.pk]


def test_handoffs_waiting_for_an_erp_outage_are_shown_and_can_be_listed_alone(client, settings):
    import datetime as dt

    from django.utils import timezone

    from erp_orders.models import ErpAvailability
    from tests.factories import HandoffFactory, UserFactory

    since = timezone.now() - dt.timedelta(minutes=12)
    ErpAvailability.objects.create(erp_system="sap", state="down", down_since=since)
    waiting = HandoffFactory(state="resolved", erp_system="sap", deal_name="Waiting deal", waiting_for_erp_since=since,
                             wait_reason="erp_down")
    HandoffFactory(state="written_back", deal_name="Done deal")
    client.force_login(UserFactory(username="olga", roles=["ops"]))
    page = client.get("/ops/").content.decode()
    assert "SAP S/4HANA is unavailable" in page and "1 handoff waiting, the oldest for 12 min" in page
    assert "waiting for SAP S/4HANA" in page
    only_waiting = client.get("/ops/?state=waiting").content.decode()
    assert "Waiting deal" in only_waiting and "Done deal" not in only_waiting
    detail = client.get(f"/ops/handoffs/{waiting.pk}/").content.decode()
    assert 'data-testid="waiting-for-erp"' in detail and "no retry is spent" in detail
