"""Deal won in Salesforce → one SAP sales order, end to end: live sandboxes, the webhook, a real django-q2 worker."""

from __future__ import annotations

import threading
from decimal import Decimal

import httpx
import pytest
from django.conf import settings

from crm_sync.connectors.salesforce.outbound import build_outbound_message
from erp_orders.models import Handoff, HandoffState, WritebackStatus
from exceptions_queue.models import Alert, DeadLetter, HandoffException
from handoff_project.integration.models import Event, InboundEvent
from handoff_project.sandbox.faults import set_fault
from tests.conftest import wait_for

from .world import create_opportunity, handoff_for, mark_won, sap_orders, sf_opportunity

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

GOOD_LINES = [("Enterprise Platform License (Annual)", "1", "45600.00", "0"), ("Pro Seat - Annual Subscription", "25", "960.00", "10")]


@pytest.fixture(autouse=True)
def no_intervention_window(settings):
    """These deals walk the whole pipeline without a person: Acme's $67K deal is medium risk by value (the seed
    table), so the intervention window is set to zero here; tests/flows/test_approvals.py covers the window."""
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 0


def settled(crm_id):
    def check():
        h = handoff_for(crm_id)
        if h and h.state in (HandoffState.WRITTEN_BACK, HandoffState.EXCEPTION, HandoffState.DEAD):
            return h
        if h and h.state == HandoffState.CREATED and h.writeback_status == WritebackStatus.FAILED:
            return h
        return None

    return check


def test_deal_marked_won_becomes_one_sap_order_written_back_to_the_opportunity(world, worker):
    opp = create_opportunity(world, "Acme Corp", GOOD_LINES, terms="Net 30")
    mark_won(world, opp)

    handoff = wait_for(settled(opp), timeout=90, message="handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, worker.log()
    orders = sap_orders(reference=f"SF-{opp}")
    assert len(orders) == 1 and orders[0]["SalesOrder"] == handoff.erp_order_number
    assert orders[0]["SoldToParty"] == "17100001" and orders[0]["CustomerPaymentTerms"] == "NT30"
    assert sf_opportunity(opp)["ERP_Order_Number__c"] == handoff.erp_order_number

    walked = list(handoff.history.order_by("history_date").values_list("state", flat=True))
    for state in ("received", "resolved", "validated", "created", "written_back"):
        assert state in walked
    assert handoff.order_request["lines"][1]["material"] == "SW-SEAT-PRO"
    assert {e.event_type for e in Event.objects.filter(handoff_id=handoff.pk)} >= {"handoff_opened", "deal_fetched", "state_changed", "http"}
    resolutions = {(r.kind, r.output) for r in __import__("crosswalk.models", fromlist=["x"]).TransformationLog.objects.filter(handoff_id=handoff.pk)}
    assert ("customer", "17100001") in resolutions and ("product", "SW-PLAT-ENT") in resolutions and ("payment_terms", "NT30") in resolutions


def test_same_outbound_message_delivered_three_times_and_twice_concurrently_creates_one_order(world, worker, live_server):
    opp = create_opportunity(world, "Globex Industries", [("Edge Gateway G200", "4", "1250.00", "0")], terms="Net 45")
    body = build_outbound_message(settings.SALESFORCE_ORGANIZATION_ID, "04k000000000001AAA", "Opportunity",
                                  [{"Id": opp, "StageName": "Closed Won", "IsWon": True, "Name": "Globex"}])
    url = f"{live_server.url}/webhooks/salesforce/"
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
    for _ in range(3):
        assert "<Ack>true</Ack>" in httpx.post(url, content=body, headers=headers).text
    # and a different message about the same deal, twice at the same moment
    other = build_outbound_message(settings.SALESFORCE_ORGANIZATION_ID, "04k000000000001AAA", "Opportunity",
                                   [{"Id": opp, "StageName": "Closed Won", "IsWon": True, "Name": "Globex"}])
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(httpx.post(url, content=other, headers=headers))) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert [a.status_code for a in answers] == [200, 200]

    handoff = wait_for(settled(opp), timeout=90, message="handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, worker.log()
    assert len(sap_orders(reference=f"SF-{opp}")) == 1
    assert Handoff.objects.filter(crm_record_id=opp).count() == 1
    assert InboundEvent.objects.filter(system="salesforce").count() == 2
    assert InboundEvent.objects.get(dedup_key__isnull=False, deliveries=3)


def test_lost_sap_response_still_yields_exactly_one_order(world, worker):
    set_fault("sap", "lose_response", how="gateway", count=1)
    opp = create_opportunity(world, "Acme Corp", GOOD_LINES)
    mark_won(world, opp)
    handoff = wait_for(settled(opp), timeout=120, pump=True, message="handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, worker.log()
    assert len(sap_orders(reference=f"SF-{opp}")) == 1
    assert Event.objects.filter(handoff_id=handoff.pk, event_type="erp_order_found").exists()
    assert Event.objects.filter(handoff_id=handoff.pk, outcome="retry_scheduled").exists()


@pytest.fixture
def one_handoff_failing(settings):
    """One handoff's retries, not an outage of SAP as a whole: the outage breaker (tests/flows/test_erp_outage.py)
    would otherwise take over after ERP_OUTAGE_THRESHOLD failures in a row and buffer the handoff instead."""
    settings.ERP_OUTAGE_THRESHOLD = 1000


def test_sap_down_is_retried_on_the_schedule_and_completes_when_sap_is_back(world, one_handoff_failing, worker):
    set_fault("sap", "down")
    opp = create_opportunity(world, "Acme Corp", GOOD_LINES)
    mark_won(world, opp)
    wait_for(lambda: Event.objects.filter(crm_record_id=opp, outcome="retry_scheduled").count() >= 2,
             timeout=120, pump=True, message="two scheduled retries")
    handoff = handoff_for(opp)
    assert handoff.state in (HandoffState.RESOLVED, HandoffState.VALIDATED, HandoffState.PUSHING)
    assert handoff.attempts >= 2 and handoff.next_attempt_at is not None
    assert sap_orders(reference=f"SF-{opp}") == []

    set_fault("sap", "up")
    handoff = wait_for(settled(opp), timeout=120, pump=True, message="handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, worker.log()
    assert len(sap_orders(reference=f"SF-{opp}")) == 1


def test_sap_down_through_every_retry_dead_letters_with_an_alert(world, one_handoff_failing, worker, settings):
    set_fault("sap", "down")
    opp = create_opportunity(world, "Acme Corp", GOOD_LINES)
    mark_won(world, opp)
    handoff = wait_for(settled(opp), timeout=180, pump=True, message="handoff to dead-letter")
    assert handoff.state == HandoffState.DEAD
    letter = DeadLetter.objects.get(handoff=handoff)
    assert letter.retries_exhausted and "re-queue" in letter.recommended_resolution
    assert Alert.objects.filter(handoff=handoff).exists()
    assert Event.objects.filter(handoff_id=handoff.pk, outcome="retry_scheduled").count() == len(settings.HANDOFF_RETRY_DELAYS)


def test_deal_whose_line_3_of_5_cannot_be_mapped_creates_nothing_in_sap(world, worker):
    lines = [
        ("Pro Seat - Annual Subscription", "10", "960.00", "0"),
        ("Onboarding Package", "1", "7500.00", "0"),
        ("Custom Integration Workshop", "1", "12000.00", "0"),
        ("Remote Training Day", "2", "1800.00", "0"),
        ("Premium Support 24x7", "1", "9600.00", "0"),
    ]
    opp = create_opportunity(world, "Initech GmbH", lines)
    mark_won(world, opp)
    handoff = wait_for(settled(opp), timeout=90, message="handoff to settle")
    assert handoff.state == HandoffState.EXCEPTION
    exc = HandoffException.objects.get(handoff=handoff)
    assert exc.type == "product_not_mapped" and exc.team == "product_ops" and exc.field == "lines[3].product"
    assert "Custom Integration Workshop" in exc.message
    assert sap_orders(reference=f"SF-{opp}") == []


def test_price_five_percent_above_sap_lands_with_the_pricing_team_and_both_calculations(world, worker):
    opp = create_opportunity(world, "Umbrella Health Ltd", [("Remote Training Day", "5", "1890.00", "0")])
    mark_won(world, opp)
    handoff = wait_for(settled(opp), timeout=90, message="handoff to settle")
    assert handoff.state == HandoffState.EXCEPTION
    exc = HandoffException.objects.get(handoff=handoff)
    assert (exc.type, exc.team) == ("price_variance", "pricing")
    assert Decimal(exc.detail["crm_unit_price"]) == Decimal("1890") and Decimal(exc.detail["erp_unit_price"]) == Decimal("1800")
    assert "5.0%" in exc.message
    assert sap_orders(reference=f"SF-{opp}") == []


def test_failed_writeback_flags_the_handoff_and_alerts_ops(world, worker):
    from crm_sync.connectors.salesforce.sandbox_records import update_record

    opp = create_opportunity(world, "Acme Corp", GOOD_LINES)
    set_fault("salesforce", "down", status=503, only_modifying=True)  # reads work, every write fails
    update_record("Opportunity", opp, {"StageName": "Closed Won"})  # the rep's click, inside Salesforce
    handoff = wait_for(settled(opp), timeout=180, pump=True, message="writeback to fail")
    assert handoff.state == HandoffState.CREATED, worker.log()
    assert handoff.flagged and handoff.writeback_status == WritebackStatus.FAILED
    assert len(sap_orders(reference=f"SF-{opp}")) == 1
    assert HandoffException.objects.filter(handoff=handoff, type="writeback_failed", state="open").exists()
    assert Alert.objects.filter(handoff=handoff, title__startswith="Writeback failed").exists()


def test_no_secret_reaches_the_event_log_or_the_raw_store(world, worker, settings):
    import base64
    import json

    opp = create_opportunity(world, "Acme Corp", GOOD_LINES)
    mark_won(world, opp)
    wait_for(settled(opp), timeout=90, message="handoff to settle")
    tokens = [r["data"].get("access_token") for r in __import__("handoff_project.sandbox.models", fromlist=["x"]).SandboxRecord.objects.filter(system="salesforce").values("data") if isinstance(r["data"], dict)]
    secrets = [
        settings.SALESFORCE_CLIENT_SECRET,
        settings.SAP_PASSWORD,
        base64.b64encode(f"{settings.SAP_USER}:{settings.SAP_PASSWORD}".encode()).decode(),
        *[t for t in tokens if t],
    ]
    stored = []
    for e in Event.objects.all():
        stored += [e.request_body, e.body, e.endpoint, e.message, json.dumps(e.data)]
    for i in InboundEvent.objects.all():
        stored += [i.body, json.dumps(i.headers)]
    blob = "\n".join(stored)
    assert Event.objects.filter(system="salesforce", endpoint__contains="oauth2/token").exists()
    for secret in secrets:
        assert secret not in blob
    assert "Bearer " not in blob.replace("Bearer [REDACTED]", "")
    assert '"access_token": "[REDACTED]"' in blob or '"access_token":"[REDACTED]"' in blob


def test_exception_fixed_in_the_crosswalk_and_requeued_completes(world, worker, django_user_model):
    from crosswalk.models import ProductMapping
    from erp_orders.services import requeue_handoff

    opp = create_opportunity(world, "Initech GmbH", [("Custom Integration Workshop", "1", "1800.00", "0")])
    mark_won(world, opp)
    handoff = wait_for(settled(opp), timeout=90, message="exception")
    assert handoff.state == HandoffState.EXCEPTION
    ProductMapping.objects.create(crm_product_name="Custom Integration Workshop", material="SV-TRN-DAY", material_group="SV01", unit="EA")
    user = django_user_model.objects.create_user("opsperson")
    requeue_handoff(handoff_id=handoff.pk, user=user, note="mapped the workshop to training days")

    handoff = wait_for(lambda: (h := handoff_for(opp)).state == HandoffState.WRITTEN_BACK and h, timeout=90, message="written back")
    assert len(sap_orders(reference=f"SF-{opp}")) == 1
    exc = HandoffException.objects.get(handoff=handoff)
    assert exc.state == "resolved" and exc.resolved_by == user
    assert Event.objects.filter(handoff_id=handoff.pk, event_type="requeued", message__contains="opsperson").exists()


def test_dead_letter_requeued_after_the_outage_creates_the_order_once(world, one_handoff_failing, worker):
    from erp_orders.services import requeue_handoff

    set_fault("sap", "down")
    opp = create_opportunity(world, "Acme Corp", GOOD_LINES)
    mark_won(world, opp)
    handoff = wait_for(settled(opp), timeout=180, pump=True, message="dead letter")
    assert handoff.state == HandoffState.DEAD
    set_fault("sap", "up")
    requeue_handoff(handoff_id=handoff.pk)
    wait_for(lambda: handoff_for(opp).state == HandoffState.WRITTEN_BACK, timeout=90, message="written back")
    assert len(sap_orders(reference=f"SF-{opp}")) == 1
    assert DeadLetter.objects.get(handoff=handoff).state == "requeued"
