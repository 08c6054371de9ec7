"""ERP downtime end to end (live sandboxes, the webhook, a real worker): deals buffer in order while SAP is down,
nothing is lost, retries are not spent, and when SAP answers again the buffer drains — each deal created exactly
once, each customer's orders in the order the deals were won."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from crm_sync.connectors.salesforce.outbound import build_outbound_message
from crm_sync.connectors.salesforce.sandbox_records import create_record
from erp_orders.models import ErpAvailability, Handoff, HandoffState
from exceptions_queue.models import Alert, DeadLetter
from handoff_project.integration.models import Event
from handoff_project.sandbox import store
from handoff_project.sandbox.faults import set_fault
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# (account, product, quantity, unit price): low-risk deals of four customers, each of them mapped and priced in SAP.
DEALS = [
    ("Acme Corp", "Pro Seat - Annual Subscription", "5", "960.00"),
    ("Globex Industries", "Edge Gateway G200", "2", "1250.00"),
    ("Initech GmbH", "Remote Training Day", "1", "1800.00"),
    ("Umbrella Health Ltd", "Onboarding Package", "1", "7500.00"),
]


@pytest.fixture(autouse=True)
def fast_outage_handling(settings):
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 0
    settings.ERP_OUTAGE_THRESHOLD = 3
    settings.ERP_PROBE_SECONDS = 1


def won_deals(world, count: int) -> list[str]:
    """`count` opportunities (cycling through four customers), created straight in the sandbox's store."""
    ids = []
    for n, (account, product, quantity, price) in zip(range(count), itertools.cycle(DEALS)):
        opp = create_record("Opportunity", {
            "Name": f"{account} — outage deal {n:03d}", "AccountId": world.accounts[account], "StageName": "Negotiation/Review",
            "CloseDate": timezone.localdate().isoformat(), "Payment_Terms__c": "Net 30", "CurrencyIsoCode": "USD"})["Id"]
        create_record("OpportunityLineItem", {"OpportunityId": opp, "Product2Id": world.products[product],
                                              "Quantity": float(quantity), "UnitPrice": float(price), "Discount": 0.0})
        create_record("OpportunityContactRole", {"OpportunityId": opp, "ContactId": world.contacts[account], "IsPrimary": True})
        ids.append(opp)
    return ids


def announce(live_server, opportunity_ids: list[str]) -> None:
    """Outbound Messages of up to 100 notifications each, as Salesforce batches them."""
    for start in range(0, len(opportunity_ids), 100):
        batch = opportunity_ids[start:start + 100]
        body = build_outbound_message(settings.SALESFORCE_ORGANIZATION_ID, "04k000000000001AAA", "Opportunity",
                                      [{"Id": opp, "StageName": "Closed Won", "IsWon": True} for opp in batch])
        answer = httpx.post(f"{live_server.url}/webhooks/salesforce/", content=body, timeout=60,
                            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})
        assert answer.status_code == 200 and "<Ack>true</Ack>" in answer.text


def orders_by_reference() -> dict[str, list[dict]]:
    found = defaultdict(list)
    for order in store.all_of("sap", "sales_orders"):
        found[order["PurchaseOrderByCustomer"]].append(order)
    return found


def out_of_order(handoffs: list[Handoff]) -> int:
    """Customers whose SAP orders were not created in the order their deals arrived (handoff id order)."""
    numbers = {ref: int(orders[0]["SalesOrder"]) for ref, orders in orders_by_reference().items()}
    by_customer = defaultdict(list)
    for handoff in sorted(handoffs, key=lambda h: h.pk):
        by_customer[handoff.erp_customer].append(numbers[handoff.erp_reference])
    return sum(1 for sequence in by_customer.values() if sequence != sorted(sequence))


def test_deals_won_during_an_outage_wait_in_order_and_are_created_once_when_sap_returns(world, worker, live_server):
    set_fault("sap", "down")
    opportunities = won_deals(world, 12)
    announce(live_server, opportunities)

    def all_buffered():
        handoffs = list(Handoff.objects.filter(crm_record_id__in=opportunities))
        return len(handoffs) == 12 and all(h.waiting_for_erp_since and h.wait_reason == "erp_down" for h in handoffs)

    wait_for(all_buffered, timeout=120, pump=True, message="every deal to wait for SAP")
    assert ErpAvailability.objects.get(erp_system="sap").state == "down"
    assert Event.objects.filter(event_type="erp_down").count() == 1
    assert Alert.objects.filter(title__contains="unavailable").exists()
    assert not DeadLetter.objects.exists() and not store.all_of("sap", "sales_orders")
    waiting = Handoff.objects.filter(crm_record_id__in=opportunities)
    assert all(h.attempts <= settings.ERP_OUTAGE_THRESHOLD for h in waiting), "buffered deals keep their retries"

    set_fault("sap", "up")
    wait_for(lambda: Handoff.objects.filter(crm_record_id__in=opportunities, state=HandoffState.WRITTEN_BACK).count() == 12,
             timeout=180, pump=True, message="every deal to be written back")
    handoffs = list(Handoff.objects.filter(crm_record_id__in=opportunities))
    orders = orders_by_reference()
    assert all(len(orders[h.erp_reference]) == 1 for h in handoffs), "exactly one order per deal"
    assert len(orders) == 12
    assert out_of_order(handoffs) == 0
    assert ErpAvailability.objects.get(erp_system="sap").state == "up"
    assert Event.objects.filter(event_type="erp_up").exists() and Event.objects.filter(event_type="erp_drained").exists()
    assert all(h.waiting_for_erp_since is None and h.wait_reason == "" for h in handoffs)


def test_200_deals_with_sap_down_for_part_of_the_run_are_all_created_exactly_once_in_order(world, worker, live_server):
    opportunities = won_deals(world, 200)
    announce(live_server, opportunities[:60])  # SAP up: the first deals flow straight through
    wait_for(lambda: Handoff.objects.filter(state=HandoffState.WRITTEN_BACK).count() >= 10, timeout=120, pump=True,
             message="the first deals to go through")
    set_fault("sap", "down")
    announce(live_server, opportunities[60:160])  # won while SAP is down
    wait_for(lambda: ErpAvailability.objects.filter(erp_system="sap", state="down").exists(), timeout=120, pump=True,
             message="the outage to be noticed")
    wait_for(lambda: Handoff.objects.filter(wait_reason="erp_down").count() >= 60, timeout=180, pump=True,
             message="deals to buffer")
    set_fault("sap", "up")
    announce(live_server, opportunities[160:])  # won after SAP returned, while the buffer drains
    wait_for(lambda: Handoff.objects.filter(state=HandoffState.WRITTEN_BACK).count() == 200, timeout=600, pump=True,
             interval=1.0, message="all 200 deals to be written back")

    handoffs = list(Handoff.objects.all())
    orders = orders_by_reference()
    assert len(handoffs) == 200 and len(orders) == 200
    assert all(len(orders[h.erp_reference]) == 1 for h in handoffs), "exactly one order per deal"
    assert out_of_order(handoffs) == 0
    assert not DeadLetter.objects.exists()
    assert Event.objects.filter(event_type="erp_drained").exists()


def test_queue_lag_alert_fires_above_the_threshold_and_clears_below(transactional_db, settings):
    from erp_orders.outage import check_queue_lag
    from tests.factories import HandoffFactory

    settings.ERP_QUEUE_LAG_ALERT_SECONDS = 600
    old = timezone.now() - dt.timedelta(minutes=25)
    waiting = [HandoffFactory(state=HandoffState.RESOLVED, erp_system="sap", waiting_for_erp_since=old, wait_reason="erp_down")
               for _ in range(3)]
    said = check_queue_lag()
    assert len(said) == 1 and "3 handoff(s) wait for SAP S/4HANA" in said[0] and "25 min" in said[0]
    assert check_queue_lag() == [], "the alert fires once, not every minute"
    assert Alert.objects.filter(dedup_key="erp-queue-lag/sap", event_action="trigger").count() == 1

    Handoff.objects.filter(pk__in=[h.pk for h in waiting]).update(waiting_for_erp_since=None, wait_reason="",
                                                                   state=HandoffState.WRITTEN_BACK)
    cleared = check_queue_lag()
    assert len(cleared) == 1 and "back under" in cleared[0]
    assert Alert.objects.filter(dedup_key="erp-queue-lag/sap", event_action="resolve").count() == 1
