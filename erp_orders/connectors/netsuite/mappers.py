"""Canonical ↔ NetSuite REST record payloads, as pure functions (no HTTP, no settings, no database).

What goes to NetSuite — one `salesOrder` record (REST API Browser, record salesOrder and its item sublist):
  * `entity` (the customer's internal id), `externalId` (our idempotency reference: NetSuite keeps it unique across
    every transaction, see adapter.py), `otherRefNum` (the "PO #" a person sees on the order; the reference again),
    `currency`, `terms`, `shipDate` (date only, omitted when the order has none), `memo` (the deal's name);
  * `item.items[]`: `item`, `quantity`, `rate` (the agreed unit price net of the deal's discount: a NetSuite line
    has no discount-percent field, the discount lives in the rate and is named in the line's `description`),
    `units` (the unit of measure's internal id, when the order has one);
  * references as {"id": "<internal id>"}; numbers as JSON numbers written from Decimal digits (`to_json`), never
    through a float.

Left out on purpose, because NetSuite REST does not take them the way the order carries them:
  * tax codes — REST web services support only SuiteTax, where the tax engine determines the tax code from the
    nexus, the ship-to address and the item's tax schedule (a line tax code exists only in legacy tax);
  * a ship-to *party* — NetSuite ships to one of the customer's own addresses (its default shipping address
    applies); REST cannot create the address subrecord on the fly;
  * the contact person — a sales order has no contact body field.

What comes back: `created_order_from_record` reads a salesOrder record (tranId, externalId, total),
`item_price` / `customer_price` read the item's pricing sublist and the customer's item pricing sublist.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation

from handoff_project.integration.canonical import CreatedOrder, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import PermanentError

SYSTEM = "netsuite"
# Oracle, "Using External IDs": "An external ID can be any string containing letters, numbers, underscore (_), and
# hyphen (-)". Oracle publishes no maximum length; 255 is our own bound, far above any reference we build.
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_-]+$")
EXTERNAL_ID_MAX_LENGTH = 255
TEXT_LIMIT = 300  # memo and line description are free text: shortened, never refused
BASE_PRICE_LEVEL = "1"  # "Base Price", the list price every item has
CUSTOM_PRICE_LEVEL = "-1"  # "Custom": a price typed on the customer's item pricing line itself


# ---- JSON with exact numbers ---------------------------------------------------------------------------------------


def to_json(value) -> str:
    """JSON text in which every Decimal is written with its own digits as a JSON number (json.dumps would need a
    float first, which is how 0.1 + 0.2 money errors start)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value}")
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError("NetSuite numbers are written from Decimal, never from a float")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def to_decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def ref(internal_id: str) -> dict:
    return {"id": str(internal_id)}


def ref_id(value) -> str:
    """The internal id of a reference field ({"id": "12", "refName": …}), or ""."""
    return str(value.get("id") or "") if isinstance(value, dict) else ""


def items(payload) -> list[dict]:
    """The rows of a collection or of an expanded sublist ({"items": [...]})."""
    rows = payload.get("items") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise ValueError("not a NetSuite collection or sublist (no 'items' list)")
    return [row for row in rows if isinstance(row, dict)]


# ---- canonical → NetSuite --------------------------------------------------------------------------------------------


def external_id(reference: str) -> str:
    """Our reference as a NetSuite external id, refused (never altered) when NetSuite could not keep it as it is."""
    value = (reference or "").strip()
    if not EXTERNAL_ID.match(value) or len(value) > EXTERNAL_ID_MAX_LENGTH:
        raise PermanentError(
            f"The reference {reference!r} cannot be a NetSuite external id (letters, digits, '_' and '-' only, at "
            f"most {EXTERNAL_ID_MAX_LENGTH} characters). Fix the reference scheme, then re-queue.",
            system=SYSTEM, detail={"field": "externalId", "value": reference})
    return value


def sales_order_body(order: OrderRequest, *, currency_id: str) -> dict:
    """The POST /salesOrder body for `order`; `currency_id` is the internal id of its currency record."""
    if not order.lines:
        raise PermanentError(f"Order {order.reference} has no lines; NetSuite needs at least one item. Add products "
                             "to the deal, then re-queue.", system=SYSTEM)
    reference = external_id(order.reference)
    body = {
        "externalId": reference,
        "otherRefNum": reference,
        "entity": ref(_internal_id(order.sold_to, "customer", order)),
        "currency": ref(currency_id),
    }
    if order.payment_terms_key:
        body["terms"] = ref(_internal_id(order.payment_terms_key, "payment terms", order))
    if order.requested_delivery_date:
        body["shipDate"] = order.requested_delivery_date.isoformat()
    if order.customer_reference:
        body["memo"] = order.customer_reference[:TEXT_LIMIT]
    body["item"] = {"items": [sales_order_line(line, order) for line in order.lines]}
    return body


def sales_order_line(line: OrderLine, order: OrderRequest) -> dict:
    if line.quantity <= 0:
        raise PermanentError(f"Line {line.line_number} ({line.description}) has quantity {line.quantity}; NetSuite "
                             "needs a positive quantity. Fix the quantity on the deal, then re-queue.", system=SYSTEM)
    row = {"item": ref(_internal_id(line.material, "item", order)), "quantity": line.quantity,
           "rate": net_rate(line)}
    description = line.description
    if line.discount_percent:
        description = f"{description} (list {line.unit_price.amount} less {line.discount_percent.normalize():f} %)"
    if description:
        row["description"] = description[:TEXT_LIMIT]
    if line.unit:
        row["units"] = ref(_internal_id(line.unit, "unit", order))
    return row


def net_rate(line: OrderLine) -> Decimal:
    """The unit price less the line's discount, exact (quantity × rate is then the line's net amount)."""
    return line.unit_price.amount * (Decimal(100) - line.discount_percent) / Decimal(100)


def _internal_id(value: str, what: str, order: OrderRequest) -> str:
    value = (value or "").strip()
    if not value.lstrip("-").isdigit():
        raise PermanentError(f"Order {order.reference}: the {what} {value!r} is not a NetSuite internal id (a "
                             "number). Fix the crosswalk entry that produced it, then re-queue.", system=SYSTEM,
                             detail={"what": what, "value": value})
    return value


# ---- NetSuite → canonical --------------------------------------------------------------------------------------------


def created_order_from_record(record: dict, *, currency: str | None, found_existing: bool = False) -> CreatedOrder:
    """A salesOrder record (GET /salesOrder/<id>) → CreatedOrder; `currency` is the ISO code of its currency."""
    number = str(record.get("tranId") or "").strip()
    if not number:
        raise ValueError("the sales order record carries no tranId")
    amount = to_decimal(record.get("total"))
    total = Money(amount, currency) if amount is not None and currency else None
    return CreatedOrder(order_number=number, reference=str(record.get("externalId") or ""), total=total,
                        found_existing=found_existing)


def item_price(pricing_rows: list[dict], *, currency_id: str, quantity: Decimal,
               level: str = BASE_PRICE_LEVEL) -> Decimal | None:
    """The unit price at `level` in the item's pricing sublist (currencyPage, priceLevel, quantity, price) for
    `quantity`: with quantity pricing the row of the highest break at or below the quantity applies."""
    best = None
    for row in pricing_rows:
        if ref_id(row.get("currencyPage")) != currency_id or ref_id(row.get("priceLevel")) != level:
            continue
        price = to_decimal(row.get("price"))
        quantity_break = to_decimal((row.get("quantity") or {}).get("value")) or Decimal(0)
        if price is None or quantity_break > quantity:
            continue
        if best is None or quantity_break > best[0]:
            best = (quantity_break, price)
    return best[1] if best else None


def customer_price(item_pricing_rows: list[dict], *, item: str, currency_id: str) -> tuple[Decimal | None, str]:
    """The customer's own pricing line for `item` in the currency: (its price, or None and the price level it
    points at instead); (None, "") when the customer has no line for the item."""
    for row in item_pricing_rows:
        if ref_id(row.get("item")) != item or ref_id(row.get("currency")) not in ("", currency_id):
            continue
        price = to_decimal(row.get("price"))
        level = ref_id(row.get("level")) or CUSTOM_PRICE_LEVEL
        if price is not None:
            return price, level
        if level != CUSTOM_PRICE_LEVEL:
            return None, level
    return None, ""


def unit_cost(item_record: dict) -> Decimal | None:
    """What one unit costs: the average cost where NetSuite keeps one (inventory items), else the purchase price."""
    for field in ("averageCost", "cost"):
        value = to_decimal(item_record.get(field))
        if value:
            return value
    return None
