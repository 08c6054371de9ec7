"""The one retry policy: transient errors retry on the schedule, then dead-letter; permanent errors at once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from handoff_project.integration.canonical import Deal, LineItem, Money, Party, from_dict, to_dict
from handoff_project.integration.errors import RemoteValidationError, TransientError
from handoff_project.integration.models import Event
from handoff_project.integration.steps import StepStatus, retry_delay, run_step

pytestmark = pytest.mark.django_db


def test_default_schedule_is_30s_2min_10min_1h_4h_then_nothing(settings):
    settings.HANDOFF_RETRY_DELAYS = [30, 120, 600, 3600, 14400]
    assert [retry_delay(n) for n in range(1, 7)] == [30, 120, 600, 3600, 14400, None]


def test_transient_error_schedules_a_retry_and_logs_it(settings):
    settings.HANDOFF_RETRY_DELAYS = [30, 120, 600, 3600, 14400]

    def fails():
        raise TransientError("SAP answered HTTP 503", system="sap", http_status=503)

    before = timezone.now()
    result = run_step("push", fails, attempt=2)
    assert result.status is StepStatus.RETRY
    assert before + dt.timedelta(seconds=119) < result.retry_at < before + dt.timedelta(seconds=125)
    event = Event.objects.get(event_type="push")
    assert event.outcome == "retry_scheduled" and event.data["retry_in_s"] == 120


def test_transient_error_after_the_last_delay_dead_letters(settings):
    settings.HANDOFF_RETRY_DELAYS = [1, 1, 1, 1, 1]

    def fails():
        raise TransientError("timeout", system="sap")

    result = run_step("push", fails, attempt=6)
    assert result.status is StepStatus.DEAD and result.exhausted
    assert Event.objects.get(event_type="push").outcome == "dead_lettered"


def test_permanent_error_dead_letters_at_once_with_vendor_code_kept():
    def fails():
        raise RemoteValidationError("payment terms ZB99 do not exist", system="sap", vendor_code="V1/123", http_status=400)

    result = run_step("push", fails, attempt=1)
    assert result.status is StepStatus.DEAD and not result.exhausted
    event = Event.objects.get(event_type="push")
    assert event.outcome == "erp_error" and event.data["vendor_code"] == "V1/123"


def test_success_returns_the_value():
    assert run_step("x", lambda: 7, attempt=1).value == 7


def test_canonical_deal_round_trips_through_json_without_floats():
    deal = Deal(
        crm_system="salesforce", crm_id="006A", name="Deal", currency="USD",
        account=Party(crm_id="001A", name="Acme"), closed_on=dt.date(2026, 11, 24),
        lines=(LineItem(1, "00kA", "Seat", Decimal("2"), Money(Decimal("10.10"), "USD"), discount_percent=Decimal("10")),),
    )
    data = to_dict(deal)
    assert data["lines"][0]["unit_price"]["amount"] == "10.10"
    assert from_dict(Deal, data) == deal
    assert deal.total == Money(Decimal("18.18"), "USD")


def test_money_refuses_floats_and_bad_currencies():
    with pytest.raises(TypeError):
        Money(1.5, "USD")
    with pytest.raises(ValueError):
        Money(Decimal("1"), "US")
