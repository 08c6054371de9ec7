"""An emulator of Odoo's External API (JSON-RPC), served by Django under /sandbox/odoo/ — Odoo's own path below it.

So `ODOO_BASE_URL=<host>/sandbox/odoo` runs the same client code as a real Odoo 17/18. Served:

  POST /sandbox/odoo/jsonrpc   {"jsonrpc": "2.0", "method": "call", "params": {"service", "method", "args"}, "id"}
      common: version, login, authenticate (→ uid, or false for a wrong login, key or database)
      object: execute_kw / execute (db, uid, api key checked on every call → AccessDenied) on
              sale.order: create, action_confirm, action_cancel, search, search_count, search_read, read
              res.partner, product.product, product.template, product.pricelist, product.pricelist.item, uom.uom,
              account.payment.term, account.tax, res.currency: search, search_count, search_read, read
  /sandbox/odoo/_control   GET/POST fault modes (handoff_project.sandbox.faults); `locked` answers Odoo's
                           serialization failure ("could not serialize access due to concurrent update")
  /sandbox/odoo/_state     GET {"sales_orders", "customers", "items", "pricelists", "pricelist_items",
                                "payment_terms", "taxes", "units"}

Like Odoo: every answer is HTTP 200, failures as {"error": {"code": 200, "message": "Odoo Server Error", "data":
{"name", "message", "arguments", "context", "debug"}}}; one execute_kw is one transaction (nothing of a failed
create is kept); the order rules are in sandbox_orders.py. Credentials: settings.ODOO_DATABASE / ODOO_USER /
ODOO_API_KEY; the user's uid is 2. Master data comes in through `seed_master_data` (erp_world.seed_erp("odoo")).
Fault modes about writes (lose_response, locked) hit the modifying methods (create, action_confirm, …); the others
hit every call.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from handoff_project.sandbox import faults, store
from handoff_project.sandbox.basic_auth import same_secret
from handoff_project.sandbox.models import SandboxRecord

from . import sandbox_orders as orders
from . import sandbox_orm as orm
from .sandbox_orm import OdooException

SYSTEM = orm.SYSTEM
UID = 2
VERSION = {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0], "server_serie": "17.0",
           "protocol_version": 1}
MODIFYING = {"create", "write", "unlink", "copy", "action_confirm", "action_cancel"}
READ_METHODS = {"search", "search_count", "search_read", "read"}
ORDER_METHODS = {"create": orders.create, "action_confirm": orders.confirm, "action_cancel": orders.cancel}
CURRENCY_IDS = {"EUR": 1, "USD": 2, "GBP": 3}  # the emulator's own ids; more currencies are numbered after these
PUBLIC_PRICELIST = 1
COMPANY = "company"


# ---- JSON-RPC ----------------------------------------------------------------------------------------------------------


def _answer(rpc_id, result) -> JsonResponse:
    return JsonResponse({"jsonrpc": "2.0", "id": rpc_id, "result": result}, json_dumps_params={"ensure_ascii": False})


def _error(rpc_id, exc: OdooException) -> JsonResponse:
    """Odoo's JsonRPCDispatcher answer for an exception (odoo/http.py: serialize_exception), HTTP 200."""
    debug = f"Traceback (most recent call last):\n  File \"odoo/service/model.py\", in retrying\n{exc.name}: {exc.message}\n"
    response = JsonResponse({"jsonrpc": "2.0", "id": rpc_id, "error": {
        "code": 200, "message": "Odoo Server Error",
        "data": {"name": exc.name, "debug": debug, "message": exc.message, "arguments": [exc.message], "context": {}},
    }}, json_dumps_params={"ensure_ascii": False})
    response.odoo_exception = exc  # lets the view put the request's id into a canned answer (the lock response)
    return response


def _locked_response() -> JsonResponse:
    """What Odoo answers when another transaction holds the rows, after its own five retries."""
    return _error(None, OdooException("psycopg2.errors.SerializationFailure",
                                      "could not serialize access due to concurrent update\n"))


faults.register_lock_response(SYSTEM, _locked_response)


def _is_modifying(params) -> bool:
    if not isinstance(params, dict) or params.get("service") != "object":
        return False
    args = params.get("args")
    return isinstance(args, list) and len(args) > 4 and args[4] in MODIFYING


@csrf_exempt
def jsonrpc(request):
    if request.method != "POST":
        return HttpResponse("Method Not Allowed", status=405, content_type="text/plain")
    try:
        call = json.loads(request.body or b"null")
    except ValueError:
        call = None
    params = call.get("params") if isinstance(call, dict) else None
    fault_response, lose_after = faults.gate(SYSTEM, modifying=_is_modifying(params))
    rpc_id = call.get("id") if isinstance(call, dict) else None
    if fault_response is not None:
        exc = getattr(fault_response, "odoo_exception", None)
        return _error(rpc_id, exc) if exc else fault_response
    if not isinstance(params, dict) or call.get("jsonrpc") != "2.0":
        return _error(rpc_id, OdooException("werkzeug.exceptions.BadRequest", "400 Bad Request: Invalid JSON-RPC data"))
    try:
        response = _answer(rpc_id, _dispatch(params.get("service"), params.get("method"), params.get("args") or []))
    except OdooException as exc:
        response = _error(rpc_id, exc)
    if lose_after:  # the call above is committed; only the answer goes missing
        return faults.lost_response(SYSTEM)
    return response


def _key_matches(db, password) -> bool:
    """The database and the API key (or password) of a call; any non-empty key when the emulator has none set."""
    if db != settings.ODOO_DATABASE or not isinstance(password, str) or not password:
        return False
    return not settings.ODOO_API_KEY or same_secret(password, settings.ODOO_API_KEY)


def _login_matches(login) -> bool:
    if not isinstance(login, str) or not login:
        return False
    return not settings.ODOO_USER or same_secret(login, settings.ODOO_USER)


def _dispatch(service, method, args: list):
    if service == "common":
        if method == "version":
            return VERSION
        if method in ("login", "authenticate"):
            db, login, password = (list(args) + [None, None, None])[:3]
            if db != settings.ODOO_DATABASE:
                raise OdooException("psycopg2.OperationalError", 'connection to server on socket '
                                    f'"/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "{db}" does not exist')
            return UID if _login_matches(login) and _key_matches(db, password) else False
        raise OdooException("builtins.AttributeError", f"The method {method!r} of service common does not exist")
    if service == "object" and method in ("execute_kw", "execute"):
        db, uid, password, model, model_method, *rest = list(args) + [None] * max(0, 5 - len(args))
        if uid != UID or not _key_matches(db, password):
            raise OdooException("odoo.exceptions.AccessDenied", "Access Denied")
        if method == "execute_kw":
            call_args, kwargs = (rest + [[], {}])[:2]
        else:
            call_args, kwargs = rest, {}
        return _call_model(model, model_method, call_args or [], kwargs or {})
    raise OdooException("builtins.KeyError", repr(service))


def _call_model(model, method, args: list, kwargs: dict):
    if not isinstance(model, str) or model not in orm.FIELDS:
        raise OdooException("odoo.exceptions.UserError", f"Object {model} doesn't exist")
    if not isinstance(method, str) or method.startswith("_"):
        raise OdooException("odoo.exceptions.AccessError",
                            f"Private methods (such as {model}.{method}) cannot be called remotely.")
    kwargs = {k: v for k, v in kwargs.items() if k not in ("context", "load")}
    try:
        if method in READ_METHODS:
            if method == "search_count":
                return len(orm.search(model, *args, **kwargs))
            if method == "search":
                return [r["id"] for r in orm.search(model, *args, **kwargs)]
            return getattr(orm, method)(model, *args, **kwargs)
        if model == orders.ORDER and method in ORDER_METHODS:
            if method == "create":
                return orders.create(*args, uid=UID, company_currency_id=_company_currency(), **kwargs)
            return ORDER_METHODS[method](*args, uid=UID, **kwargs)
    except TypeError as exc:
        raise OdooException("builtins.TypeError", f"{model}.{method}(): {exc}") from None
    if method in MODIFYING:
        raise OdooException("odoo.exceptions.AccessError",
                            f"You are not allowed to modify '{model}' records through the emulator.")
    raise OdooException("builtins.AttributeError", f"The method '{model}.{method}' does not exist")


def _company_currency() -> int:
    return (store.get(SYSTEM, COMPANY, "1") or {}).get("currency_id") or CURRENCY_IDS["USD"]


# ---- master data ---------------------------------------------------------------------------------------------------


def seed_master_data(data: dict) -> dict:
    """Load the ERP-neutral master data (erp_world.master_data("odoo")) in Odoo's models; idempotent (same ids are
    updated). `reset: true` forgets everything first (sequences keep counting). Returns how many of each it holds.

    customers → res.partner (a customer with customer_prices gets a pricelist of its own, with fixed-price rules);
    items → product.product (+ its product.template, same id): lst_price, standard_price (cost), uom_id;
    payment_terms → account.payment.term; tax_codes → account.tax (percent); units → uom.uom with rounding 1.0 for
    decimals 0, 0.01 for 2 (the first unit named with an id wins: several neutral units may share Odoo's "Units")."""
    if not isinstance(data, dict):
        raise ValueError("master data must be a JSON object")
    known = {"customers", "items", "customer_prices", "payment_terms", "tax_codes", "units", "reset"}
    if set(data) - known:
        raise ValueError(f"unknown keys {sorted(set(data) - known)}; use {', '.join(sorted(known))}")
    with transaction.atomic():
        if data.get("reset"):
            SandboxRecord.objects.filter(system=SYSTEM).exclude(collection=orders.COUNTERS).delete()
        items = data.get("items") or []
        for code in CURRENCY_IDS:  # Odoo ships every ISO currency; the emulator holds these and what the seed names
            _currency(code)
        company = _currency(next((i.get("currency") for i in items if i.get("currency")), "USD"))
        store.put(SYSTEM, COMPANY, "1", {"currency_id": company})
        orm.put("product.pricelist", {"id": PUBLIC_PRICELIST, "name": "Public Pricelist", "currency_id": company,
                                      "active": True})
        seen_units: set[int] = set()
        for unit in data.get("units") or []:
            unit_id = _id(unit, "id")
            if unit_id not in seen_units:
                seen_units.add(unit_id)
                decimals = int(unit.get("decimals", 0))
                orm.put("uom.uom", {"id": unit_id, "name": unit.get("name") or f"Unit {unit_id}", "active": True,
                                    "rounding": format(Decimal(1).scaleb(-decimals), "f")})
        for terms in data.get("payment_terms") or []:
            orm.put("account.payment.term", {"id": _id(terms, "id"), "name": terms.get("name", ""), "active": True})
        for tax in data.get("tax_codes") or []:
            orm.put("account.tax", {"id": _id(tax, "id"), "name": tax.get("name", ""), "amount": _decimal(tax, "rate"),
                                    "amount_type": "percent", "type_tax_use": "sale",
                                    "country_code": tax.get("country", ""), "active": True})
        for item in items:
            _seed_product(item, company)
        prices = data.get("customer_prices") or []
        for customer in data.get("customers") or []:
            _seed_partner(customer, [p for p in prices if str(p.get("customer")) == str(customer.get("id"))])
    return {model: store.count(SYSTEM, model) for model in
            ("res.partner", "product.product", "product.pricelist.item", "account.payment.term", "account.tax",
             "uom.uom", "sale.order")}


def _id(record, field: str) -> int:
    value = str(record.get(field, "") if isinstance(record, dict) else "").strip()
    if not value.isdigit() or int(value) <= 0:
        raise ValueError(f"{field} must be an Odoo record id (a positive whole number), got {value!r}")
    return int(value)


def _decimal(record: dict, field: str) -> str:
    try:
        return format(Decimal(str(record.get(field, "0") or "0")), "f")
    except InvalidOperation:
        raise ValueError(f"{field} must be a decimal, got {record.get(field)!r}") from None


def _currency(code: str) -> int:
    code = str(code or "").upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"currency must be an ISO 4217 code, got {code!r}")
    existing = orm.search("res.currency", [["name", "=", code]])
    if existing:
        return existing[0]["id"]
    currency_id = CURRENCY_IDS.get(code) or 100 + orders.next_number("res.currency.id")
    orm.put("res.currency", {"id": currency_id, "name": code, "symbol": code, "active": True})
    return currency_id


def _seed_product(item: dict, company_currency: int) -> None:
    product_id = _id(item, "id")
    price = _decimal(item, "price")
    orm.put("product.template", {"id": product_id, "name": item.get("description", ""), "list_price": price})
    orm.put("product.product", {
        "id": product_id, "name": item.get("description", ""), "default_code": None, "product_tmpl_id": product_id,
        "categ_name": item.get("group", ""), "uom_id": _id(item, "unit") if item.get("unit") else 1,
        "lst_price": price, "list_price": price, "standard_price": _decimal(item, "cost"),
        "currency_id": _currency(item.get("currency") or "USD"), "cost_currency_id": company_currency,
        "sale_ok": True, "active": True})


def _seed_partner(customer: dict, prices: list[dict]) -> None:
    partner_id = _id(customer, "id")
    pricelist_id = PUBLIC_PRICELIST
    if prices:
        pricelist_id = 1000 + partner_id  # the emulator's numbering: one pricelist per customer with own prices
        currency = _currency(prices[0].get("currency") or customer.get("currency") or "USD")
        orm.put("product.pricelist", {"id": pricelist_id, "name": f"{customer.get('name', '')} prices",
                                      "currency_id": currency, "active": True})
        for price in prices:
            product_id = _id(price, "item")
            existing = orm.search("product.pricelist.item",
                                  [["pricelist_id", "=", pricelist_id], ["product_id", "=", product_id]])
            orm.put("product.pricelist.item", {
                "id": existing[0]["id"] if existing else orders.next_number("product.pricelist.item.id"),
                "pricelist_id": pricelist_id, "applied_on": "0_product_variant", "product_id": product_id,
                "product_tmpl_id": None, "min_quantity": "0", "compute_price": "fixed",
                "fixed_price": _decimal(price, "price"), "percent_price": "0", "base": "list_price",
                "date_start": None, "date_end": None, "currency_id": currency})
    orm.put("res.partner", {
        "id": partner_id, "name": customer.get("name", ""), "is_company": True, "street": customer.get("street", ""),
        "city": customer.get("city", ""), "zip": customer.get("postal_code", ""),
        "state_code": customer.get("region", ""), "country_code": customer.get("country", ""),
        "vat": customer.get("vat_id", ""), "email": "", "property_product_pricelist": pricelist_id, "active": True})


# ---- control, state, seed ------------------------------------------------------------------------------------------


@csrf_exempt
def control(request):
    return faults.control(request, SYSTEM)


def state(request):
    def rendered(model):
        return [orm.render(model, r) for r in orm.all_records(model)]

    sales_orders = []
    for order in rendered(orders.ORDER):
        lines = orm.read(orders.LINE, order["order_line"])
        sales_orders.append({**order, "lines": lines})
    return JsonResponse({
        "sales_orders": sales_orders, "customers": rendered("res.partner"), "items": rendered("product.product"),
        "pricelists": rendered("product.pricelist"), "pricelist_items": rendered("product.pricelist.item"),
        "payment_terms": rendered("account.payment.term"), "taxes": rendered("account.tax"),
        "units": rendered("uom.uom"),
    })


urlpatterns = [
    path("_control", control, name="odoo-sandbox-control"),
    path("_state", state, name="odoo-sandbox-state"),
    path("jsonrpc", jsonrpc, name="odoo-sandbox-jsonrpc"),
]
