"""What the Odoo emulator does with a sale.order: check a create like Odoo would, price it, number it, confirm it.

Checked in the order Odoo meets them while it creates the record, and, like Odoo, the first problem is the error (one
exception per call; nothing is stored):
  * unknown fields → ValueError "Invalid field 'x' on model 'sale.order'";
  * no customer → ValidationError (Odoo's NOT NULL wording); a customer, ship-to, pricelist, product, unit or tax id
    that does not exist → MissingError "Record does not exist or has been deleted. (Record: res.partner(99,), ...)",
    as Odoo raises it when its computed fields read the record;
  * payment terms that do not exist → ValidationError naming the foreign key sale_order_payment_term_id_fkey
    (Odoo's wording for a foreign-key violation, odoo/service/model.py);
  * a quantity that does not respect the rounding of its unit (rounding 1.0 = whole units) → UserError;
  * a delivery date (commitment_date) before today → ValidationError. Standard Odoo only warns in the form about a
    delivery date sooner than the expected one; this check stands for the constraint many instances add, and lets
    the pipeline's self-healing be exercised against Odoo.
A second order with the same client_order_ref is accepted — Odoo does not keep it unique.

Pricing: a price_unit sent with the line wins (as in Odoo, whose price compute does not overwrite a given value),
else the customer's pricelist rule (mappers.price_from_pricelist_items, the connector's own reading of Odoo's rule
order), else the product's lst_price. Taxes are percentages of the discounted subtotal, rounded per line.
Numbers: "S00001", "S00002", … (Odoo's sale.order sequence: prefix S, five digits).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from handoff_project.sandbox import store

from . import mappers
from . import sandbox_orm as orm

ORDER, LINE = "sale.order", "sale.order.line"
COUNTERS = store.COUNTERS
CENT = Decimal("0.01")
ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"


def next_number(counter: str) -> int:
    """The next value of a sequence (handoff_project.sandbox.store.next_number). Call inside the storing transaction."""
    return store.next_number(orm.SYSTEM, counter, 1)


def now_text() -> str:
    return timezone.now().astimezone(dt.timezone.utc).strftime(ODOO_DATETIME)


def _number(value, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise orm.OdooException("builtins.ValueError", f"could not convert {value!r} to float ({what})")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise orm.OdooException("builtins.ValueError", f"could not convert string to float: {value!r}") from None


def _existing(model: str, record_id, uid: int) -> dict:
    record = orm.get(model, record_id)
    if record is None:
        raise orm.missing_error(model, record_id, uid)
    return record


def _check_fields(model: str, values: dict) -> None:
    if not isinstance(values, dict):
        raise orm.OdooException("builtins.TypeError", f"{model}.create() takes a dict of field values, got {values!r}")
    for name in values:
        orm.field_type(model, name)


# ---- create ----------------------------------------------------------------------------------------------------------


def create(values, uid: int, company_currency_id: int):
    """sale.order.create(values): one dict → its id, a list of dicts → their ids; all stored in one transaction."""
    with transaction.atomic():
        if isinstance(values, list):
            return [_create_one(v, uid, company_currency_id) for v in values]
        return _create_one(values, uid, company_currency_id)


def _create_one(values: dict, uid: int, company_currency_id: int) -> int:
    _check_fields(ORDER, values)
    if not values.get("partner_id"):
        raise orm.validation_error(
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another "
            "model requires the record being deleted. If possible, archive it instead.\n\n"
            "Model: Sales Order (sale.order)\nField: Customer (partner_id)\n")
    partner = _existing("res.partner", values["partner_id"], uid)
    shipping = _existing("res.partner", values.get("partner_shipping_id") or partner["id"], uid)
    terms = values.get("payment_term_id")
    if terms and orm.get("account.payment.term", terms) is None:
        raise orm.validation_error(
            "The operation cannot be completed: another model requires the record being deleted. If possible, "
            "archive it instead.\n\nModel: Sales Order (sale.order)\nConstraint: sale_order_payment_term_id_fkey\n")
    pricelist_id = values.get("pricelist_id") or partner.get("property_product_pricelist")
    pricelist = _existing("product.pricelist", pricelist_id, uid) if pricelist_id else None
    currency_id = pricelist["currency_id"] if pricelist else company_currency_id
    commitment = _commitment_date(values.get("commitment_date"))

    commands = values.get("order_line") or []
    if not isinstance(commands, list):
        raise orm.OdooException("builtins.ValueError", "order_line takes a list of commands")
    order_id = next_number(ORDER + ".id")
    lines = []
    for sequence, command in enumerate(commands, start=1):
        if not (isinstance(command, list) and len(command) == 3 and command[0] == mappers.CREATE_COMMAND):
            raise orm.OdooException("builtins.ValueError",
                                    f"The emulator creates order lines from [0, 0, {{...}}] commands, got {command!r}")
        lines.append(_line(command[2], sequence * 10, order_id, partner, pricelist, currency_id, uid))

    untaxed = sum((Decimal(line["price_subtotal"]) for line in lines), Decimal("0.00"))
    tax = sum((Decimal(line["price_tax"]) for line in lines), Decimal("0.00"))
    now = now_text()
    order = {
        **{k: v for k, v in values.items() if k != "order_line"},
        "id": order_id, "name": f"S{next_number(ORDER + '.name'):05d}", "state": "draft", "locked": False,
        "partner_id": partner["id"], "partner_invoice_id": partner["id"], "partner_shipping_id": shipping["id"],
        "payment_term_id": terms or None, "pricelist_id": pricelist["id"] if pricelist else None,
        "currency_id": currency_id, "commitment_date": commitment, "date_order": now, "create_date": now,
        "user_id": uid, "order_line": [line["id"] for line in lines],
        "amount_untaxed": format(untaxed, "f"), "amount_tax": format(tax, "f"), "amount_total": format(untaxed + tax, "f"),
    }
    for line in lines:
        orm.put(LINE, {**line, "order_id": order_id})
    orm.put(ORDER, order)
    return order_id


def _commitment_date(value) -> str | None:
    if not value:
        return None
    text = str(value)
    try:
        moment = dt.datetime.strptime(text, ODOO_DATETIME) if len(text) > 10 else dt.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise orm.OdooException("builtins.ValueError",
                                f"time data {text!r} does not match format '%Y-%m-%d %H:%M:%S'") from None
    if moment.date() < timezone.now().astimezone(dt.timezone.utc).date():
        raise orm.validation_error(
            f"The delivery date {moment:%m/%d/%Y} is in the past. Set a delivery date (commitment_date) from today on.")
    return moment.strftime(ODOO_DATETIME)


def _line(values: dict, sequence: int, order_id: int, partner: dict, pricelist: dict | None, currency_id: int,
          uid: int) -> dict:
    _check_fields(LINE, values)
    if not values.get("product_id"):
        raise orm.validation_error("The operation cannot be completed: Missing required fields on accountable sale "
                                   "order line.")
    product = _existing("product.product", values["product_id"], uid)
    unit = _existing("uom.uom", values.get(mappers.LINE_UNIT_FIELD) or product.get("uom_id"), uid)
    taxes = [_existing("account.tax", tax_id, uid) for tax_id in _tax_ids(values.get(mappers.LINE_TAXES_FIELD))]
    quantity = _number(values.get("product_uom_qty", 1.0), "product_uom_qty")
    rounding = Decimal(str(unit.get("rounding") or "0.01"))
    if quantity % rounding != 0:
        raise orm.user_error(
            f"The quantity {quantity:f} for the product \"{orm.display_name('product.product', product)}\" doesn't "
            f"respect the rounding precision defined on the unit of measure \"{unit['name']}\". Please change the "
            "quantity or the rounding precision of your unit of measure.")
    if "price_unit" in values:
        price = _number(values["price_unit"], "price_unit")
    else:
        price = _pricelist_price(pricelist, product, quantity) or Decimal(str(product.get("lst_price") or 0))
    discount = _number(values.get("discount", 0), "discount")
    subtotal = (quantity * price * (Decimal(100) - discount) / Decimal(100)).quantize(CENT, ROUND_HALF_UP)
    tax = sum(((subtotal * Decimal(str(t["amount"])) / Decimal(100)).quantize(CENT, ROUND_HALF_UP) for t in taxes),
              Decimal("0.00"))
    return {
        "id": next_number(LINE + ".id"), "order_id": order_id, "sequence": sequence,
        "name": values.get("name") or orm.display_name("product.product", product), "product_id": product["id"],
        "product_uom_qty": format(quantity, "f"), "product_uom": unit["id"], "price_unit": format(price, "f"),
        "discount": format(discount, "f"), "tax_id": [t["id"] for t in taxes], "price_subtotal": format(subtotal, "f"),
        "price_tax": format(tax, "f"), "price_total": format(subtotal + tax, "f"), "currency_id": currency_id,
        "state": "draft",
    }


def _tax_ids(commands) -> list:
    """many2many commands → ids: [6, 0, ids] replaces, [4, id] links."""
    ids: list = []
    for command in commands or []:
        if isinstance(command, list) and command[:1] == [mappers.REPLACE_COMMAND] and len(command) == 3:
            ids = list(command[2])
        elif isinstance(command, list) and command[:1] == [4] and len(command) >= 2:
            ids.append(command[1])
        else:
            raise orm.OdooException("builtins.ValueError",
                                    f"The emulator links taxes with [6, 0, ids] or [4, id], got {command!r}")
    return ids


def _pricelist_price(pricelist: dict | None, product: dict, quantity: Decimal) -> Decimal | None:
    if pricelist is None:
        return None
    items = orm.search_read("product.pricelist.item", [["pricelist_id", "=", pricelist["id"]]])
    price = mappers.price_from_pricelist_items(items, product=orm.render("product.product", product), quantity=quantity)
    return price.amount if price else None


# ---- state changes -----------------------------------------------------------------------------------------------------


def confirm(ids, uid: int) -> bool:
    """sale.order.action_confirm(ids): quotations (draft, sent) become sales orders."""
    with transaction.atomic():
        orders = [_existing(ORDER, i, uid) for i in _ids(ids)]
        blocked = [o["name"] for o in orders if o["state"] not in mappers.QUOTATION_STATES]
        if blocked:
            raise orm.user_error(f"The following orders are not in a state requiring confirmation: {', '.join(blocked)}")
        for order in orders:
            _set_state(order, "sale", date_order=now_text())
    return True


def cancel(ids, uid: int) -> bool:
    """sale.order.action_cancel(ids)."""
    with transaction.atomic():
        for order in [_existing(ORDER, i, uid) for i in _ids(ids)]:
            _set_state(order, "cancel")
    return True


def _ids(ids) -> list:
    return [ids] if isinstance(ids, int) else list(ids or [])


def _set_state(order: dict, state: str, **changes) -> None:
    orm.put(ORDER, {**order, "state": state, **changes})
    for line_id in order.get("order_line") or []:
        line = orm.get(LINE, line_id)
        if line:
            orm.put(LINE, {**line, "state": state})
