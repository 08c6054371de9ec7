"""Missed webhooks: the reconciliation poll asks each CRM for deals won since its cursor and hands in those no
webhook announced — once, however often it runs, and never the deals won before the integration started."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm_sync.models import ReconciliationCursor
from crm_sync.reconciliation import reconcile, reconcile_due
from erp_orders.models import Handoff
from handoff_project.integration.models import Event
from tests.flows.drivers import CRMS, available, crm_driver

pytestmark = pytest.mark.django_db(transaction=True)
LINES = [("Edge Gateway G200", "2", "1250.00", "0")]
LOST = "http://127.0.0.1:9/webhook-that-never-arrives/"


@pytest.fixture
def webhooks_lost(sandbox_urls, settings):
    """Every CRM sandbox sends its webhooks to a port nobody listens on: they are lost."""
    settings.SALESFORCE_OUTBOUND_URL = settings.HUBSPOT_WEBHOOK_URL = settings.PIPEDRIVE_WEBHOOK_URL = LOST
    return sandbox_urls


@pytest.mark.parametrize("crm", available(CRMS))
def test_a_won_deal_whose_webhook_never_arrived_is_handed_in_once(crm, webhooks_lost):
    driver = crm_driver(crm)
    driver.seed()
    ReconciliationCursor.objects.create(crm_system=crm, cursor=timezone.now() - dt.timedelta(minutes=1))
    still_open = driver.create_deal("Globex Industries", LINES, name=f"{crm} open deal")
    won = driver.create_deal("Globex Industries", LINES, name=f"{crm} won deal")
    driver.mark_won(won)

    first = reconcile(crm)
    assert first.recovered == 1
    handoff = Handoff.objects.get(crm_system=crm, crm_record_id=won)
    assert Event.objects.filter(handoff_id=handoff.pk, event_type="handoff_opened",
                                message__contains="found by the reconciliation poll").exists()
    assert not Handoff.objects.filter(crm_system=crm, crm_record_id=still_open).exists(), "an open deal is not won"
    assert reconcile(crm).recovered == 0, "the second poll finds the deal again but opens nothing"
    assert Handoff.objects.filter(crm_system=crm, crm_record_id=won).count() == 1
    cursor = ReconciliationCursor.objects.get(crm_system=crm)
    assert cursor.total_recovered == 1 and cursor.cursor >= first.cursor


def test_the_first_poll_starts_now_and_does_not_hand_off_deals_won_before(webhooks_lost):
    driver = crm_driver("salesforce")
    driver.seed()
    before = driver.create_deal("Globex Industries", LINES, name="won before the integration")
    driver.mark_won(before)
    assert reconcile("salesforce").recovered == 0
    assert not Handoff.objects.exists()


def test_the_schedule_polls_each_enabled_crm_when_due(webhooks_lost, settings):
    settings.RECONCILIATION_MINUTES = 15
    now = timezone.now()
    ran = {r.crm_system for r in reconcile_due(now=now)}
    assert ran == set(available(CRMS))
    assert reconcile_due(now=now + dt.timedelta(minutes=5)) == [], "not due again before 15 minutes"
    assert {r.crm_system for r in reconcile_due(now=now + dt.timedelta(minutes=16))} == ran
