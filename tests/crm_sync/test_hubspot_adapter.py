"""HubSpotAdapter against the sandbox (live server): records created over the v3 API, read back as a canonical Deal,
written back, flagged, and found by the reconciliation poll."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest

from crm_sync.connectors.base import get_crm_adapter
from crm_sync.connectors.hubspot import adapter as adapter_module
from crm_sync.connectors.hubspot.adapter import TEXT_PROPERTY_MAX, HubSpotAdapter
from crm_sync.connectors.hubspot.mappers import parse_datetime
from handoff_project.integration.canonical import Address, Money, Terms
from handoff_project.integration.errors import (
    LockedRecordError,
    NotFoundError,
    PermanentError,
    Reason,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.models import Event

from .hubspot_world import create_deal, hs, hubspot_sandbox  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def state(live_server) -> dict:
    return httpx.get(f"{live_server.url}/sandbox/hubspot/_state").json()


def control(live_server, **mode):
    assert httpx.post(f"{live_server.url}/sandbox/hubspot/_control", json=mode).status_code == 200


def deal_properties(live_server, deal_id: str) -> dict:
    return next(d for d in state(live_server)["deals"] if d["id"] == deal_id)["properties"]


def test_fetch_deal_maps_what_was_created_through_the_api(hs, settings):
    ids = create_deal(hs)
    deal = HubSpotAdapter().fetch_deal(ids["deal"])

    assert (deal.crm_system, deal.crm_id, deal.name, deal.stage) == ("hubspot", ids["deal"],
                                                                     "Initech — platform rollout", "contractsent")
    assert deal.currency == "USD" and deal.closed_on == dt.date(2026, 11, 24)
    assert deal.payment_terms == Terms("Net 45") and deal.business_unit == "Software"
    assert deal.contract_reference == "MSA-2024-009" and deal.last_modified.tzinfo is not None
    # the sandbox sums the lines' amounts into the deal, as HubSpot does: 150 × 399.90 × 0.9 + 12 000
    assert deal.amount == Money(Decimal("65986.50"), "USD") == deal.total

    assert (deal.account.crm_id, deal.account.name, deal.account.vat_id) == (ids["company"], "Initech LLC",
                                                                             "US-47-1234567")
    assert deal.ship_to == Address(street="4120 Freidrich Lane", city="Austin", postal_code="78744", region="TX",
                                   country="US", name="Initech LLC")  # fmt: skip
    assert deal.account.email_domain == "initech.example"

    first, second = deal.lines
    assert (first.crm_line_id, first.crm_product_id, first.description) == (
        ids["license_line"], ids["license_product"], "Enterprise License, annual")
    assert (first.quantity, first.unit_price, first.discount_percent, first.product_code) == (
        Decimal("150"), Money(Decimal("399.90"), "USD"), Decimal("10"), "ENT-LIC-Y")
    # a line created from a product without a price takes the product's name, price and SKU
    assert (second.description, second.unit_price, second.product_code) == (
        "Premium Support", Money(Decimal("12000"), "USD"), "SUP-PREM")
    assert (deal.primary_contact.crm_id, deal.primary_contact.full_name) == (ids["primary"], "Peter Gibbons")


def test_the_registry_gives_the_hubspot_adapter(hs):
    adapter = get_crm_adapter("hubspot")
    assert isinstance(adapter, HubSpotAdapter) and adapter.system == "hubspot"


def test_a_deal_that_does_not_exist_or_an_id_that_is_no_hubspot_id_is_not_found(hs):
    with pytest.raises(NotFoundError) as caught:
        HubSpotAdapter().fetch_deal("99999999999")
    assert caught.value.vendor_code == "OBJECT_NOT_FOUND" and caught.value.http_status == 404
    with pytest.raises(NotFoundError, match="not a HubSpot record id"):
        HubSpotAdapter().fetch_deal("../companies/1")


def test_a_deal_without_a_company_is_a_permanent_error_telling_what_to_fix(hs):
    deal = hs.create("deals", {"dealname": "No company", "dealstage": "closedwon", "pipeline": "default"})["id"]
    with pytest.raises(PermanentError, match="no associated company"):
        HubSpotAdapter().fetch_deal(deal)


def test_write_order_number_sets_the_number_status_created_and_clears_the_error(hs, live_server, settings):
    ids = create_deal(hs, stage="closedwon")
    adapter = HubSpotAdapter()
    adapter.flag_deal(ids["deal"], "earlier failure")
    assert deal_properties(live_server, ids["deal"])[settings.HUBSPOT_SYNC_ERROR_PROPERTY] == "earlier failure"
    adapter.write_order_number(ids["deal"], "0000004711")

    props = deal_properties(live_server, ids["deal"])
    assert props[settings.HUBSPOT_ORDER_NUMBER_PROPERTY] == "0000004711"
    assert props[settings.HUBSPOT_SYNC_STATUS_PROPERTY] == "Created"
    assert props[settings.HUBSPOT_SYNC_ERROR_PROPERTY] is None
    event = Event.objects.get(system="hubspot", event_type="hubspot.update", erp_order_number="0000004711")
    assert event.crm_record_id == ids["deal"] and event.method == "PATCH" and event.http_status == 200


def test_flag_deal_marks_the_deal_failed_with_the_reason_cut_to_the_propertys_limit(hs, live_server, settings):
    ids = create_deal(hs)
    message = "SAP rejected the order: payment terms ZB99 do not exist (SAP V1/123). " * 1000
    assert len(message) > TEXT_PROPERTY_MAX
    HubSpotAdapter().flag_deal(ids["deal"], message)

    props = deal_properties(live_server, ids["deal"])
    assert props[settings.HUBSPOT_SYNC_STATUS_PROPERTY] == "Failed"
    assert props[settings.HUBSPOT_SYNC_ERROR_PROPERTY] == message[:TEXT_PROPERTY_MAX]
    with pytest.raises(RemoteValidationError) as caught:  # the limit is HubSpot's, not ours
        hs.update("deals", ids["deal"], {settings.HUBSPOT_SYNC_ERROR_PROPERTY: message})
    assert caught.value.vendor_code == "MAX_LENGTH_EXCEEDED"


def test_the_sandbox_down_is_transient_and_the_write_goes_through_once_it_is_up(hs, live_server, settings):
    ids = create_deal(hs)
    control(live_server, mode="down", status=503)
    with pytest.raises(TransientError) as caught:
        HubSpotAdapter().write_order_number(ids["deal"], "0000004711")
    assert caught.value.http_status == 503
    control(live_server, mode="up")
    HubSpotAdapter().write_order_number(ids["deal"], "0000004711")
    assert deal_properties(live_server, ids["deal"])[settings.HUBSPOT_ORDER_NUMBER_PROPERTY] == "0000004711"


def test_a_locked_record_is_a_locked_record_error_with_its_healing_reason(hs, live_server):
    ids = create_deal(hs)
    control(live_server, mode="locked", count=1)
    with pytest.raises(LockedRecordError) as caught:
        HubSpotAdapter().flag_deal(ids["deal"], "x")
    assert caught.value.http_status == 423 and caught.value.reason == Reason.RECORD_LOCKED
    HubSpotAdapter().fetch_deal(ids["deal"])  # reads pass a lock; the fault is used up


def test_a_lost_answer_to_the_writeback_is_transient_but_the_write_was_made(hs, live_server, settings):
    ids = create_deal(hs)
    control(live_server, mode="lose_response", how="gateway", count=1)
    with pytest.raises(TransientError):
        HubSpotAdapter().write_order_number(ids["deal"], "0000004711")
    assert deal_properties(live_server, ids["deal"])[settings.HUBSPOT_ORDER_NUMBER_PROPERTY] == "0000004711"
    HubSpotAdapter().write_order_number(ids["deal"], "0000004711")  # the retry writes the same again


def test_list_won_deals_finds_won_deals_changed_after_since_oldest_first_across_pages(hs, monkeypatch):
    deals = [hs.create("deals", {"dealname": f"Deal {n}", "dealstage": "contractsent", "pipeline": "default"})["id"]
             for n in range(5)]  # fmt: skip
    for deal_id in (deals[3], deals[0], deals[4], deals[1]):
        hs.update("deals", deal_id, {"dealstage": "closedwon"})
    hs.update("deals", deals[2], {"dealstage": "closedlost"})
    monkeypatch.setattr(adapter_module, "SEARCH_PAGE_MAX", 2)  # force paging with `after`

    won = HubSpotAdapter().list_won_deals(since=None)
    assert [w.crm_id for w in won] == [deals[3], deals[0], deals[4], deals[1]]
    assert [w.name for w in won][:2] == ["Deal 3", "Deal 0"]
    assert all(a.changed_at < b.changed_at for a, b in zip(won, won[1:]))

    later = HubSpotAdapter().list_won_deals(since=won[1].changed_at)
    assert [w.crm_id for w in later] == [deals[4], deals[1]]
    assert [w.crm_id for w in HubSpotAdapter().list_won_deals(since=None, limit=3)] == deals[3:4] + deals[0:1] + deals[4:5]
    search = Event.objects.filter(system="hubspot", event_type="hubspot.search").last()
    body = json.loads(search.request_body)
    assert body["filterGroups"][0]["filters"][0] == {"propertyName": "dealstage", "operator": "IN",
                                                     "values": ["closedwon"]}  # fmt: skip
    assert body["sorts"] == [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]


def test_list_won_deals_since_a_naive_or_aware_moment_compares_instants(hs):
    deal = hs.create("deals", {"dealname": "Won", "dealstage": "contractsent", "pipeline": "default"})["id"]
    changed = parse_datetime(hs.update("deals", deal, {"dealstage": "closedwon"})["updatedAt"])
    assert [w.crm_id for w in HubSpotAdapter().list_won_deals(since=changed - dt.timedelta(seconds=1))] == [deal]
    assert HubSpotAdapter().list_won_deals(since=changed) == []


def test_the_adapters_calls_are_logged_under_the_deal_without_the_token(hs, settings):
    ids = create_deal(hs)
    HubSpotAdapter().fetch_deal(ids["deal"])

    events = Event.objects.filter(system="hubspot", crm_record_id=ids["deal"])
    assert [e.event_type for e in events] == ["hubspot.get", "hubspot.batch_read", "hubspot.get", "hubspot.get"]
    assert all(e.http_status == 200 for e in events)
    logged = json.dumps([[e.endpoint, e.request_body, e.body, e.message] for e in Event.objects.all()])
    assert settings.HUBSPOT_ACCESS_TOKEN not in logged
