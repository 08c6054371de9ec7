"""Canonical ↔ Oracle Fusion Cloud Order Management payloads, as pure functions (no HTTP, no settings, no database).

What goes to Oracle ("REST API for Oracle Fusion Cloud SCM", resource Sales Orders for Order Hub,
`salesOrdersForOrderHub`): one composite create — the order header with its `lines` (and `shipToCustomer` when the
goods go to another party) in a single POST, which Oracle's ADF REST layer commits as one transaction: the whole
order or nothing.

* Our idempotency reference is the source order's identity: `SourceTransactionNumber` and `SourceTransactionId`
  (both VARCHAR2(50), DOO_HEADERS_ALL.SOURCE_ORDER_NUMBER / SOURCE_ORDER_ID) under `SourceTransactionSystem`.
* Customers are party numbers (`BuyingPartyNumber`, `shipToCustomer[].PartyNumber`), items are item numbers
  (`ProductNumber`), units are UOM codes (`OrderedUOMCode`), terms are payment terms names (`PaymentTerms`, on each
  line as in Oracle's own create example), tax is `TaxClassificationCode`; the contact is `BuyingPartyContactNumber`;
  the deal name goes to `CustomerPONumber` (the customer's own reference, free text, cut to 50).
* Prices: the deal's price travels as `UnitListPrice` and the discounted `UnitSellingPrice` with `FreezePriceFlag`
  true, so Order Management keeps the agreed price instead of repricing the line.
* Numbers are JSON numbers written from Decimals (`to_json`), never floats; dates are ADF date-times
  (`2026-12-24T00:00:00+00:00`).
* Identifiers longer than Oracle's column are refused, never cut: a cut reference would point at another order.

What comes back: `created_order_from_resource` reads a salesOrdersForOrderHub item (the 201 of the create, or one
item of a query), `collection_items` a `{"items": [...], "count", "hasMore", ...}` collection, `error_details`
Oracle's error answers (`application/vnd.oracle.adf.error+json` or text/plain), `price_from_price_list_items` the
Price Lists resource and `cost_from_item_costs` the Item Costs resource.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation

from handoff_project.integration.canonical import CreatedOrder, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import PermanentError

SYSTEM = "oracle"
# Oracle's columns behind the attributes we fill (DOO_HEADERS_ALL, DOO_LINES_ALL, HZ_PARTIES, INV units of measure).
MAX_LENGTH = {
    "SourceTransactionNumber": 50,
    "SourceTransactionId": 50,
    "SourceTransactionSystem": 30,  # DOO_LINES_ALL keeps 30 of the header's 50
    "BuyingPartyNumber": 30,
    "BuyingPartyContactNumber": 30,
    "PartyNumber": 30,
    "ProductNumber": 300,
    "OrderedUOMCode": 3,
    "CustomerPONumber": 50,
}
SALE_PRICE = "QP_SALE_PRICE"  # Oracle Pricing's charge definition of the sale price
# The segment price list every customer falls back to (Oracle's demo data calls its default one this), and the
# name of a customer's own price list. A simplification: Oracle assigns price lists to customers through pricing
# profiles, segments and strategies; we look a customer's list up by this name instead.
GENERAL_PRICE_LIST = "Corporate Segment Price List"


def customer_price_list_name(party_number: str) -> str:
    return f"{party_number} Customer Price List"


# ---- values ------------------------------------------------------------------------------------------------------


def plain_number(value: Decimal | int) -> str:
    """A Decimal in plain notation ("1E+2" → "100"), trailing zeros of the fraction dropped."""
    if isinstance(value, float):
        raise TypeError("numbers for Oracle never come from a float")
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_json(value) -> str:
    """JSON with every Decimal written as a JSON number exactly as it is (json.dumps cannot; floats are refused)."""
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, float):
        raise TypeError("numbers for Oracle never come from a float")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def to_decimal(value) -> Decimal | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {value!r}") from exc


def oracle_datetime(value: dt.date | dt.datetime) -> str:
    """An ADF date-time: `2026-12-24T00:00:00+00:00`; a date is midnight UTC, an aware datetime is kept in UTC."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware datetime or a date")
        return value.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()
    return f"{value.isoformat()}T00:00:00+00:00"


def parse_oracle_datetime(value: str | None) -> dt.datetime | None:
    """An ADF date-time (`…+00:00`, `…Z`, or a bare date) → an aware datetime; None for null or ""."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    moment = dt.datetime.fromisoformat(text) if "T" in text else dt.datetime.fromisoformat(text + "T00:00:00+00:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def q_literal(value: str) -> str:
    """A string literal for ADF's `q` expression (REST framework version 2 and later): quoted, never escaped."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise ValueError(f"{value!r} holds both quote characters; ADF's q syntax cannot express it")


def q_all(**equalities: str) -> str:
    """`A='x' and B='y'`: every attribute equal to its value."""
    return " and ".join(f"{name}={q_literal(value)}" for name, value in equalities.items())


def q_any(attribute: str, values) -> str:
    """`(A='x' or A='y')`."""
    return "(" + " or ".join(f"{attribute}={q_literal(v)}" for v in values) + ")"


# ---- canonical → Oracle ------------------------------------------------------------------------------------------


def order_to_payload(order: OrderRequest, *, source_system: str, business_unit: str, ordered_at: dt.datetime) -> dict:
    """The salesOrdersForOrderHub create body for `order`: header, lines and (when it differs) the ship-to party."""
    if not order.lines:
        raise PermanentError(
            f"Order {order.reference} has no lines; Oracle needs at least one order line. Add products to the deal, "
            "then re-queue.", system=SYSTEM)
    reference = _identifier("SourceTransactionNumber", order.reference, order)
    body = {
        "SourceTransactionNumber": reference,
        "SourceTransactionSystem": _identifier("SourceTransactionSystem", source_system, order),
        "SourceTransactionId": _identifier("SourceTransactionId", order.reference, order),
        "BusinessUnitName": business_unit,
        "BuyingPartyNumber": _identifier("BuyingPartyNumber", order.sold_to, order),
        "TransactionalCurrencyCode": order.currency,
        "TransactionOn": oracle_datetime(ordered_at),
        "SubmittedFlag": True,
        "FreezePriceFlag": True,
    }
    if order.contact_person:
        body["BuyingPartyContactNumber"] = _identifier("BuyingPartyContactNumber", order.contact_person, order)
    if order.customer_reference:
        body["CustomerPONumber"] = order.customer_reference.strip()[: MAX_LENGTH["CustomerPONumber"]]
    if order.requested_delivery_date:
        body["RequestedShipDate"] = oracle_datetime(order.requested_delivery_date)
    if order.ship_to and order.ship_to != order.sold_to:
        body["shipToCustomer"] = [{"PartyNumber": _identifier("PartyNumber", order.ship_to, order)}]
    body["lines"] = [_line(line, order) for line in order.lines]
    return body


def _line(line: OrderLine, order: OrderRequest) -> dict:
    if line.quantity <= 0:
        raise PermanentError(
            f"Line {line.line_number} ({line.description}) has quantity {line.quantity}; Oracle needs a positive "
            "quantity. Fix the quantity on the deal, then re-queue.", system=SYSTEM)
    number = str(line.line_number)
    body = {
        # one schedule per line: the source line and its schedule share the CRM line number
        "SourceTransactionLineId": number,
        "SourceTransactionLineNumber": number,
        "SourceTransactionScheduleId": number,
        "SourceScheduleNumber": "1",
        "TransactionCategoryCode": "ORDER",
        "ProductNumber": _identifier("ProductNumber", line.material, order),
        "OrderedQuantity": line.quantity,
        "UnitListPrice": line.unit_price.amount,
        "UnitSellingPrice": selling_price(line),
    }
    if line.unit:
        body["OrderedUOMCode"] = _identifier("OrderedUOMCode", line.unit, order)
    if order.payment_terms_key:
        body["PaymentTerms"] = order.payment_terms_key
    if line.tax_code:
        body["TaxClassificationCode"] = line.tax_code
    requested = line.requested_delivery_date or order.requested_delivery_date
    if requested:
        body["RequestedShipDate"] = oracle_datetime(requested)
    return body


def selling_price(line: OrderLine) -> Decimal:
    """The unit price less the deal's discount, exact (Oracle keeps more decimals than cents on unit prices)."""
    if not line.discount_percent:
        return line.unit_price.amount
    return (line.unit_price.amount * (Decimal(100) - line.discount_percent) / Decimal(100)).normalize()


def _identifier(field: str, value: str, order: OrderRequest) -> str:
    value = (value or "").strip()
    limit = MAX_LENGTH[field]
    if len(value) > limit:
        raise PermanentError(
            f"Order {order.reference}: {field} {value!r} has {len(value)} characters, Oracle takes at most {limit}. "
            "Fix the crosswalk entry that produced it, then re-queue.",
            system=SYSTEM, detail={"field": field, "value": value, "max_length": limit})
    return value


# ---- Oracle → canonical ------------------------------------------------------------------------------------------


def collection_items(payload) -> list[dict]:
    """The items of an ADF collection `{"items": [...], "count", "hasMore", "limit", "offset", "links"}`."""
    if isinstance(payload, dict) and isinstance(payload.get("items"), list):
        return [item for item in payload["items"] if isinstance(item, dict)]
    raise ValueError("not an ADF collection (no 'items' list)")


def children(resource: dict, accessor: str) -> list[dict]:
    """A child collection inside an item: a list (framework versions 1–2) or a collection object (3 and later)."""
    value = resource.get(accessor)
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    if isinstance(value, dict) and isinstance(value.get("items"), list):
        return collection_items(value)
    return []


def created_order_from_resource(resource: dict, *, found_existing: bool = False) -> CreatedOrder:
    """A salesOrdersForOrderHub item → CreatedOrder; the total is the sum of the lines' ExtendedAmount when present."""
    number = str(resource.get("OrderNumber") or "").strip() if isinstance(resource, dict) else ""
    if not number:
        raise ValueError("Oracle's answer carries no OrderNumber")
    total = None
    amounts = [to_decimal(line.get("ExtendedAmount")) for line in children(resource, "lines")]
    currency = str(resource.get("TransactionalCurrencyCode") or "").strip()
    if amounts and None not in amounts and len(currency) == 3:
        total = Money(sum(amounts, Decimal("0")), currency)
    return CreatedOrder(order_number=number, reference=str(resource.get("SourceTransactionNumber") or ""),
                        total=total, found_existing=found_existing)


def oldest(orders: list[dict]) -> dict:
    """The order created first: by CreationDate, then by HeaderId (Oracle gives out header ids in ascending order)."""
    def key(order):
        created = parse_oracle_datetime(order.get("CreationDate")) or dt.datetime.max.replace(tzinfo=dt.timezone.utc)
        header = to_decimal(order.get("HeaderId"))
        return created, header if header is not None else Decimal("Infinity")

    return min(orders, key=key)


_CODE = re.compile(r"\b(?:JBO|ORA|FOM|DOO|QP|EGP|HZ)-\d{4,8}\b")


def error_details(content_type: str, text: str) -> list[dict]:
    """Oracle's error answer → [{"code", "detail", "path"}].

    With REST-Framework-Version 4 ADF answers `application/vnd.oracle.adf.error+json`
    (`{"title", "status", "o:errorDetails": [{"detail", "o:errorCode", "o:errorPath"}]}`); earlier versions and the
    web tier answer text/plain, where the message code (JBO-…, FOM-…) sits inside the text."""
    body = None
    if "json" in (content_type or "") or (text or "").lstrip()[:1] == "{":
        try:
            body = json.loads(text)
        except ValueError:
            body = None
    if isinstance(body, dict):
        details = [d for d in body.get("o:errorDetails") or [] if isinstance(d, dict)]
        found = [{"code": str(d.get("o:errorCode") or _first_code(str(d.get("detail") or ""))),
                  "detail": str(d.get("detail") or d.get("title") or "").strip(),
                  "path": str(d.get("o:errorPath") or "")} for d in details]
        if found:
            return found
        detail = str(body.get("detail") or body.get("title") or "").strip()
        return [{"code": str(body.get("o:errorCode") or _first_code(detail)), "detail": detail, "path": ""}] if detail else []
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return [{"code": _first_code(line), "detail": line, "path": ""} for line in lines]


def _first_code(text: str) -> str:
    match = _CODE.search(text or "")
    return match.group(0) if match else ""


def price_from_price_list_items(items: list[dict], *, currency: str, today: dt.date) -> Money | None:
    """The sale price of an item from its Price Lists items (expanded with `charges`), valid today."""
    for item in items:
        for charge in children(item, "charges"):
            if charge.get("PricingChargeDefinitionCode", SALE_PRICE) != SALE_PRICE:
                continue
            if charge.get("CalculationMethodCode", "PRICE") != "PRICE":
                continue  # a discount or markup, not a price
            starts, ends = parse_oracle_datetime(charge.get("StartDate")), parse_oracle_datetime(charge.get("EndDate"))
            if (starts and starts.date() > today) or (ends and ends.date() < today):
                continue
            price = to_decimal(charge.get("BasePrice"))
            if price is not None:
                return Money(price, currency)
    return None


def cost_from_item_costs(rows: list[dict], *, currency: str) -> Money | None:
    """The unit cost from Item Costs rows (one per cost organization and cost book): the first in `currency`, else
    the first with a cost at all."""
    costed = [(r, to_decimal(r.get("UnitCost"))) for r in rows]
    costed = [(r, c) for r, c in costed if c is not None and len(str(r.get("CurrencyCode") or "")) == 3]
    if not costed:
        return None
    row, cost = next(((r, c) for r, c in costed if r["CurrencyCode"].upper() == currency.upper()), costed[0])
    return Money(cost, row["CurrencyCode"])
