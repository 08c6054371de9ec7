"""The Odoo emulator's small ORM: the models it holds, their fields, and Odoo's generic read methods over them.

Records live in handoff_project.sandbox.store (collection = model name, key = id) in a raw form: many2one as an int or
None, x2many as a list of ints, numbers as decimal strings (so the emulator computes money in Decimal), datetimes as
Odoo's "YYYY-MM-DD HH:MM:SS" text. `render` turns a record into what Odoo's `read` answers: many2one as
`[id, display_name]` or false, Float/Monetary as JSON numbers, empty values as false.

Served like Odoo's ORM methods (odoo/models.py): `search(domain, offset, limit, order)`, `search_count(domain)`,
`search_read(domain, fields, offset, limit, order)`, `read(ids, fields)` (ids that do not exist are skipped, as Odoo
does). Domains: Polish notation with "&", "|", "!" and implicit "&"; terms `[field, operator, value]` with
=, !=, <, <=, >, >=, in, not in, like, ilike, =like, =ilike, and dotted paths through many2one fields
("currency_id.name"). Unknown fields raise Odoo's ValueError ("Invalid field 'x' on model 'y'").
"""

from __future__ import annotations

import fnmatch
from decimal import Decimal

from handoff_project.sandbox import store

SYSTEM = "odoo"

# model → {field: type}; "many2one:<comodel>", "many2many:<comodel>", "one2many:<comodel>" name their comodel.
FIELDS: dict[str, dict[str, str]] = {
    "res.partner": {"id": "integer", "name": "char", "display_name": "char", "is_company": "boolean",
                    "street": "char", "city": "char", "zip": "char", "state_code": "char", "country_code": "char",
                    "vat": "char", "email": "char", "property_product_pricelist": "many2one:product.pricelist",
                    "active": "boolean"},
    "product.product": {"id": "integer", "name": "char", "display_name": "char", "default_code": "char",
                        "product_tmpl_id": "many2one:product.template", "categ_name": "char",
                        "uom_id": "many2one:uom.uom", "lst_price": "float", "list_price": "float",
                        "standard_price": "float", "currency_id": "many2one:res.currency",
                        "cost_currency_id": "many2one:res.currency", "sale_ok": "boolean", "active": "boolean"},
    "product.template": {"id": "integer", "name": "char", "display_name": "char", "list_price": "float"},
    "uom.uom": {"id": "integer", "name": "char", "display_name": "char", "rounding": "float", "active": "boolean"},
    "account.payment.term": {"id": "integer", "name": "char", "display_name": "char", "active": "boolean"},
    "account.tax": {"id": "integer", "name": "char", "display_name": "char", "amount": "float",
                    "amount_type": "selection", "type_tax_use": "selection", "country_code": "char",
                    "active": "boolean"},
    "res.currency": {"id": "integer", "name": "char", "display_name": "char", "symbol": "char", "active": "boolean"},
    "product.pricelist": {"id": "integer", "name": "char", "display_name": "char",
                          "currency_id": "many2one:res.currency", "active": "boolean"},
    "product.pricelist.item": {"id": "integer", "pricelist_id": "many2one:product.pricelist",
                               "applied_on": "selection", "product_id": "many2one:product.product",
                               "product_tmpl_id": "many2one:product.template", "min_quantity": "float",
                               "compute_price": "selection", "fixed_price": "float", "percent_price": "float",
                               "base": "selection", "date_start": "datetime", "date_end": "datetime",
                               "currency_id": "many2one:res.currency"},
    "sale.order": {"id": "integer", "name": "char", "display_name": "char", "client_order_ref": "char",
                   "state": "selection", "partner_id": "many2one:res.partner",
                   "partner_invoice_id": "many2one:res.partner", "partner_shipping_id": "many2one:res.partner",
                   "payment_term_id": "many2one:account.payment.term", "pricelist_id": "many2one:product.pricelist",
                   "currency_id": "many2one:res.currency", "commitment_date": "datetime", "date_order": "datetime",
                   "validity_date": "date", "origin": "char", "note": "html", "create_date": "datetime",
                   "order_line": "one2many:sale.order.line", "amount_untaxed": "monetary", "amount_tax": "monetary",
                   "amount_total": "monetary", "user_id": "many2one:res.users", "locked": "boolean"},
    "sale.order.line": {"id": "integer", "order_id": "many2one:sale.order", "sequence": "integer", "name": "text",
                        "product_id": "many2one:product.product", "product_uom_qty": "float",
                        "product_uom": "many2one:uom.uom", "price_unit": "float", "discount": "float",
                        "tax_id": "many2many:account.tax", "price_subtotal": "monetary", "price_tax": "float",
                        "price_total": "monetary", "currency_id": "many2one:res.currency", "state": "selection"},
}
NUMERIC = {"float", "monetary"}


class OdooException(Exception):
    """An exception the emulated Odoo raises; the JSON-RPC view serialises it as Odoo's dispatcher does."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name, self.message = name, message


def validation_error(message: str) -> OdooException:
    return OdooException("odoo.exceptions.ValidationError", message)


def user_error(message: str) -> OdooException:
    return OdooException("odoo.exceptions.UserError", message)


def missing_error(model: str, record_id, uid: int) -> OdooException:
    return OdooException("odoo.exceptions.MissingError",
                         f"Record does not exist or has been deleted.\n(Record: {model}({record_id},), User: {uid})")


def invalid_field(model: str, field: str) -> OdooException:
    return OdooException("builtins.ValueError", f"Invalid field {field!r} on model {model!r}")


# ---- records -----------------------------------------------------------------------------------------------------------


def get(model: str, record_id) -> dict | None:
    if not isinstance(record_id, int) or isinstance(record_id, bool):
        return None
    return store.get(SYSTEM, model, str(record_id))


def put(model: str, record: dict) -> dict:
    return store.put(SYSTEM, model, str(record["id"]), record)


def all_records(model: str) -> list[dict]:
    return store.all_of(SYSTEM, model)


def field_type(model: str, field: str) -> str:
    try:
        return FIELDS[model][field]
    except KeyError:
        raise invalid_field(model, field) from None


def display_name(model: str, record: dict) -> str:
    if model == "product.product" and record.get("default_code"):
        return f"[{record['default_code']}] {record['name']}"
    return str(record.get("display_name") or record.get("name") or f"{model},{record['id']}")


def render(model: str, record: dict, fields: list[str] | None = None) -> dict:
    """The record as Odoo's `read` answers it."""
    names = fields or list(FIELDS[model])
    out = {"id": record["id"]}
    for name in names:
        kind = field_type(model, name)
        value = display_name(model, record) if name == "display_name" else record.get(name)
        out[name] = _render_value(kind, value)
    return out


def _render_value(kind: str, value):
    if kind.startswith("many2one:"):
        target = get(kind.split(":", 1)[1], value)
        return [value, display_name(kind.split(":", 1)[1], target)] if target else False
    if kind.startswith(("many2many:", "one2many:")):
        return list(value or [])
    if kind in NUMERIC:
        return float(Decimal(str(value))) if value not in (None, "") else 0.0
    if kind == "integer":
        return int(value or 0)
    if kind == "boolean":
        return bool(value)
    return False if _is_empty(value) else value


# ---- domains -----------------------------------------------------------------------------------------------------------


def _resolve(model: str, record: dict, path: str):
    """The raw value at a (possibly dotted) path; dotted paths go through many2one fields."""
    head, _, rest = path.partition(".")
    kind = field_type(model, head)
    value = record.get(head)
    if not rest:
        if head == "display_name":
            return display_name(model, record)
        return Decimal(str(value)) if kind in NUMERIC and value not in (None, "") else value
    if not kind.startswith("many2one:"):
        raise invalid_field(model, path)
    comodel = kind.split(":", 1)[1]
    target = get(comodel, value)
    return _resolve(comodel, target, rest) if target else None


def _like(value, pattern: str, case: bool, wrap: bool) -> bool:
    text = "" if _is_empty(value) else str(value)
    pattern = pattern.replace("%", "*").replace("_", "?")
    if wrap:
        pattern = f"*{pattern}*"
    return fnmatch.fnmatchcase(text, pattern) if case else fnmatch.fnmatchcase(text.lower(), pattern.lower())


def _term(model: str, record: dict, term) -> bool:
    if not isinstance(term, (list, tuple)) or len(term) != 3:
        raise OdooException("builtins.ValueError", f"Invalid leaf {term!r}")
    path, operator, wanted = term
    value = _resolve(model, record, path)
    empty = _is_empty(value)
    if isinstance(wanted, float) or (isinstance(value, Decimal) and type(wanted) is int):
        wanted = Decimal(str(wanted))  # numbers compare as Decimal, as the emulator stores them
    if isinstance(value, list):  # x2many: the term holds when one of the ids satisfies it
        return any(_term_value(v, operator, wanted, False) for v in value) if not empty else wanted is False
    return _term_value(value, operator, wanted, empty)


def _is_empty(value) -> bool:
    """Odoo's (SQL's) empty: NULL, false, "" or no ids — not 0, which `0 in (None, False)` would call empty."""
    return value is None or value is False or (isinstance(value, (str, list)) and not value)


def _term_value(value, operator: str, wanted, empty: bool) -> bool:
    if wanted is False and operator in ("=", "!="):
        return empty if operator == "=" else not empty
    if operator == "=":
        return value == wanted
    if operator == "!=":
        return value != wanted
    if operator in ("in", "not in"):
        found = value in list(wanted or []) or (empty and False in list(wanted or []))
        return found if operator == "in" else not found
    if operator in ("like", "ilike", "=like", "=ilike"):
        return _like(value, str(wanted), case=operator in ("like", "=like"), wrap=not operator.startswith("="))
    if operator in ("<", "<=", ">", ">="):
        if empty:
            return False  # SQL: NULL compares to nothing
        try:
            return {"<": value < wanted, "<=": value <= wanted, ">": value > wanted, ">=": value >= wanted}[operator]
        except TypeError:
            return False
    raise OdooException("builtins.ValueError", f"Invalid domain operator {operator!r}")


def matches(model: str, record: dict, domain: list) -> bool:
    """Whether the record satisfies an Odoo domain (prefix notation, implicit '&' between top-level parts)."""
    if not isinstance(domain, list):
        raise OdooException("builtins.ValueError", f"Invalid domain {domain!r}")
    results: list[bool] = []
    try:
        for item in reversed(domain):  # a prefix expression, evaluated from the right with a stack
            if item == "!":
                results.append(not results.pop())
            elif item in ("&", "|"):
                left, right = results.pop(), results.pop()
                results.append((left and right) if item == "&" else (left or right))
            else:
                results.append(_term(model, record, item))
    except IndexError:
        raise OdooException("builtins.ValueError", f"Invalid domain {domain!r}: an operator lacks its terms") from None
    return all(results)


# ---- the read methods ----------------------------------------------------------------------------------------------


def _ordered(model: str, records: list[dict], order: str | None) -> list[dict]:
    keys = [part.split() for part in (order or "id").split(",") if part.strip()]
    for words in reversed(keys):
        name, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
        field_type(model, name)
        records = sorted(records, key=lambda r: _sort_value(_resolve(model, r, name)), reverse=direction == "desc")
    return records


def _sort_value(value):
    return (1, "") if _is_empty(value) else (0, value)


def _check_domain(model: str, domain) -> None:
    """Odoo refuses a domain naming a field the model does not have, whether or not any record would be read."""
    if not isinstance(domain, list):
        raise OdooException("builtins.ValueError", f"Invalid domain {domain!r}")
    for term in domain:
        if isinstance(term, (list, tuple)) and term and isinstance(term[0], str):
            path_model = model
            for part in term[0].split("."):
                kind = field_type(path_model, part)
                path_model = kind.split(":", 1)[1] if kind.startswith("many2one:") else path_model


def search(model: str, domain: list, offset: int = 0, limit: int | None = None, order: str | None = None) -> list[dict]:
    _check_domain(model, domain or [])
    found = [r for r in all_records(model) if matches(model, r, domain or [])]
    found = _ordered(model, found, order)[int(offset or 0):]
    return found[: int(limit)] if limit else found


def search_read(model: str, domain=None, fields=None, offset=0, limit=None, order=None) -> list[dict]:
    return [render(model, r, fields) for r in search(model, domain or [], offset, limit, order)]


def read(model: str, ids, fields=None) -> list[dict]:
    ids = [ids] if isinstance(ids, int) else list(ids or [])
    records = [get(model, i) for i in ids]
    return [render(model, r, fields) for r in records if r is not None]
