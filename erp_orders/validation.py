"""Checks against the ERP before anything is pushed: the price the ERP would charge this customer for each material.

A variance above the tolerance (2 % by default) stops the order and goes to the pricing team with both calculations.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from exceptions_queue.models import ExceptionType
from handoff_project.integration.canonical import OrderRequest

from .connectors.base import ERPAdapter
from .resolution import Failure


def price_variance(crm_price: Decimal, erp_price: Decimal) -> Decimal:
    """Relative difference of the CRM price to the ERP price (0.05 = 5 %)."""
    if erp_price == 0:
        return Decimal("0") if crm_price == 0 else Decimal("1")
    return abs(crm_price - erp_price) / erp_price


def price_variance_exceeds_tolerance(variance: Decimal) -> bool:
    return variance > Decimal(str(settings.HANDOFF_RULES["price_variance_tolerance"]))


def check_prices(order: OrderRequest, adapter: ERPAdapter, *, overridden=frozenset(), observed: dict | None = None) -> list[Failure]:
    """Failures for lines whose ERP price differs beyond the tolerance. Fields in `overridden` (a person accepted
    the CRM price with a reason) are not checked; `observed` collects the ERP unit price per line number."""
    failures = []
    for line in order.lines:
        erp = adapter.get_price(
            customer=order.sold_to, material=line.material, quantity=line.quantity, currency=order.currency
        )
        if observed is not None and erp is not None:
            observed[str(line.line_number)] = str(erp.amount)
        if f"lines[{line.line_number}].unit_price" in overridden:
            continue
        if erp is None:
            failures.append(
                Failure(
                    ExceptionType.PRICE_VARIANCE,
                    f"Line {line.line_number}: {adapter.system.upper()} has no price for material {line.material} "
                    f"for customer {order.sold_to} in {order.currency}. Maintain the price in the ERP, then re-queue.",
                    field=f"lines[{line.line_number}].unit_price",
                    detail={"material": line.material, "crm_unit_price": str(line.unit_price.amount)},
                )
            )
            continue
        if erp.currency != line.unit_price.currency:
            failures.append(
                Failure(
                    ExceptionType.PRICE_VARIANCE,
                    f"Line {line.line_number}: the deal is in {line.unit_price.currency} but the ERP prices material "
                    f"{line.material} in {erp.currency}; currency conversion is not configured.",
                    field=f"lines[{line.line_number}].unit_price",
                    detail={"crm_currency": line.unit_price.currency, "erp_currency": erp.currency},
                )
            )
            continue
        variance = price_variance(line.unit_price.amount, erp.amount)
        if price_variance_exceeds_tolerance(variance):
            qty, crm_unit, erp_unit = _plain(line.quantity), _money(line.unit_price.amount), _money(erp.amount)
            crm_total = (line.unit_price.amount * line.quantity).quantize(Decimal("0.01"))
            erp_total = (erp.amount * line.quantity).quantize(Decimal("0.01"))
            failures.append(
                Failure(
                    ExceptionType.PRICE_VARIANCE,
                    f"Line {line.line_number} ({line.description}): the CRM price {line.unit_price} differs from the "
                    f"ERP price {erp} for customer {order.sold_to} by {variance:.1%} (tolerance "
                    f"{settings.HANDOFF_RULES['price_variance_tolerance']:.0%}). CRM: {qty} × {crm_unit} = {crm_total}; "
                    f"ERP: {qty} × {erp_unit} = {erp_total}. "
                    "Correct the price in the CRM or the ERP price list, or override with a reason.",
                    field=f"lines[{line.line_number}].unit_price",
                    detail={
                        "material": line.material,
                        "quantity": str(line.quantity),
                        "crm_unit_price": str(line.unit_price.amount),
                        "erp_unit_price": str(erp.amount),
                        "currency": erp.currency,
                        "crm_total": str(crm_total),
                        "erp_total": str(erp_total),
                        "variance": str(variance.quantize(Decimal("0.0001"))),
                    },
                )
            )
    return failures


def _plain(value: Decimal) -> str:
    """5.0 → "5", 2.50 → "2.5": quantities as a person writes them."""
    return f"{value.normalize():f}"


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}"


def check_minimum_order(order: OrderRequest, total: Decimal, *, overridden=frozenset()) -> list[Failure]:
    """Below the configured minimum order value (MINIMUM_ORDER_VALUE in MINIMUM_ORDER_CURRENCY; 0 = none)."""
    minimum = Decimal(str(settings.MINIMUM_ORDER_VALUE or "0"))
    currency = settings.MINIMUM_ORDER_CURRENCY.upper()
    if minimum <= 0 or "order_value" in overridden or order.currency.upper() != currency or total >= minimum:
        return []
    return [Failure(
        ExceptionType.BELOW_MINIMUM,
        f"The order value {_money(total)} {order.currency} is below the minimum order value of {_money(minimum)} "
        f"{currency}. Add to the deal in the CRM, or override with a reason (e.g. a sample order), then re-queue.",
        field="order_value",
        detail={"order_value": str(total), "minimum": str(minimum), "currency": currency},
    )]


def check_credit(order: OrderRequest, total: Decimal, *, erp_system: str, overridden=frozenset()) -> list[Failure]:
    """Open receivables plus this order above the customer's credit limit (the AR summary, `CustomerCredit`)."""
    from .models import CustomerCredit

    if "credit_limit" in overridden:
        return []
    credit = CustomerCredit.objects.filter(erp_system=erp_system, business_partner=order.sold_to).first()
    if credit is None or credit.credit_limit is None or credit.currency.upper() != order.currency.upper():
        return []  # no limit on record (or in another currency): nothing to check against
    exposure = credit.open_amount + total
    if exposure <= credit.credit_limit:
        return []
    over = exposure - credit.credit_limit
    aging = ", ".join(f"{bucket}: {_money(Decimal(str(amount)))}" for bucket, amount in (credit.aging or {}).items()
                      if Decimal(str(amount or 0)) != 0) or "no open items by age"
    return [Failure(
        ExceptionType.CREDIT_CHECK,
        f"Credit check failed for {credit.customer_name or order.sold_to} ({order.sold_to}): open receivables "
        f"{_money(credit.open_amount)} + this order {_money(total)} = {_money(exposure)} {credit.currency}, above the "
        f"credit limit of {_money(credit.credit_limit)} by {_money(over)}. AR aging: {aging}. Credit management "
        "decides: raise the limit, collect first, or override with a reason.",
        field="credit_limit",
        detail={"open_amount": str(credit.open_amount), "order_value": str(total), "exposure": str(exposure),
                "credit_limit": str(credit.credit_limit), "over_by": str(over), "currency": credit.currency,
                "days_outstanding": credit.days_outstanding, "aging": credit.aging, "open_invoices": credit.open_invoices,
                "strategic_account": credit.strategic_account},
    )]


def unit_costs(order: OrderRequest, adapter: ERPAdapter) -> dict[str, str]:
    """The ERP's unit cost per line number (for the margin approvers see). Best effort: a cost the ERP cannot give
    is left out and logged, never a reason to stop the order."""
    from handoff_project.integration.errors import IntegrationError
    from handoff_project.integration.events import record_event

    costs = {}
    for line in order.lines:
        try:
            cost = adapter.get_unit_cost(material=line.material, currency=order.currency)
        except IntegrationError as exc:
            record_event("erp_cost_unavailable", system=adapter.system,
                         message=f"line {line.line_number}: no cost for {line.material} ({exc}); the margin is not shown")
            continue
        if cost is not None and cost.currency == order.currency.upper():
            costs[str(line.line_number)] = str(cost.amount)
    return costs
