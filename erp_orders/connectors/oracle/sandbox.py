"""An emulator of Oracle Fusion Cloud SCM's REST API, served by Django under /sandbox/oracle/ (Oracle's own paths
below it), so `ORACLE_BASE_URL=<host>/sandbox/oracle` runs the same client code as a Fusion pod. Served:

  /sandbox/oracle/fscmRestApi/resources/11.13.18.05/
      salesOrdersForOrderHub                 GET (q, fields, expand, onlyData, limit, offset, orderBy, totalResults)
                                             POST composite create (header + lines + shipToCustomer/billToCustomer)
                                             → 201 + Location + the created order
      salesOrdersForOrderHub/{OrderKey}      GET (OrderKey = HeaderId or SourceTransactionSystem:SourceTransactionId)
      salesOrdersForOrderHub/{OrderKey}/child/lines   GET
      priceLists  ·  priceLists/{PriceListId}/child/items (expand=charges)  ·  itemCosts     GET
  /sandbox/oracle/_control   GET/POST fault modes (handoff_project.sandbox.faults; "locked" answers JBO-26030)
  /sandbox/oracle/_state     GET {"sales_orders", "parties", "items", "price_lists", "item_costs", "payment_terms", …}
  /sandbox/oracle/_seed      POST the ERP-neutral master data (handoff_project.demo.erp_world.master_data)

Like Oracle: HTTP Basic on every call (401 without it), ADF's collection and item shapes with links, errors as
`application/vnd.oracle.adf.error+json` under REST-Framework-Version 4 (text/plain before), Order Management's
validation (sandbox_orders.py), and a second create of the same source order refused unless it is a revision. All
state lives in the database (SandboxRecord), shared by the web server, the worker and the tests. Credentials:
settings.ORACLE_USER / ORACLE_PASSWORD; when ORACLE_USER is empty any Basic credentials are accepted.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from handoff_project.sandbox import faults, store
from handoff_project.sandbox.basic_auth import basic_user
from handoff_project.sandbox.endpoints import standard_urls
from handoff_project.sandbox.models import SandboxRecord

from . import sandbox_orders as orders
from . import sandbox_pricing as pricing
from .sandbox_adf import COLLECTION_TYPE, AdfError, Options, collection, framework_version, json_response, render

SYSTEM = orders.SYSTEM
API = r"^fscmRestApi/resources/11\.13\.18\.05/"
ORDER_QUERYABLE = orders.HEADER | {"HeaderId", "OrderNumber", "OrderKey", "StatusCode", "Status", "CreationDate",
                                   "LastUpdateDate", "CreatedBy", "ChangeVersionNumber"}


# ---- master data ---------------------------------------------------------------------------------------------------


def seed_master_data(data: dict) -> dict:
    """Load the ERP-neutral demo seed (erp_world.master_data) in Oracle's shapes; idempotent (same keys are updated).

    customers → parties (PartyNumber, with an account of the same number), items → items (ItemNumber,
    PrimaryUOMCode) plus the general price list and item costs, customer_prices → customer price lists, payment_terms
    → payment terms names, tax_codes → tax classification codes, units → units of measure with their decimal
    precision. `reset: true` forgets orders and master data first (number ranges keep counting). The business unit
    and source system in settings are set up as Order Management would have them.
    """
    if not isinstance(data, dict):
        raise ValueError("master data must be a JSON object")
    known = {"customers", "items", "customer_prices", "payment_terms", "tax_codes", "units", "reset"}
    if set(data) - known:
        raise ValueError(f"unknown keys {sorted(set(data) - known)}; use {', '.join(sorted(known))}")
    with transaction.atomic():
        if data.get("reset"):
            SandboxRecord.objects.filter(system=SYSTEM).exclude(collection=orders.COUNTERS).delete()
        store.put(SYSTEM, orders.SETUP, "order_management", {
            "business_units": [settings.ORACLE_BUSINESS_UNIT], "source_systems": [settings.ORACLE_SOURCE_SYSTEM]})
        for customer in data.get("customers") or []:
            number = _key(customer, "id", 30)
            existing = store.get(SYSTEM, orders.PARTIES, number) or {}
            store.put(SYSTEM, orders.PARTIES, number, {
                "PartyNumber": number, "PartyId": existing.get("PartyId") or orders.next_number("party_id", 300000047001),
                "PartyName": customer.get("name", ""), "AccountNumber": number, "Address1": customer.get("street", ""),
                "City": customer.get("city", ""), "State": customer.get("region", ""),
                "PostalCode": customer.get("postal_code", ""), "Country": customer.get("country", "")})
        for item in data.get("items") or []:
            number = _key(item, "id", 300)
            existing = store.get(SYSTEM, orders.ITEMS, number) or {}
            store.put(SYSTEM, orders.ITEMS, number, {
                "ItemNumber": number, "ItemId": existing.get("ItemId") or orders.next_number("item_id", 300000048001),
                "ItemDescription": item.get("description", ""), "PrimaryUOMCode": item.get("unit", ""),
                "ItemCatalogGroup": item.get("group", "")})
        for terms in data.get("payment_terms") or []:
            name = _key(terms, "id", 15)
            store.put(SYSTEM, orders.TERMS, name, {"Name": name, "Description": terms.get("name", name),
                                                   "DueDays": terms.get("days")})
        for tax in data.get("tax_codes") or []:
            code = _key(tax, "id", 50)
            store.put(SYSTEM, orders.TAXES, code, {"TaxClassificationCode": code, "Meaning": tax.get("name", code),
                                                   "Country": tax.get("country", ""), "Rate": str(tax.get("rate", ""))})
        for unit in data.get("units") or []:
            code = _key(unit, "id", 3)
            store.put(SYSTEM, orders.UOMS, code, {"UOMCode": code, "UnitOfMeasure": unit.get("name", code),
                                                  "DecimalPrecision": int(unit.get("decimals", 0))})
        pricing.seed_price_lists(data.get("items") or [], data.get("customer_prices") or [],
                                 business_unit=settings.ORACLE_BUSINESS_UNIT, next_number=orders.next_number)
        pricing.seed_item_costs(data.get("items") or [])
    return {name: store.count(SYSTEM, name) for name in (orders.PARTIES, orders.ITEMS, pricing.PRICE_LISTS,
                                                         orders.TERMS, orders.ORDERS)}


def _key(record, field: str, max_length: int) -> str:
    value = str(record.get(field, "") if isinstance(record, dict) else "").strip()
    if not value or len(value) > max_length:
        raise ValueError(f"{field} must be 1 to {max_length} characters, got {value!r}")
    return value


# ---- Basic auth, the API wrapper -------------------------------------------------------------------------------------


def _user(request) -> str | None:
    return basic_user(request, user=settings.ORACLE_USER, password=settings.ORACLE_PASSWORD)


def _unauthorized() -> HttpResponse:
    response = HttpResponse(b"", status=401)
    response["WWW-Authenticate"] = 'Basic realm="Oracle Fusion Applications"'
    return response


def api(methods: tuple[str, ...] = ("GET",)):
    """Wrap an emulated REST view: fault gate, Basic auth, allowed methods, ADF errors, a lost answer."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            modifying = request.method not in ("GET", "HEAD")
            fault_response, lose_after = faults.gate(SYSTEM, modifying=modifying)
            if fault_response is not None:
                return fault_response
            user = _user(request)
            if user is None:
                return _unauthorized()
            version = 1  # until the header is read: a bad header is answered in the plain format
            try:
                version = framework_version(request)
                if request.method not in methods:
                    raise AdfError(405, [("", f"The method {request.method} isn't supported on this resource.", "")])
                response = view(request, *args, user=user, root=_root(request), **kwargs)
            except AdfError as exc:
                response = exc.response(version)
            if lose_after:  # the work above is committed; only the answer goes missing
                return faults.lost_response(SYSTEM)
            response["REST-Framework-Version"] = str(version)
            return response

        return wrapper

    return decorate


def _root(request) -> str:
    full = request.path
    marker = "/fscmRestApi/resources/11.13.18.05/"
    return request.build_absolute_uri(full[: full.index(marker) + len(marker)])


def _order(key: str) -> dict:
    if key.isdigit():
        found = store.get(SYSTEM, orders.ORDERS, key)
    else:
        record = store.get(SYSTEM, orders.SOURCE_ORDERS, key)
        found = store.get(SYSTEM, orders.ORDERS, record["HeaderId"]) if record else None
    if found is None:
        raise AdfError(404, [("", f"The sales order {key} doesn't exist or you don't have access to it.", "")])
    return found


# ---- views ---------------------------------------------------------------------------------------------------------


@api(methods=("GET", "POST"))
def sales_orders(request, *, user, root):
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"null", parse_float=Decimal)
        except ValueError:
            raise AdfError(400, [("", "The request body isn't valid JSON.", "")]) from None
        order = orders.save_order(orders.build_order(body, user=user))
        node = orders.order_node(order, root)
        options = Options(version=framework_version(request), expand={"all"})
        response = json_response(render(node, options), status=201)
        response["Location"] = node.href
        return response
    nodes = [orders.order_node(o, root) for o in store.all_of(SYSTEM, orders.ORDERS)]
    return json_response(collection(request, nodes, href=f"{root}salesOrdersForOrderHub", name="salesOrdersForOrderHub",
                                    queryable=ORDER_QUERYABLE), content_type=COLLECTION_TYPE)


@api()
def sales_order(request, key, *, user, root):
    return json_response(render(orders.order_node(_order(key), root), Options.from_request(request)))


@api()
def sales_order_lines(request, key, *, user, root):
    node = orders.order_node(_order(key), root)
    return json_response(collection(request, node.children["lines"], href=f"{node.href}/child/lines", name="lines",
                                    queryable=orders.LINE | {"LineId", "LineNumber", "FulfillLineId", "StatusCode"}),
                         content_type=COLLECTION_TYPE)


@api()
def price_lists(request, *, user, root):
    return json_response(pricing.price_lists(request, root), content_type=COLLECTION_TYPE)


@api()
def price_list_items(request, price_list_id, *, user, root):
    return json_response(pricing.price_list_items(request, root, price_list_id), content_type=COLLECTION_TYPE)


@api()
def item_costs(request, *, user, root):
    return json_response(pricing.item_costs(request, root), content_type=COLLECTION_TYPE)


def state() -> dict:
    return {
        "sales_orders": store.all_of(SYSTEM, orders.ORDERS),
        "parties": store.all_of(SYSTEM, orders.PARTIES),
        "items": store.all_of(SYSTEM, orders.ITEMS),
        "price_lists": store.all_of(SYSTEM, pricing.PRICE_LISTS),
        "item_costs": store.all_of(SYSTEM, pricing.ITEM_COSTS),
        "payment_terms": [t["Name"] for t in store.all_of(SYSTEM, orders.TERMS)],
        "tax_classifications": [t["TaxClassificationCode"] for t in store.all_of(SYSTEM, orders.TAXES)],
        "units_of_measure": store.all_of(SYSTEM, orders.UOMS),
    }


def _locked_response() -> HttpResponse:
    """What ADF answers while another user holds the row (the customer or a concurrent change): JBO-26030."""
    return AdfError(409, [("JBO-26030", "Failed to lock the record, another user holds the lock.", "")]).response(4)


faults.register_lock_response(SYSTEM, _locked_response)

urlpatterns = [
    *standard_urls(SYSTEM, state=state, seeder=seed_master_data),
    re_path(API + r"salesOrdersForOrderHub$", sales_orders),
    re_path(API + r"salesOrdersForOrderHub/(?P<key>[^/]{1,120})$", sales_order),
    re_path(API + r"salesOrdersForOrderHub/(?P<key>[^/]{1,120})/child/lines$", sales_order_lines),
    re_path(API + r"priceLists$", price_lists),
    re_path(API + r"priceLists/(?P<price_list_id>\d{1,18})/child/items$", price_list_items),
    re_path(API + r"itemCosts$", item_costs),
]
