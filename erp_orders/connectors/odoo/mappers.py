"""Canonical ↔ Odoo payloads, as pure functions (no HTTP, no settings, no database).

What goes to Odoo (External API, `execute_kw` on `sale.order`, Odoo 17/18 field names):
  * one `create` of a sale.order with its lines as one2many commands `[0, 0, {...}]` in `order_line`;
  * record ids (partner, product, payment terms, taxes, unit) are strings in our crosswalks and integers on the wire;
  * numbers: Odoo's Float fields travel as JSON numbers. Decimal becomes float here and only here (`wire_float`):
    Python writes the shortest repr that reads back as the same float, so Odoo reads the decimal we meant as exactly
    as its float column holds it. Answers come back through `to_decimal` (via str, never float arithmetic);
  * dates: `commitment_date` (sale.order "Delivery Date", a Datetime in UTC, "YYYY-MM-DD HH:MM:SS") carries the
    requested delivery date. We send noon UTC, so the calendar day Odoo shows is the one we meant in every time zone
    from UTC-11 to UTC+11 (midnight UTC would show as the evening before in the Americas).

Fields we fill and why: `client_order_ref` ("Customer Reference") holds our idempotency reference;
`partner_shipping_id` the ship-to when it differs from the sold-to; `payment_term_id`; `pricelist_id` when the adapter
found one in the order's currency (Odoo derives sale.order.currency_id from the pricelist, it has no writable currency);
`origin` ("Source Document") the deal name. Per line: product_id, product_uom_qty, product_uom, price_unit, discount
(a percentage, as the deal's), tax_id as a many2many "replace" command `[6, 0, [ids]]`, and the deal's description as
`name`. Not mapped: the contact person (sale.order has no contact field apart from the customer) and the contract
reference (no field). Odoo 19 renamed the line fields `product_uom` → `product_uom_id` and `tax_id` → `tax_ids`
(LINE_UNIT_FIELD / LINE_TAXES_FIELD below).

What comes back: `created_order_from_record` reads a sale.order as `read`/`search_read` return it,
`price_from_pricelist_items` / `list_price` / `unit_cost` read product.pricelist.item and product.product, and
`jsonrpc_error` reads the JSON-RPC error object.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from handoff_project.integration.canonical import CreatedOrder, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import PermanentError

SYSTEM = "odoo"
LINE_UNIT_FIELD, LINE_TAXES_FIELD = "product_uom", "tax_id"
# client_order_ref is a Char without size (PostgreSQL varchar without limit); 64 is our bound, so a reference stays a
# readable Customer Reference in Odoo's list views and fits every other ERP's field of that kind.
REFERENCE_MAX_LENGTH = 64
ORDER_FIELDS = ["id", "name", "client_order_ref", "state", "amount_untaxed", "amount_total", "currency_id",
                "partner_id", "create_date"]
QUOTATION_STATES = ("draft", "sent")  # sale.order states before confirmation; "sale" is a sales order, "cancel" gone
COMMITMENT_TIME = "12:00:00"
CREATE_COMMAND, REPLACE_COMMAND = 0, 6  # odoo.fields.Command.CREATE / SET


# ---- wire values -----------------------------------------------------------------------------------------------------


def wire_float(value: Decimal | int | str) -> float:
    """A Decimal for an Odoo Float field. The one place a float is made; nothing is ever computed with it."""
    if isinstance(value, float):
        raise TypeError("numbers for Odoo are Decimals until the wire; this one is already a float")
    return float(Decimal(value))


def to_decimal(value) -> Decimal | None:
    """An Odoo number (float, int or string) → Decimal via its text; False/None (Odoo's empty) → None."""
    if value is None or value is False or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def record_id(value: str, what: str, order_reference: str = "") -> int:
    """A crosswalk value ("7") → Odoo's integer record id; anything else is a crosswalk fault, refused."""
    text = (value or "").strip()
    if not text.isdigit() or int(text) <= 0:
        where = f"Order {order_reference}: " if order_reference else ""
        raise PermanentError(
            f"{where}the {what} {value!r} is not an Odoo record id (a positive whole number such as 7). "
            f"Fix the crosswalk entry for Odoo that produced it, then re-queue.",
            system=SYSTEM, detail={"field": what, "value": value},
        )
    return int(text)


def many2one_id(value) -> int | None:
    """Odoo's many2one answer `[7, "Acme Corp"]` (or False) → 7 (or None)."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], int):
        return value[0]
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def many2one_name(value) -> str:
    """`[2, "USD"]` → "USD"; "" when empty."""
    return str(value[1]) if isinstance(value, (list, tuple)) and len(value) > 1 else ""


def commitment_datetime(day: dt.date) -> str:
    return f"{day.isoformat()} {COMMITMENT_TIME}"


def odoo_datetime(moment: dt.datetime) -> str:
    """An aware datetime → Odoo's Datetime text (UTC, no zone)."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


# ---- canonical → Odoo ------------------------------------------------------------------------------------------------


def order_to_create_values(order: OrderRequest, *, pricelist_id: int | None = None) -> dict:
    """The values of one `sale.order` `create`, lines included, for `order`."""
    if not order.lines:
        raise PermanentError(
            f"Order {order.reference} has no lines; Odoo needs at least one product line. Add products to the deal, "
            "then re-queue.", system=SYSTEM)
    reference = order.reference.strip()
    if not reference or len(reference) > REFERENCE_MAX_LENGTH:
        raise PermanentError(
            f"Order reference {order.reference!r} must be 1 to {REFERENCE_MAX_LENGTH} characters for Odoo's Customer "
            "Reference.", system=SYSTEM, detail={"field": "client_order_ref", "value": order.reference})
    sold_to = record_id(order.sold_to, "customer (res.partner)", reference)
    values: dict = {"partner_id": sold_to, "client_order_ref": reference}
    if order.ship_to and order.ship_to.strip() != order.sold_to.strip():
        values["partner_shipping_id"] = record_id(order.ship_to, "ship-to (res.partner)", reference)
    if order.payment_terms_key:
        values["payment_term_id"] = record_id(order.payment_terms_key, "payment terms (account.payment.term)", reference)
    if pricelist_id is not None:
        values["pricelist_id"] = pricelist_id
    if order.requested_delivery_date:
        values["commitment_date"] = commitment_datetime(order.requested_delivery_date)
    if order.customer_reference:
        values["origin"] = order.customer_reference
    values["order_line"] = [line_command(line, reference) for line in order.lines]
    return values


def line_command(line: OrderLine, reference: str = "") -> list:
    """One order line as a one2many create command `[0, 0, {...}]`."""
    if line.quantity <= 0:
        raise PermanentError(
            f"Line {line.line_number} ({line.description}) has quantity {line.quantity}; Odoo needs a positive "
            "quantity. Fix the quantity on the deal, then re-queue.", system=SYSTEM)
    values: dict = {
        "product_id": record_id(line.material, f"product of line {line.line_number} (product.product)", reference),
        "product_uom_qty": wire_float(line.quantity),
        "price_unit": wire_float(line.unit_price.amount),
        "discount": wire_float(line.discount_percent or Decimal(0)),
    }
    if line.unit:
        values[LINE_UNIT_FIELD] = record_id(line.unit, f"unit of line {line.line_number} (uom.uom)", reference)
    if line.tax_code:
        tax = record_id(line.tax_code, f"tax of line {line.line_number} (account.tax)", reference)
        values[LINE_TAXES_FIELD] = [[REPLACE_COMMAND, 0, [tax]]]
    if line.description:
        values["name"] = line.description
    return [CREATE_COMMAND, 0, values]


# ---- Odoo → canonical ------------------------------------------------------------------------------------------------


def created_order_from_record(record: dict, *, found_existing: bool = False) -> CreatedOrder:
    """A sale.order as `read` / `search_read` return it (ORDER_FIELDS) → CreatedOrder.

    The order number is `name` ("S00042", what a person sees and searches in Odoo); the total is `amount_total`,
    Odoo's total of the order including taxes."""
    number = record.get("name")
    if not isinstance(number, str) or not number.strip() or number == "New":
        raise ValueError(f"Odoo's sale.order {record.get('id')} carries no order number ('name' is {number!r})")
    amount, currency = to_decimal(record.get("amount_total")), many2one_name(record.get("currency_id"))
    total = Money(amount, currency) if amount is not None and len(currency) == 3 and currency.isalpha() else None
    reference = record.get("client_order_ref")
    return CreatedOrder(order_number=number.strip(), reference=reference if isinstance(reference, str) else "",
                        total=total, found_existing=found_existing)


# product.pricelist.item `_order` in Odoo: the most specific rule first (variant, then template, then category, then
# global; a higher minimum quantity first), which is also the order in which Odoo's pricelist applies them.
_APPLIED_ON_RANK = {"0_product_variant": 0, "1_product": 1, "2_product_category": 2, "3_global": 3}


def price_from_pricelist_items(items: list[dict], *, product: dict, quantity: Decimal) -> Money | None:
    """The unit price the first applicable product.pricelist.item gives `product` at `quantity`, or None.

    Fixed prices ("fixed": fixed_price in the pricelist's currency) and discounts on the list price ("percentage"
    with base "list_price": lst_price less percent_price %) are read; formula rules and rules based on cost or on
    another pricelist are not evaluated (they make the answer None, and the caller falls back to the list price)."""
    applicable = []
    for item in items:
        minimum = to_decimal(item.get("min_quantity")) or Decimal(0)
        if minimum > quantity:
            continue
        variant = many2one_id(item.get("product_id"))
        if variant is not None and variant != product.get("id"):
            continue
        template = many2one_id(item.get("product_tmpl_id"))
        if template is not None and template != many2one_id(product.get("product_tmpl_id")):
            continue
        applicable.append(((_APPLIED_ON_RANK.get(item.get("applied_on"), 9), -minimum, -int(item.get("id") or 0)), item))
    if not applicable:
        return None
    item = min(applicable, key=lambda pair: pair[0])[1]
    currency = many2one_name(item.get("currency_id"))
    if item.get("compute_price") == "fixed":
        amount = to_decimal(item.get("fixed_price"))
    elif item.get("compute_price") == "percentage" and item.get("base", "list_price") == "list_price":
        listed = to_decimal(product.get("lst_price"))
        percent = to_decimal(item.get("percent_price")) or Decimal(0)
        amount = None if listed is None else listed * (Decimal(100) - percent) / Decimal(100)
        currency = currency or many2one_name(product.get("currency_id"))
    else:
        return None
    return Money(amount, currency) if amount is not None and len(currency) == 3 else None


def list_price(product: dict) -> Money | None:
    """product.product `lst_price` (the sales price, variant extras included) in the product's currency."""
    amount, currency = to_decimal(product.get("lst_price")), many2one_name(product.get("currency_id"))
    return Money(amount, currency) if amount is not None and len(currency) == 3 else None


def unit_cost(product: dict) -> Money | None:
    """product.product `standard_price` in `cost_currency_id` (the company's); None when Odoo keeps no cost (0.0 is
    Odoo's empty cost, and a margin against it would mislead an approver)."""
    amount = to_decimal(product.get("standard_price"))
    currency = many2one_name(product.get("cost_currency_id")) or many2one_name(product.get("currency_id"))
    if amount is None or amount == 0 or len(currency) != 3:
        return None
    return Money(amount, currency)


def jsonrpc_error(payload) -> dict | None:
    """The `error` object of a JSON-RPC answer as Odoo's dispatcher writes it, flattened:
    {"code", "message", "name" (data.name, e.g. "odoo.exceptions.ValidationError"), "text" (data.message),
    "arguments"}; None when the answer carries no error."""
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), dict):
        return None
    error = payload["error"]
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    return {
        "code": error.get("code"),
        "message": str(error.get("message") or ""),
        "name": str(data.get("name") or ""),
        "text": str(data.get("message") or error.get("message") or "").strip(),
        "arguments": data.get("arguments") if isinstance(data.get("arguments"), list) else [],
    }
