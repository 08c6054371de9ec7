"""Risk-based routing (requirements.md, "Risk-based routing"): each factor's bands, the highest sets the level, reasons."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from crosswalk.models import PaymentTermsMapping
from erp_orders.models import CustomerCredit
from erp_orders.risk import RiskInputs, assess_risk, deal_discount_percent, risk_inputs, terms_category
from handoff_project.integration import canonical as c
from tests.factories import HandoffFactory, order_request

SEED_RULES = {"deal_value": ["50000", "250000"], "discount_percent": ["10", "25"], "credit_days": ["30", "60"]}
CALM = RiskInputs(deal_value=Decimal("12000"), currency="USD", discount_percent=Decimal("0"), days_outstanding=0,
                  terms="standard", terms_text="Net 30", customer="mapped")


def level_of(factor: str, assessment) -> str:
    return next(f.level for f in assessment.factors if f.factor == factor)


@pytest.mark.parametrize("value, level", [
    ("49999.99", "low"), ("50000", "medium"), ("250000", "medium"), ("250000.01", "high"),
])
def test_deal_value_bands_follow_the_seed_table(value, level):
    assessment = assess_risk(dataclasses.replace(CALM, deal_value=Decimal(value)), SEED_RULES)
    assert level_of("deal_value", assessment) == level == assessment.level


@pytest.mark.parametrize("discount, level", [("9.9", "low"), ("10", "medium"), ("25", "medium"), ("25.1", "high")])
def test_discount_bands_follow_the_seed_table(discount, level):
    assert assess_risk(dataclasses.replace(CALM, discount_percent=Decimal(discount)), SEED_RULES).level == level


@pytest.mark.parametrize("days, level", [(None, "low"), (0, "low"), (29, "low"), (30, "medium"), (60, "medium"), (61, "high")])
def test_customer_credit_bands_follow_the_seed_table(days, level):
    assert assess_risk(dataclasses.replace(CALM, days_outstanding=days), SEED_RULES).level == level


@pytest.mark.parametrize("terms, customer, level", [
    ("standard", "mapped", "low"), ("modified", "mapped", "medium"), ("custom", "mapped", "high"),
    ("standard", "unmapped", "medium"), ("standard", "new", "high"),
])
def test_terms_and_customer_factors(terms, customer, level):
    assert assess_risk(dataclasses.replace(CALM, terms=terms, customer=customer), SEED_RULES).level == level


def test_the_highest_factor_sets_the_level_and_says_why():
    inputs = dataclasses.replace(CALM, deal_value=Decimal("76800"), days_outstanding=75)
    assessment = assess_risk(inputs, SEED_RULES)
    assert assessment.level == "high"
    assert [f.factor for f in assessment.deciding] == ["credit"]
    assert assessment.summary() == "high risk: oldest open item 75 days past due is above 60 days"
    assert level_of("deal_value", assessment) == "medium"
    assert next(f for f in assessment.factors if f.factor == "deal_value").reason == (
        "deal value 76,800.00 USD is between 50,000 and 250,000")
    assert [f["factor"] for f in assessment.as_list()] == ["deal_value", "discount", "credit", "terms", "customer"]


def test_thresholds_are_configurable():
    generous = {**SEED_RULES, "deal_value": ["100000", "500000"]}
    acme = dataclasses.replace(CALM, deal_value=Decimal("76800"))
    assert assess_risk(acme, SEED_RULES).level == "medium"
    assert assess_risk(acme, generous).level == "low"


def _line(number, quantity, price, discount="0", list_price=None):
    return c.LineItem(number, f"00k{number}", f"Product {number}", Decimal(quantity), c.Money(price, "USD"),
                      discount_percent=Decimal(discount), list_price=c.Money(list_price, "USD") if list_price else None)


def test_deal_discount_is_weighted_by_value_and_measured_against_list_price():
    deal = c.Deal("salesforce", "006X", "x", c.Party("001X", "X"), lines=(
        _line(1, "1", "45600.00"), _line(2, "25", "960.00", discount="10"),
    ), currency="USD")
    assert deal_discount_percent(deal) == Decimal("3.4")  # 2,400 off 69,600
    below_list = dataclasses.replace(deal, lines=(_line(1, "10", "800.00", discount="10", list_price="1000.00"),))
    assert deal_discount_percent(below_list) == Decimal("28.0")  # sold at 720 against a list price of 1,000


@pytest.mark.django_db
def test_terms_are_standard_modified_or_custom_by_the_terms_crosswalk():
    PaymentTermsMapping.objects.create(crm_terms="Net 30", terms_key="NT30", net_days=30, is_standard=True)
    PaymentTermsMapping.objects.create(crm_terms="Net 75", aliases=["N75"], terms_key="NT75", net_days=75, is_standard=False)
    order = c.from_dict(c.OrderRequest, order_request())

    def deal(text, is_default=False):
        return c.Deal("salesforce", "006X", "x", c.Party("001X", "X"), lines=(), currency="USD",
                      payment_terms=c.Terms(text, is_default) if text is not None else None)

    assert terms_category(deal("Net 30"), dataclasses.replace(order, payment_terms_key="NT30")) == ("standard", "Net 30")
    assert terms_category(deal("n75"), dataclasses.replace(order, payment_terms_key="NT75")) == ("modified", "n75")
    assert terms_category(deal("Net 90 after acceptance, per MSA §4"), dataclasses.replace(order, payment_terms_key="NT30"))[0] == "custom"
    assert terms_category(deal(None), order)[0] == "standard"


@pytest.mark.django_db
def test_risk_inputs_read_the_ar_summary_and_how_the_customer_was_resolved():
    handoff = HandoffFactory(order_request=order_request(), decisions={"customer_origin": "new"})
    CustomerCredit.objects.create(business_partner="17100001", open_amount=Decimal("9000"), days_outstanding=44)
    inputs = risk_inputs(handoff)
    assert (inputs.deal_value, inputs.currency) == (Decimal("13300.00"), "EUR")
    assert inputs.days_outstanding == 44 and inputs.customer == "new"
    assert assess_risk(inputs, SEED_RULES).level == "high"
