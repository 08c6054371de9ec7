"""PipedriveAdapter end to end: records created through the sandbox's API v2 (live server), read back as a canonical
Deal, written back, flagged, and polled."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest

from crm_sync.connectors.base import get_crm_adapter
from crm_sync.connectors.pipedrive import client as client_module
from crm_sync.connectors.pipedrive.adapter import PipedriveAdapter
from crm_sync.connectors.pipedrive.client import PipedriveClient
from handoff_project.integration.canonical import Address, Money, Terms
from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    LockedRecordError,
    NotFoundError,
    PermanentError,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.models import Event
from handoff_project.sandbox import store
from tests.crm_sync.pipedrive_support import pipedrive_sandbox  # noqa: F401 - fixture (autouse)


@pytest.fixture
def pd():
    with PipedriveClient() as client:
        yield client


def control(live_server, **fault):
    httpx.post(f"{live_server.url}/sandbox/pipedrive/_control", json=fault).raise_for_status()


def create_deal(pd: PipedriveClient, settings, *, org: bool = True, status: str = "open") -> dict:
    """A deal as a rep builds it: organization with address and VAT, a contact, two products, three lines."""
    organization = pd.post("/api/v2/organizations", {
        "name": "Stark Logistics LLC",
        "address": {"value": "500 W 2nd St, Austin, TX 78701, USA", "route": "West 2nd Street", "street_number": "500",
                    "locality": "Austin", "admin_area_level_1": "Texas", "postal_code": "78701",
                    "country": "United States"},
        "custom_fields": {settings.PIPEDRIVE_VAT_NUMBER_FIELD: "US-74-1234567"},
    })  # fmt: skip
    person = pd.post("/api/v2/persons", {"name": "Pepper Potts", "org_id": organization["id"],
                                         "emails": [{"value": "pepper@stark.example", "primary": True}]})  # fmt: skip
    gateway = pd.post("/api/v2/products", {"name": "Edge Gateway G200", "code": "GW-200", "unit": "pcs",
                                           "prices": [{"price": 1250, "currency": "USD"}]})  # fmt: skip
    sensors = pd.post("/api/v2/products", {"name": "Sensor Kit S10 (10-pack)", "code": "SNS-10"})
    deal = pd.post("/api/v2/deals", {
        "title": "Stark — warehouse sensors", "org_id": organization["id"] if org else None,
        "person_id": person["id"], "currency": "USD", "expected_close_date": "2026-12-01",
        "custom_fields": {settings.PIPEDRIVE_PAYMENT_TERMS_FIELD: "Net 45",
                          settings.PIPEDRIVE_BUSINESS_UNIT_FIELD: "Hardware NA"},
    })  # fmt: skip
    lines = [
        pd.post(f"/api/v2/deals/{deal['id']}/products", {"product_id": gateway["id"], "quantity": 20,
                                                          "item_price": 1187.5, "discount": 2})["id"],
        pd.post(f"/api/v2/deals/{deal['id']}/products", {"product_id": sensors["id"], "quantity": 40,
                                                          "item_price": 420, "discount": 840, "discount_type": "amount"})["id"],
        pd.post(f"/api/v2/deals/{deal['id']}/products", {"product_id": sensors["id"], "quantity": 1,
                                                          "item_price": 99, "is_enabled": False})["id"],
    ]  # fmt: skip
    if status != "open":
        pd.patch(f"/api/v2/deals/{deal['id']}", {"status": status})
    return {"deal": str(deal["id"]), "organization": organization["id"], "person": person["id"],
            "gateway": gateway["id"], "lines": lines}  # fmt: skip


def sandbox_deal(deal_id) -> dict:
    return store.get("pipedrive", "deals", str(deal_id))


def test_fetch_deal_maps_what_was_created_through_the_api(pd, settings):
    ids = create_deal(pd, settings)
    deal = PipedriveAdapter().fetch_deal(ids["deal"])

    assert (deal.crm_system, deal.crm_id, deal.stage) == ("pipedrive", ids["deal"], "open")
    assert deal.name == "Stark — warehouse sensors"
    assert (deal.currency, deal.closed_on) == ("USD", dt.date(2026, 12, 1))
    assert (deal.payment_terms, deal.business_unit) == (Terms("Net 45"), "Hardware NA")
    # the sandbox keeps the value at the sum of the enabled lines, as Pipedrive does: 20 × 1187.50 × 0.98 + 40 × 420 − 840
    assert deal.amount == Money(Decimal("39235"), "USD") == deal.total
    assert deal.last_modified.tzinfo is not None

    assert deal.account.crm_id == str(ids["organization"])
    assert (deal.account.name, deal.account.vat_id) == ("Stark Logistics LLC", "US-74-1234567")
    assert deal.ship_to == Address(street="500 West 2nd Street", city="Austin", postal_code="78701", region="TX",
                                   country="US", name="Stark Logistics LLC")  # fmt: skip
    assert deal.account.email_domain == "stark.example"
    assert (deal.primary_contact.full_name, deal.primary_contact.email) == ("Pepper Potts", "pepper@stark.example")

    gateway, sensors = deal.lines
    assert (gateway.line_number, gateway.crm_line_id, gateway.crm_product_id) == (1, str(ids["lines"][0]), str(ids["gateway"]))
    assert (gateway.description, gateway.product_code, gateway.unit) == ("Edge Gateway G200", "GW-200", "pcs")
    assert (gateway.quantity, gateway.discount_percent) == (Decimal("20"), Decimal("2"))
    assert gateway.unit_price == Money(Decimal("1187.5"), "USD")
    assert gateway.list_price == Money(Decimal("1250"), "USD")
    assert (sensors.product_code, sensors.discount_percent, sensors.net_amount) == ("SNS-10", Decimal("5"), Decimal("15960.00"))


def test_the_registry_gives_the_pipedrive_adapter(pd, settings):
    ids = create_deal(pd, settings)
    adapter = get_crm_adapter("pipedrive")
    assert isinstance(adapter, PipedriveAdapter) and adapter.system == "pipedrive"
    assert adapter.fetch_deal(f" {ids['deal']} ").crm_id == ids["deal"]


def test_a_deal_that_does_not_exist_or_is_deleted_is_not_found(pd, settings):
    with pytest.raises(NotFoundError, match="Deal not found"):
        PipedriveAdapter().fetch_deal("999999")
    with pytest.raises(NotFoundError, match="not a Pipedrive deal id"):
        PipedriveAdapter().fetch_deal("12; DROP")
    ids = create_deal(pd, settings)
    pd.call("DELETE", f"/api/v2/deals/{ids['deal']}", event_type="pipedrive.delete")
    with pytest.raises(NotFoundError, match="is deleted"):
        PipedriveAdapter().fetch_deal(ids["deal"])


def test_a_deal_without_organization_is_a_permanent_error_telling_what_to_fix(pd, settings):
    ids = create_deal(pd, settings, org=False)
    with pytest.raises(PermanentError, match="has no organization. Link the customer's organization"):
        PipedriveAdapter().fetch_deal(ids["deal"])


def test_write_order_number_sets_both_custom_fields_and_is_logged_under_the_deal(pd, settings, live_server):
    ids = create_deal(pd, settings, status="won")
    PipedriveAdapter().write_order_number(ids["deal"], "0000004711")

    fields = sandbox_deal(ids["deal"])["custom_fields"]
    assert fields[settings.PIPEDRIVE_ORDER_NUMBER_FIELD] == "0000004711"
    assert fields[settings.PIPEDRIVE_SYNC_STATUS_FIELD] == "Created"
    event = Event.objects.get(system="pipedrive", event_type="pipedrive.update", erp_order_number="0000004711")
    assert event.crm_record_id == ids["deal"] and event.method == "PATCH"
    assert settings.PIPEDRIVE_ORDER_NUMBER_FIELD in event.request_body


def test_flag_deal_sets_sync_status_failed_and_writes_the_reason_as_a_note(pd, settings, live_server):
    ids = create_deal(pd, settings)
    reason = "SAP rejected the order: payment terms ZB99 do not exist (SAP V1/123). Fix <Net 99> then re-queue."
    PipedriveAdapter().flag_deal(ids["deal"], reason)

    assert sandbox_deal(ids["deal"])["custom_fields"][settings.PIPEDRIVE_SYNC_STATUS_FIELD] == "Failed"
    (note,) = httpx.get(f"{live_server.url}/sandbox/pipedrive/_state").json()["notes"]
    assert note["deal_id"] == int(ids["deal"])
    assert note["content"] == ("<b>ERP handoff failed</b><br>SAP rejected the order: payment terms ZB99 do not exist "
                               "(SAP V1/123). Fix &lt;Net 99&gt; then re-queue.")  # fmt: skip


def test_writeback_without_the_custom_field_keys_configured_says_which_setting_is_missing(pd, settings):
    ids = create_deal(pd, settings)
    settings.PIPEDRIVE_ORDER_NUMBER_FIELD = ""
    with pytest.raises(ConfigurationError, match="PIPEDRIVE_ORDER_NUMBER_FIELD is not set"):
        PipedriveAdapter().write_order_number(ids["deal"], "4711")


def test_an_order_number_longer_than_the_text_field_is_a_remote_validation_error(pd, settings):
    ids = create_deal(pd, settings)
    with pytest.raises(RemoteValidationError, match="at most 255 characters") as caught:
        PipedriveAdapter().write_order_number(ids["deal"], "X" * 256)
    assert caught.value.http_status == 400


def test_list_won_deals_pages_through_the_won_deals_oldest_change_first(pd, settings, monkeypatch):
    monkeypatch.setattr(client_module, "MAX_PAGE", 2)  # five won deals over three pages
    changed = {}
    for hour in (5, 1, 4, 2, 3):
        deal = pd.post("/api/v2/deals", {"title": f"won at {hour}"})
        pd.patch(f"/api/v2/deals/{deal['id']}", {"status": "won"})
        record = sandbox_deal(deal["id"])
        record["update_time"] = changed[deal["id"]] = f"2026-03-12T0{hour}:00:00Z"  # as if changed at that hour
        store.put("pipedrive", "deals", str(deal["id"]), record)
    pd.post("/api/v2/deals", {"title": "still open"})

    won = PipedriveAdapter().list_won_deals(since=None)
    assert [w.name for w in won] == ["won at 1", "won at 2", "won at 3", "won at 4", "won at 5"]
    assert won[0].changed_at == dt.datetime(2026, 3, 12, 1, tzinfo=dt.timezone.utc)
    pages = Event.objects.filter(system="pipedrive", event_type="pipedrive.list")
    assert pages.count() == 3  # two deals a page: the cursor was followed twice

    since = dt.datetime(2026, 3, 12, 3, tzinfo=dt.timezone.utc)
    assert [w.name for w in PipedriveAdapter().list_won_deals(since=since)] == ["won at 3", "won at 4", "won at 5"]
    assert [w.name for w in PipedriveAdapter().list_won_deals(since=None, limit=3)] == ["won at 1", "won at 2", "won at 3"]


def test_the_sandbox_being_down_makes_the_adapter_raise_a_transient_error_until_it_is_back(pd, settings, live_server):
    ids = create_deal(pd, settings)
    control(live_server, mode="down", status=503)
    with pytest.raises(TransientError) as caught:
        PipedriveAdapter().fetch_deal(ids["deal"])
    assert caught.value.http_status == 503

    control(live_server, mode="up")
    assert PipedriveAdapter().fetch_deal(ids["deal"]).crm_id == ids["deal"]


def test_a_locked_deal_is_a_locked_record_error_and_reads_still_work(pd, settings, live_server):
    ids = create_deal(pd, settings)
    control(live_server, mode="locked")
    with pytest.raises(LockedRecordError, match="being changed by another request"):
        PipedriveAdapter().write_order_number(ids["deal"], "4711")
    assert PipedriveAdapter().fetch_deal(ids["deal"]).crm_id == ids["deal"]


def test_a_lost_writeback_answer_is_transient_and_writing_again_is_harmless(pd, settings, live_server):
    ids = create_deal(pd, settings)
    control(live_server, mode="lose_response", how="gateway", count=1)
    with pytest.raises(TransientError) as caught:
        PipedriveAdapter().write_order_number(ids["deal"], "4711")
    assert caught.value.http_status == 504
    assert sandbox_deal(ids["deal"])["custom_fields"][settings.PIPEDRIVE_ORDER_NUMBER_FIELD] == "4711"  # it was done

    PipedriveAdapter().write_order_number(ids["deal"], "4711")  # the retry sets the same values again
    assert sandbox_deal(ids["deal"])["custom_fields"][settings.PIPEDRIVE_ORDER_NUMBER_FIELD] == "4711"


def test_a_wrong_token_is_an_authentication_error(pd, settings):
    ids = create_deal(pd, settings)
    revoked = PipedriveAdapter(client_factory=lambda: PipedriveClient(api_token="a-revoked-token"))
    with pytest.raises(AuthenticationError, match="unauthorized access"):
        revoked.fetch_deal(ids["deal"])


def test_the_adapters_http_calls_are_logged_under_the_deal_without_the_token(pd, settings):
    ids = create_deal(pd, settings)
    PipedriveAdapter().fetch_deal(ids["deal"])

    events = Event.objects.filter(system="pipedrive", crm_record_id=ids["deal"]).order_by("id")
    assert [e.endpoint.split("/api/")[1].split("?")[0] for e in events] == [
        f"v2/deals/{ids['deal']}", f"v2/deals/{ids['deal']}/products", "v2/products",
        f"v2/organizations/{ids['organization']}", f"v2/persons/{ids['person']}"]  # fmt: skip
    assert all(e.http_status == 200 for e in events)
    logged = json.dumps([[e.endpoint, e.request_body, e.body, e.message] for e in Event.objects.all()])
    assert settings.PIPEDRIVE_API_TOKEN not in logged
