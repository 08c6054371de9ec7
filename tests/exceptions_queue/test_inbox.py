"""The exception inbox per team (filters, search, SLA, assignee, bulk) and the exception detail page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from erp_orders.models import CustomerCredit
from exceptions_queue.inbox import sla_status
from exceptions_queue.models import ExceptionType, HandoffException
from tests.factories import HandoffExceptionFactory, HandoffFactory, UserFactory, order_request

pytestmark = pytest.mark.django_db


def ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-exception="(\d+)"', html)]


def test_sla_status_counts_down_then_is_overdue_then_escalated():
    now = timezone.now()
    exc = HandoffExceptionFactory.build(state="open", escalate_at=now + dt.timedelta(hours=3, minutes=5), escalated_at=None)
    assert (sla_status(exc, now).state, sla_status(exc, now).label) == ("on_time", "escalates in 3 h 05 min")
    assert sla_status(exc, now + dt.timedelta(hours=2, minutes=30)).state == "due_soon"
    assert sla_status(exc, now + dt.timedelta(hours=4)).label == "overdue by 55 min"
    exc.escalated_at, exc.escalation_reason = now, "unresolved after 4 h"
    assert sla_status(exc, now + dt.timedelta(minutes=10)).label == "escalated 10 min ago: unresolved after 4 h"


def test_inbox_tabs_per_team_with_counts_and_a_team_filter(client_as):
    pricing = HandoffExceptionFactory(type=ExceptionType.PRICE_VARIANCE)
    HandoffExceptionFactory.create_batch(2, type=ExceptionType.PRODUCT_NOT_MAPPED)
    client = client_as("viewer")
    html = client.get(reverse("ops:exception-list")).content.decode()
    assert re.search(r'data-team="product_ops"[^>]*>Product ops <span class="count">2<', html)
    assert re.search(r'data-team="pricing"[^>]*>Pricing <span class="count">1<', html)
    assert 'data-team="credit"' in html  # every team of the seed table has its tab, even when empty
    assert ids(client.get(reverse("ops:exception-list"), {"team": "pricing"}).content.decode()) == [pricing.pk]


def test_inbox_filters_by_assignee_search_and_sla(client_as):
    client = client_as("ops")
    mine = HandoffExceptionFactory(assignee=client.user, handoff__deal_name="Globex fleet")
    overdue = HandoffExceptionFactory(escalate_at=timezone.now() - dt.timedelta(minutes=5))
    escalated = HandoffExceptionFactory(escalated_at=timezone.now(), escalation_reason="variance > 10 %")
    url = reverse("ops:exception-list")
    assert ids(client.get(url, {"assignee": "me"}).content.decode()) == [mine.pk]
    assert set(ids(client.get(url, {"assignee": "none"}).content.decode())) == {overdue.pk, escalated.pk}
    assert ids(client.get(url, {"q": "globex"}).content.decode()) == [mine.pk]
    assert ids(client.get(url, {"sla": "overdue"}).content.decode()) == [overdue.pk]
    assert ids(client.get(url, {"sla": "escalated"}).content.decode()) == [escalated.pk]
    # the closest to escalation come first
    assert ids(client.get(url).content.decode())[:2] == [escalated.pk, overdue.pk]


def test_inbox_search_as_you_type_returns_just_the_rows(client_as):
    HandoffExceptionFactory(handoff__deal_name="Initech seats")
    response = client_as("viewer").get(reverse("ops:exception-list"), {"q": "initech"},
                                       HTTP_HX_REQUEST="true", HTTP_HX_TARGET="exception-rows")
    html = response.content.decode()
    assert html.lstrip().startswith('<tbody id="exception-rows">') and "Initech seats" in html


def test_bulk_assign_and_resolve_from_the_inbox(client_as):
    client = client_as("ops")
    teammate = UserFactory(username="noah", roles=["ops"])
    first, second = HandoffExceptionFactory(), HandoffExceptionFactory()
    url = reverse("ops:exception-bulk")
    response = client.post(url, {"ids": [first.pk, second.pk], "operation": "assign", "assignee": teammate.pk}, follow=True)
    assert "2 exceptions assigned to noah." in response.content.decode()
    response = client.post(url, {"ids": [first.pk], "operation": "resolve", "note": "mapped in the admin"}, follow=True)
    assert "1 exception resolved; 1 handoff re-queued." in response.content.decode()
    assert HandoffException.objects.get(pk=first.pk).resolution_note == "mapped in the admin"
    assert client_as("viewer").post(url, {"ids": [second.pk], "operation": "resolve", "note": "x"}).status_code == 403


def test_exception_detail_shows_candidates_with_confidence_and_reasons(client_as):
    exc = HandoffExceptionFactory(detail={"input": "Enterprise License, annual", "candidates": [
        {"key": "TG-ENT-3Y", "label": "Enterprise License, 3 years", "confidence": 0.71, "reason": "fuzzy name"},
        {"key": "TG-ENT-1Y", "label": "Enterprise License, 1 year", "confidence": 0.88, "reason": "fuzzy name; same code prefix"},
    ]})
    html = client_as("master_data").get(reverse("ops:exception-detail", args=[exc.pk])).content.decode()
    assert html.index("TG-ENT-1Y") < html.index("TG-ENT-3Y")  # nearest first
    assert "88 %" in html and "fuzzy name; same code prefix" in html
    assert "Resolve with this choice" in html and "Correct and re-run" not in html


def test_pricing_exception_shows_both_calculations_and_the_ar_aging(client_as):
    handoff = HandoffFactory(state="exception", order_request=order_request())
    CustomerCredit.objects.create(business_partner="17100001", customer_name="ACME Corporation", open_amount="9450.00",
                                  days_outstanding=38, aging={"current": "0", "31-60": "9450.00"})
    exc = HandoffExceptionFactory(handoff=handoff, type=ExceptionType.PRICE_VARIANCE, field="lines[2].unit_price", detail={
        "material": "SV-ONB", "quantity": "2", "crm_unit_price": "950.00", "erp_unit_price": "900.00", "currency": "EUR", "variance": "0.0556"})
    html = client_as("ops").get(reverse("ops:exception-detail", args=[exc.pk])).content.decode()
    assert "1,900.00 EUR" in html and "1,800.00 EUR" in html and "100.00 EUR" in html  # CRM, ERP, difference
    assert "5.6 %" in html
    assert "38 days past due" in html and "9,450.00" in html
    assert 'name="value:lines[2].unit_price" value="900.00"' in html  # the correction proposes the ERP price
    assert "Override and re-run" in html


def test_an_exception_without_a_handoff_is_listed_and_shown(client_as):
    """Supplier-invoice exceptions (payables) share the queue and have no handoff."""
    exc = HandoffExceptionFactory(handoff=None, type=ExceptionType.INVOICE_PRICE_VARIANCE, field="lines[1].price")
    client = client_as("ops")
    assert exc.pk in ids(client.get(reverse("ops:exception-list"), {"team": "procurement"}).content.decode())
    html = client.get(reverse("ops:exception-detail", args=[exc.pk])).content.decode()
    assert "Invoice price variance" in html
