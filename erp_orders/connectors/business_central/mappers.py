"""Canonical ↔ Business Central API v2.0 payloads, as pure functions (no HTTP, no settings, no database).

What goes to Business Central (OData v4 JSON, the standard API v2.0 at .../api/v2.0/companies({id})/):
  * one `salesOrders` header: `customerNumber` (BC accepts the customer number instead of its GUID, so no lookup),
    `externalDocumentNumber` (our idempotency reference, Text[35]), `currencyCode`, `paymentTermsId` (the API takes
    the GUID only, so the adapter looks the terms code up first), `requestedDeliveryDate`, the ship-to address;
  * one `salesOrderLines` record per line: `lineType: "Item"`, `lineObjectNumber` (the item number, again no GUID
    lookup), `quantity`, `unitOfMeasureCode`, `unitPrice`, `discountPercent`, `taxCode` (the tax group code);
  * decimals as JSON numbers written from the Decimal's own digits (`encode_json`), never through a float, and
    answers read back with `parse_float=Decimal` (`decode_json`).

Fields the v2.0 salesOrder does not have, and so are not sent: a contact person number and a "your reference" memo
(the deal name); a ship-to *customer* (BC keeps ship-to addresses under the sell-to customer; we send the address).

While lines are still being added the header carries the reference with `PENDING_MARK` appended ("SF-006…~"); the
adapter writes the plain reference only once every line is in (see adapter.py). A lookup by reference therefore
never finds a half-built order, and `is_pending_reference` tells the clean-up which orders are leftovers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation

from handoff_project.integration.canonical import CreatedOrder, Money, OrderLine, OrderRequest

EXTERNAL_DOCUMENT_NUMBER_LENGTH = 35  # Sales Header "External Document No.", Text[35]
PENDING_MARK = "~"  # appended to the reference while the order is incomplete
EMPTY_DATE = "0001-01-01"  # how BC writes a date that is not set
ITEM_LINE = "Item"

_DECIMAL_TOKEN = "\u0000decimal:"
_DECIMAL_STRING = re.compile(r'"\\u0000decimal:(-?[0-9.]+(?:E[+-]?[0-9]+)?)"')
_CORRELATION = re.compile(r"\s*CorrelationId:\s*(?P<id>[0-9a-fA-F-]+)\.?\s*$")
_NUMBER_PARTS = re.compile(r"(\d+)")


# ---- JSON with exact decimals ----------------------------------------------------------------------------------------


def encode_json(data) -> str:
    """JSON text with every Decimal written as a JSON number of exactly its digits (12, 1397.30, 0.5)."""

    def default(value):
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(f"cannot send {value} to Business Central")
            return _DECIMAL_TOKEN + format(value, "f")
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    text = json.dumps(data, default=default, ensure_ascii=False)
    return _DECIMAL_STRING.sub(lambda m: m.group(1), text)


def decode_json(text: str | bytes):
    """JSON with numbers that have a fraction read as Decimal (integers stay int)."""
    return json.loads(text, parse_float=Decimal)


def to_decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# ---- OData v4 --------------------------------------------------------------------------------------------------------


def odata_string_literal(value: str) -> str:
    """'O''Brien' — an OData v4 string literal, single quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def equals_filter(**conditions: str) -> str:
    """`$filter` text of equalities joined by `and` (the only form the connector needs)."""
    return " and ".join(f"{name} eq {odata_string_literal(value)}" for name, value in conditions.items())


def collection(payload) -> list[dict]:
    """The records of an OData v4 collection answer {"value": [...]}; ValueError when it is not one."""
    if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
        raise ValueError("the answer has no 'value' array")
    return [record for record in payload["value"] if isinstance(record, dict)]


def number_sort_key(number: str):
    """Orders "S-ORD101002" before "S-ORD101010": numbers from a BC number series, compared by their digits."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in _NUMBER_PARTS.split(number or "") if part]


def bc_error(payload) -> tuple[str, str, str]:
    """Business Central's error body {"error": {"code", "message"}} → (code, message without the correlation id,
    correlation id); ("", "", "") when the body is not one."""
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), dict):
        return "", "", ""
    error = payload["error"]
    message = str(error.get("message") or "").strip()
    correlation = ""
    found = _CORRELATION.search(message)
    if found:
        correlation, message = found.group("id"), message[: found.start()].rstrip()
    return str(error.get("code") or ""), message, correlation


# ---- the reference and its pending form ------------------------------------------------------------------------------


def pending_reference(reference: str) -> str:
    return reference + PENDING_MARK


def is_pending_reference(value: str, reference: str) -> bool:
    return value == pending_reference(reference)


# ---- OrderRequest → salesOrder / salesOrderLine ----------------------------------------------------------------------


def order_header(order: OrderRequest, *, payment_terms_id: str, external_document_number: str) -> dict:
    """The POST salesOrders body. Dates are dates only; a missing requested date is left out, not sent empty."""
    if len(external_document_number) > EXTERNAL_DOCUMENT_NUMBER_LENGTH:
        raise ValueError(f"externalDocumentNumber {external_document_number!r} is longer than "
                         f"{EXTERNAL_DOCUMENT_NUMBER_LENGTH} characters")
    body = {
        "externalDocumentNumber": external_document_number,
        "customerNumber": order.sold_to,
        "currencyCode": order.currency,
        "paymentTermsId": payment_terms_id,
    }
    if order.requested_delivery_date:
        body["requestedDeliveryDate"] = order.requested_delivery_date.isoformat()
    address = order.ship_to_address
    if not address.is_empty:
        body.update({key: value for key, value in {
            "shipToName": address.name,
            "shipToAddressLine1": address.street,
            "shipToCity": address.city,
            "shipToState": address.region,
            "shipToCountry": address.country,
            "shipToPostCode": address.postal_code,
        }.items() if value})
    return body


def order_line(line: OrderLine) -> dict:
    """The POST salesOrderLines body for one line: the item by number, our price and discount as agreed."""
    body = {
        "lineType": ITEM_LINE,
        "lineObjectNumber": line.material,
        "quantity": line.quantity,
        "unitPrice": line.unit_price.amount,
        "discountPercent": line.discount_percent,
    }
    if line.unit:
        body["unitOfMeasureCode"] = line.unit
    if line.tax_code:
        body["taxCode"] = line.tax_code
    return body


# ---- answers → canonical ---------------------------------------------------------------------------------------------


def created_order(entity: dict, *, found_existing: bool = False) -> CreatedOrder:
    """A salesOrder (201, PATCH answer or an element of a GET) → CreatedOrder; the total is the net amount."""
    number = str(entity.get("number") or "").strip()
    if not number:
        raise ValueError("Business Central's answer carries no order number")
    amount, currency = to_decimal(entity.get("totalAmountExcludingTax")), str(entity.get("currencyCode") or "")
    total = Money(amount, currency) if amount is not None and len(currency) == 3 and currency.isalpha() else None
    return CreatedOrder(order_number=number, reference=str(entity.get("externalDocumentNumber") or ""),
                        total=total, found_existing=found_existing)


def money_or_none(amount, currency: str) -> Money | None:
    """BC keeps 0 where no price or cost is maintained; that is "none", not a free item."""
    value = to_decimal(amount)
    if value is None or value == 0 or len(currency or "") != 3:
        return None
    return Money(value, currency)


def best_customer_price(price_lines: list[dict], *, customer: str, item: str, quantity: Decimal, currency: str,
                        local_currency: str, today: dt.date) -> Decimal | None:
    """The lowest unit price among the price list lines that apply to this customer, item, quantity, currency and day
    (BC's "best price" among the customer's lines); None when no customer-specific line applies.

    A line applies when it is a Price line for Item `item` assigned to Customer `customer`, its currency is
    `currency` (blank = the local currency), today lies within its starting/ending dates ("0001-01-01" = open) and
    `quantity` reaches its minimum quantity."""
    wanted = "" if currency == local_currency else currency
    found = []
    for line in price_lines:
        if (line.get("Asset_Type"), str(line.get("Asset_No", ""))) != ("Item", item):
            continue
        if (line.get("SourceType"), str(line.get("SourceNo", ""))) != ("Customer", customer):
            continue
        if line.get("Amount_Type", "Price") not in ("Price", "Price & Discount"):
            continue
        if str(line.get("CurrencyCode") or "") != wanted:
            continue
        if not _within(line.get("StartingDate"), line.get("EndingDate"), today):
            continue
        if (to_decimal(line.get("Minimum_Quantity")) or Decimal(0)) > quantity:
            continue
        price = to_decimal(line.get("Unit_Price"))
        if price is not None:
            found.append(price)
    return min(found) if found else None


def _within(starting, ending, today: dt.date) -> bool:
    start, end = _bc_date(starting), _bc_date(ending)
    return (start is None or start <= today) and (end is None or today <= end)


def _bc_date(value) -> dt.date | None:
    text = str(value or "")[:10]
    if not text or text == EMPTY_DATE:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
