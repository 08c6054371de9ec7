"""Risk-based routing (requirements.md, "Risk-based routing"): five factors, each low / medium / high; the highest
factor sets the level.

| Factor          | Low               | Medium                   | High                   |
|-----------------|-------------------|--------------------------|------------------------|
| Deal value      | < 50K             | 50K – 250K               | > 250K                 |
| Discount        | < 10 %            | 10 – 25 %                | > 25 %                 |
| Customer credit | current (< 30 d)  | 30 – 60 days outstanding | > 60 days outstanding  |
| Terms           | standard          | modified                 | custom                 |
| Customer        | existing, mapped  | existing, not mapped     | new                    |

`assess_risk(inputs, rules)` is a pure function: the same inputs and thresholds always give the same level, and every
factor carries a sentence saying why, so a person can see what set the level. `risk_inputs(handoff)` gathers the
inputs from the handoff, the terms crosswalk and the AR summary (`CustomerCredit`). Thresholds come from
settings.HANDOFF_RULES["risk"] (env RISK_*).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings

from handoff_project.integration.canonical import Deal, OrderRequest, from_dict

LOW, MEDIUM, HIGH = "low", "medium", "high"
LEVELS = (LOW, MEDIUM, HIGH)
_RANK = {level: index for index, level in enumerate(LEVELS)}

TERMS_LEVEL = {"standard": LOW, "modified": MEDIUM, "custom": HIGH}
CUSTOMER_LEVEL = {"mapped": LOW, "unmapped": MEDIUM, "new": HIGH}
CUSTOMER_WORDS = {"mapped": "existing customer, mapped", "unmapped": "existing customer, not mapped until a person matched it",
                  "new": "new customer (no business partner existed)"}


@dataclass(frozen=True)
class RiskInputs:
    deal_value: Decimal
    currency: str
    discount_percent: Decimal
    days_outstanding: int | None  # None: no AR summary for the customer (treated as current)
    terms: str  # standard / modified / custom
    terms_text: str
    customer: str  # mapped / unmapped / new


@dataclass(frozen=True)
class RiskFactor:
    factor: str
    label: str
    level: str
    value: str
    reason: str


@dataclass(frozen=True)
class RiskAssessment:
    level: str
    factors: tuple[RiskFactor, ...]

    @property
    def deciding(self) -> tuple[RiskFactor, ...]:
        """The factors at the assessment's level: what a person has to look at."""
        return tuple(f for f in self.factors if f.level == self.level)

    def summary(self) -> str:
        if self.level == LOW:
            return "low risk: every factor is low"
        return f"{self.level} risk: " + "; ".join(f.reason for f in self.deciding)

    def as_list(self) -> list[dict]:
        return [asdict(f) for f in self.factors]


def default_rules() -> dict:
    return settings.HANDOFF_RULES["risk"]


def band(value: Decimal, medium_from: Decimal, high_above: Decimal) -> str:
    """Below `medium_from` → low; above `high_above` → high; in between (both ends included) → medium."""
    if value < medium_from:
        return LOW
    if value > high_above:
        return HIGH
    return MEDIUM


def assess_risk(inputs: RiskInputs, rules: dict) -> RiskAssessment:
    value_from, value_above = (Decimal(str(x)) for x in rules["deal_value"])
    discount_from, discount_above = (Decimal(str(x)) for x in rules["discount_percent"])
    credit_from, credit_above = (Decimal(str(x)) for x in rules["credit_days"])

    value_level = band(inputs.deal_value, value_from, value_above)
    discount_level = band(inputs.discount_percent, discount_from, discount_above)
    days = inputs.days_outstanding
    credit_level = LOW if days is None else band(Decimal(days), credit_from, credit_above)
    money = f"{inputs.deal_value:,.2f} {inputs.currency}"
    factors = (
        RiskFactor("deal_value", "Deal value", value_level, money,
                   _banded_reason(f"deal value {money}", value_level, f"{value_from:,.0f}", f"{value_above:,.0f}")),
        RiskFactor("discount", "Discount", discount_level, f"{inputs.discount_percent:.1f} %",
                   _banded_reason(f"discount {inputs.discount_percent:.1f} % off list", discount_level,
                                  f"{discount_from:g} %", f"{discount_above:g} %")),
        RiskFactor("credit", "Customer credit", credit_level,
                   "no open items on record" if days is None else f"{days} days outstanding",
                   "no AR summary for the customer: treated as current" if days is None else
                   _banded_reason(f"oldest open item {days} days past due", credit_level, f"{credit_from:g} days", f"{credit_above:g} days")),
        RiskFactor("terms", "Terms", TERMS_LEVEL[inputs.terms], f"{inputs.terms_text or 'default'} ({inputs.terms})",
                   f"payment terms {inputs.terms_text or 'default'!r} are {inputs.terms}"),
        RiskFactor("customer", "Customer", CUSTOMER_LEVEL[inputs.customer], inputs.customer, CUSTOMER_WORDS[inputs.customer]),
    )
    level = max((f.level for f in factors), key=_RANK.__getitem__)
    return RiskAssessment(level, factors)


def _banded_reason(subject: str, level: str, medium_from: str, high_above: str) -> str:
    if level == LOW:
        return f"{subject} is below {medium_from}"
    if level == HIGH:
        return f"{subject} is above {high_above}"
    return f"{subject} is between {medium_from} and {high_above}"


# ---- gathering the inputs of one handoff ----------------------------------------------------------------------------


def deal_discount_percent(deal: Deal) -> Decimal:
    """Discount of the whole deal against list price, weighted by line value.

    The list price is the CRM's list price where it has one (a rep may sell below it and also give a discount);
    otherwise the line's unit price, so only the line discount counts.
    """
    list_total = Decimal("0")
    net_total = Decimal("0")
    for line in deal.lines:
        list_price = line.list_price.amount if line.list_price and line.list_price.amount > line.unit_price.amount else line.unit_price.amount
        list_total += line.quantity * list_price
        net_total += line.net_amount
    if list_total <= 0:
        return Decimal("0")
    return ((list_total - net_total) / list_total * 100).quantize(Decimal("0.1"))


def terms_category(deal: Deal, order: OrderRequest, erp_system: str = "sap") -> tuple[str, str]:
    """(category, CRM text): standard / modified by the terms crosswalk's `is_standard`; anything the crosswalk does
    not know by name (a person accepted custom legal terms) is custom."""
    from crosswalk.models import MappingStatus, PaymentTermsMapping

    if deal.payment_terms is None or deal.payment_terms.is_default or not deal.payment_terms.text.strip():
        return "standard", settings.HANDOFF_RULES["default_payment_terms"]
    text = deal.payment_terms.text.strip()
    wanted = text.lower()
    for mapping in PaymentTermsMapping.objects.filter(status=MappingStatus.ACTIVE, terms_key=order.payment_terms_key,
                                                      erp_system=erp_system):
        names = [mapping.crm_terms.lower(), *(str(a).lower() for a in mapping.aliases or [])]
        if wanted in names:
            return ("standard" if mapping.is_standard else "modified"), text
    return "custom", text


def risk_inputs(handoff) -> RiskInputs:
    from .models import CustomerCredit

    deal = from_dict(Deal, handoff.deal)
    order = from_dict(OrderRequest, handoff.order_request)
    credit = CustomerCredit.objects.filter(erp_system=handoff.erp_system, business_partner=order.sold_to).first()
    terms, terms_text = terms_category(deal, order, handoff.erp_system)
    origin = (handoff.decisions or {}).get("customer_origin", "")
    return RiskInputs(
        deal_value=deal.total.amount,
        currency=deal.currency,
        discount_percent=deal_discount_percent(deal),
        days_outstanding=credit.days_outstanding if credit else None,
        terms=terms,
        terms_text=terms_text,
        customer=origin if origin in CUSTOMER_LEVEL else "mapped",
    )
