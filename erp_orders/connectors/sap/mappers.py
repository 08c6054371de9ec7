"""Canonical ↔ SAP S/4HANA payloads, as pure functions (no HTTP, no settings, no database).

What goes to SAP (API_SALES_ORDER_SRV, OData V2, JSON verbose format):
  * one `A_SalesOrder` deep insert: header, `to_Partner` (WE ship-to, AP contact person), `to_Item` with per-item
    `to_PricingElement` (the agreed unit price as a PR00 condition, the deal's discount as a K007 condition);
  * every Edm.Decimal as a string, never a float; Edm.DateTime as `/Date(<ms since epoch, UTC>)/`;
  * identifiers longer than SAP's field (MaxLength in $metadata) are refused, never cut: a cut idempotency reference
    or material number would silently point at something else. Only free text (item text) is shortened.

Two choices that follow the real $metadata rather than a wish list:
  * Discounts: K007 is a percentage condition. SAP documents the rate of a percentage discount as "the value of a
    percentage; if the condition is a discount the system automatically enters a minus sign", and reads it back
    negative; we send it already signed (5 % → "-5") so what we send is what SAP stores and returns.
  * Tax: `TaxCode` on A_SalesOrderItemPrElement is `sap:creatable="false"` — SAP determines the tax code (MWSKZ) in
    pricing from the customer's and the material's tax classifications. So we send the material tax class as
    `ProductTaxClassification1` and do not send a tax code.

What comes back: `created_order_from_response` reads a `{"d": {...}}` A_SalesOrder (the 201 of a deep insert or a
GET), `odata_error` reads SAP Gateway's error body, `price_from_condition_validities` reads the pricing API.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from handoff_project.integration.canonical import CreatedOrder, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import PermanentError

SYSTEM = "sap"
PRICE_CONDITION = "PR00"  # S/4HANA's newer pricing procedures call it PPR0; PR00 is the classic price condition
DISCOUNT_CONDITION = "K007"  # customer discount, percentage
SHIP_TO = "WE"
CONTACT_PERSON = "AP"

# MaxLength of the A_SalesOrderType / A_SalesOrderItemType properties we fill (from $metadata).
MAX_LENGTH = {
    "SoldToParty": 10,
    "Customer": 10,
    "ContactPerson": 10,
    "PurchaseOrderByCustomer": 35,
    "CustomerPaymentTerms": 4,
    "TransactionCurrency": 5,
    "ReferenceSDDocument": 10,
    "Material": 40,
    "RequestedQuantityUnit": 3,
    "SalesOrderItemText": 40,
    "ProductTaxClassification1": 1,
}

_ODATA_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<offset>[+-]\d{4})?\)/$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


# ---- OData V2 values ---------------------------------------------------------------------------------------------


def format_odata_date(value: dt.date | dt.datetime) -> str:
    """Edm.DateTime as SAP writes it: `/Date(ms)/`, ms since 1970-01-01 UTC; a date is midnight UTC."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware datetime or a date")
        moment = value.astimezone(dt.timezone.utc)
    else:
        moment = dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    delta = moment - _EPOCH
    return f"/Date({delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000})/"


def parse_odata_datetime(value: str | None) -> dt.datetime | None:
    """`/Date(ms)/` or Edm.DateTimeOffset's `/Date(ms+0000)/` → an aware UTC datetime; None for null or ""."""
    if not value:
        return None
    match = _ODATA_DATE.match(value.strip())
    if not match:
        raise ValueError(f"not an OData V2 date: {value!r}")
    # The offset only says which zone the value was entered in; the milliseconds are UTC either way.
    return _EPOCH + dt.timedelta(milliseconds=int(match["ms"]))


def parse_odata_date(value: str | None) -> dt.date | None:
    moment = parse_odata_datetime(value)
    return moment.date() if moment else None


def odata_datetime_literal(value: dt.date) -> str:
    """A $filter literal for an Edm.DateTime property: datetime'2024-05-01T00:00:00'."""
    return f"datetime'{value.isoformat()}T00:00:00'"


def odata_string_literal(value: str) -> str:
    """A $filter string literal; OData escapes a quote by doubling it."""
    return "'" + value.replace("'", "''") + "'"


def decimal_string(value: Decimal | int | str) -> str:
    """Edm.Decimal travels as a JSON string in plain notation ("1E+2" would be refused by SAP)."""
    if isinstance(value, float):
        raise TypeError("decimals for SAP never come from a float")
    return format(Decimal(value), "f")


def to_decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {value!r}") from exc


# ---- canonical → SAP ---------------------------------------------------------------------------------------------


def order_to_deep_insert(order: OrderRequest, sales_area: dict) -> dict:
    """One A_SalesOrder deep insert (header, partners, items with pricing) for `order` in `sales_area`.

    `sales_area` holds SalesOrderType, SalesOrganization, DistributionChannel, OrganizationDivision (settings.SAP_SALES_ORG).
    """
    if not order.lines:
        raise PermanentError(
            f"Order {order.reference} has no lines; SAP needs at least one item. Add products to the deal, then re-queue.",
            system=SYSTEM,
        )
    body = {
        "SalesOrderType": sales_area["SalesOrderType"],
        "SalesOrganization": sales_area["SalesOrganization"],
        "DistributionChannel": sales_area["DistributionChannel"],
        "OrganizationDivision": sales_area["OrganizationDivision"],
        "SoldToParty": _identifier("SoldToParty", order.sold_to, order),
        "PurchaseOrderByCustomer": _identifier("PurchaseOrderByCustomer", order.reference, order),
        "TransactionCurrency": _identifier("TransactionCurrency", order.currency, order),
    }
    if order.payment_terms_key:
        body["CustomerPaymentTerms"] = _identifier("CustomerPaymentTerms", order.payment_terms_key, order)
    if order.requested_delivery_date:
        body["RequestedDeliveryDate"] = format_odata_date(order.requested_delivery_date)
    if order.contract_reference:
        body["ReferenceSDDocument"] = _identifier("ReferenceSDDocument", order.contract_reference, order)

    partners = []
    if order.ship_to:
        partners.append({"PartnerFunction": SHIP_TO, "Customer": _identifier("Customer", order.ship_to, order)})
    if order.contact_person:
        partners.append(
            {"PartnerFunction": CONTACT_PERSON, "ContactPerson": _identifier("ContactPerson", order.contact_person, order)}
        )
    if partners:
        body["to_Partner"] = {"results": partners}
    body["to_Item"] = {
        "results": [_item(line, item_number=str(10 * position), order=order) for position, line in enumerate(order.lines, 1)]
    }
    return body


def _item(line: OrderLine, *, item_number: str, order: OrderRequest) -> dict:
    if line.quantity <= 0:
        raise PermanentError(
            f"Line {line.line_number} ({line.description}) has quantity {line.quantity}; SAP needs a positive quantity. "
            "Fix the quantity on the deal, then re-queue.",
            system=SYSTEM,
        )
    item = {
        "SalesOrderItem": item_number,
        "Material": _identifier("Material", line.material, order),
        "RequestedQuantity": decimal_string(line.quantity),
    }
    if line.unit:
        item["RequestedQuantityUnit"] = _identifier("RequestedQuantityUnit", line.unit, order)
    if line.description:
        item["SalesOrderItemText"] = line.description[: MAX_LENGTH["SalesOrderItemText"]]
    if line.material_tax_class:
        item["ProductTaxClassification1"] = _identifier("ProductTaxClassification1", line.material_tax_class, order)
    item["to_PricingElement"] = {"results": pricing_elements(line)}
    return item


def pricing_elements(line: OrderLine) -> list[dict]:
    """The agreed unit price (PR00, per 1 unit) and, when the deal has one, the discount (K007, signed percentage)."""
    price = {
        "ConditionType": PRICE_CONDITION,
        "ConditionRateValue": decimal_string(line.unit_price.amount),
        "ConditionCurrency": line.unit_price.currency,
        "ConditionQuantity": "1",
    }
    if line.unit:
        price["ConditionQuantityUnit"] = line.unit
    elements = [price]
    if line.discount_percent and line.discount_percent > 0:
        elements.append({"ConditionType": DISCOUNT_CONDITION, "ConditionRateValue": decimal_string(-line.discount_percent)})
    return elements


def _identifier(field: str, value: str, order: OrderRequest) -> str:
    value = (value or "").strip()
    limit = MAX_LENGTH[field]
    if len(value) > limit:
        raise PermanentError(
            f"Order {order.reference}: {field} {value!r} has {len(value)} characters, SAP takes at most {limit}. "
            "Fix the crosswalk entry that produced it, then re-queue.",
            system=SYSTEM,
            detail={"field": field, "value": value, "max_length": limit},
        )
    return value


# ---- SAP → canonical ---------------------------------------------------------------------------------------------


def entity(payload: dict) -> dict:
    """The entity inside an OData V2 single-entity answer `{"d": {...}}`."""
    if not isinstance(payload, dict) or not isinstance(payload.get("d"), dict):
        raise ValueError("not an OData V2 entity answer (no 'd' object)")
    return payload["d"]


def results(payload: dict) -> list[dict]:
    """The entities of an OData V2 collection answer `{"d": {"results": [...]}}` (also accepts a bare `d` list)."""
    data = payload.get("d") if isinstance(payload, dict) else None
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return data["results"]
    raise ValueError("not an OData V2 collection answer (no 'd.results' list)")


def created_order_from_response(payload: dict, *, found_existing: bool = False) -> CreatedOrder:
    """An A_SalesOrder `{"d": {...}}` (201 of a deep insert, or a GET) → CreatedOrder."""
    return created_order_from_entity(entity(payload), found_existing=found_existing)


def created_order_from_entity(order: dict, *, found_existing: bool = False) -> CreatedOrder:
    number = (order.get("SalesOrder") or "").strip()
    if not number:
        raise ValueError("SAP's answer carries no SalesOrder number")
    total = None
    amount, currency = to_decimal(order.get("TotalNetAmount")), (order.get("TransactionCurrency") or "").strip()
    if amount is not None and len(currency) == 3:
        total = Money(amount, currency)
    return CreatedOrder(
        order_number=number,
        reference=order.get("PurchaseOrderByCustomer") or "",
        total=total,
        found_existing=found_existing,
    )


def odata_error(payload) -> tuple[str, str, list[dict]]:
    """SAP Gateway's error body → (code, message, errordetails); ("", "", []) when it is not one."""
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), dict):
        return "", "", []
    error = payload["error"]
    message = error.get("message")
    text = message.get("value", "") if isinstance(message, dict) else str(message or "")
    inner = error.get("innererror") if isinstance(error.get("innererror"), dict) else {}
    details = [d for d in inner.get("errordetails") or [] if isinstance(d, dict)]
    return str(error.get("code") or ""), text.strip(), details


def price_from_condition_validities(
    validities: list[dict], *, customer: str, currency: str
) -> Money | None:
    """The unit price from A_SlsPrcgCndnRecdValidity rows expanded with `to_SlsPrcgConditionRecord`.

    Like SAP's access sequence for PR00: a customer-specific record wins over the material's general one (Customer
    empty). Among equals, a record in the requested currency wins. The rate is per `ConditionQuantity` units.
    """
    candidates = []
    for validity in validities:
        record = validity.get("to_SlsPrcgConditionRecord") or {}
        if record.get("ConditionIsDeleted"):
            continue
        rate = to_decimal(record.get("ConditionRateValue"))
        rate_currency = (record.get("ConditionCurrency") or record.get("ConditionRateValueUnit") or "").strip()
        if rate is None or len(rate_currency) != 3 or not rate_currency.isalpha():
            continue  # a percentage or a record without a rate is no price
        per = to_decimal(record.get("ConditionQuantity")) or Decimal(1)
        record_customer = (validity.get("Customer") or "").strip()
        if record_customer and record_customer != customer:
            continue
        rank = (0 if record_customer else 1, 0 if rate_currency == currency.upper() else 1)
        candidates.append((rank, Money(rate / per, rate_currency)))
    if not candidates:
        return None
    candidates.sort(key=lambda pair: pair[0])
    return candidates[0][1]


def cost_from_valuations(valuations: list[dict], *, currency: str) -> Money | None:
    """The unit cost from A_ProductValuation rows: StandardPrice (procedure S) or MovingAveragePrice (V), per
    PriceUnitQty units, in the first valuation area that prices in `currency`."""
    for valuation in valuations:
        if (valuation.get("Currency") or "").strip().upper() != currency.upper():
            continue
        field = "MovingAveragePrice" if valuation.get("InventoryValuationProcedure") == "V" else "StandardPrice"
        price, per = to_decimal(valuation.get(field)), to_decimal(valuation.get("PriceUnitQty")) or Decimal(1)
        if price is not None and price > 0:
            return Money(price / per, currency.upper())
    return None
