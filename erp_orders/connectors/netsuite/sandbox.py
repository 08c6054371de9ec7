"""An emulator of NetSuite's SuiteTalk REST web services (record API v1), served by Django under /sandbox/netsuite/.

So `NETSUITE_BASE_URL=<host>/sandbox/netsuite` runs the same client code as a real account. Served, below
/sandbox/netsuite/services/rest/record/v1/ (record type names case-insensitive, as NetSuite's):

    POST salesOrder                        204 No Content + Location: …/salesOrder/<internal id>
    GET  salesOrder[?limit&offset]         collection: {"links", "count", "hasMore", "items": [{"links", "id"}], …}
    GET  salesOrder/<id> | salesOrder/eid:<externalId>[?expandSubResources=true]
    GET  customer/<id>[/itemPricing]       the customer, its item pricing sublist
    GET  <item type>/<id>[/price]          inventoryItem, nonInventorySaleItem, serviceSaleItem; the price sublist
    GET  currency?q=symbol IS "USD"        record collection filtering (only `<field> IS <value>`), currency/<id>
    /sandbox/netsuite/_control             GET/POST fault modes (handoff_project.sandbox.faults)
    /sandbox/netsuite/_state               GET everything it holds; /sandbox/netsuite/_seed POST master data

Like NetSuite: every API call needs token-based authentication (OAuth 1.0a, HMAC-SHA256, realm = account id) with
a valid signature, a fresh nonce and a current timestamp, else 401 INVALID_LOGIN; bodies and errors are
`application/vnd.oracle.resource+json` (type=singular / collection / error); external ids are unique, a second order
with one is refused with DUP_RCRD. Credentials: settings.NETSUITE_*; without a consumer secret configured any
well-formed OAuth header is accepted (a demo without configuration still sends one). State: sandbox_records.py.
"""

from __future__ import annotations

import functools
import hmac
import json
import re
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError
from django.http import HttpResponse
from django.urls import re_path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from handoff_project.sandbox import faults, store
from handoff_project.sandbox.endpoints import standard_urls
from handoff_project.sandbox.models import SandboxRecord

from . import oauth
from . import sandbox_records as records
from .mappers import to_json
from .sandbox_records import SYSTEM, Refused, error, seed_master_data

API = "services/rest/record/v1"
MODIFYING = {"POST", "PUT", "PATCH", "DELETE"}
TIMESTAMP_WINDOW_S = 300  # how far a request's oauth_timestamp may be from the emulator's clock
ITEM_TYPES = {"inventoryitem": "inventoryItem", "noninventorysaleitem": "nonInventorySaleItem",
              "noninventoryresaleitem": "nonInventoryResaleItem", "servicesaleitem": "serviceSaleItem",
              "serviceresaleitem": "serviceResaleItem"}
_STATUS_TITLES = {400: ("Bad Request", "10.4.1"), 401: ("Unauthorized", "10.4.2"), 403: ("Forbidden", "10.4.4"),
                  404: ("Not Found", "10.4.5"), 405: ("Method Not Allowed", "10.4.6")}
KNOWN_TYPES = {"salesorder", "customer", "currency", *ITEM_TYPES}
_Q = re.compile(r'^\s*(?P<field>\w+)\s+IS\s+"?(?P<value>[^"]*)"?\s*$', re.I)
_NUMBERS = {"subtotal", "taxTotal", "total", "exchangeRate", "quantity", "rate", "amount", "price", "cost",
            "averageCost", "value"}


def _error_response(status: int, details: list[dict]) -> HttpResponse:
    title, section = _STATUS_TITLES.get(status, ("Error", "10.4"))
    body = {"type": f"https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec{section}", "title": title,
            "status": status, "o:errorDetails": details}
    return HttpResponse(json.dumps(body), status=status, content_type="application/vnd.oracle.resource+json; type=error")


def _resource(body: dict, kind: str = "singular") -> HttpResponse:
    return HttpResponse(to_json(_numbers(body)), content_type=f"application/vnd.oracle.resource+json; type={kind}")


def _numbers(value, key: str = ""):
    """Stored numbers are strings; NetSuite writes them as JSON numbers."""
    if isinstance(value, dict):
        return {k: _numbers(v, k) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return Decimal(value) if key in _NUMBERS and isinstance(value, str) and value else value


def _link(href: str) -> list[dict]:
    return [{"rel": "self", "href": href}]


# ---- token-based authentication ----------------------------------------------------------------------------------


def _authenticated(request) -> bool:
    params = oauth.parse_authorization(request.headers.get("Authorization", ""))
    if not params or params.get("oauth_signature_method") != oauth.SIGNATURE_METHOD:
        return False
    nonce, stamp = params.get("oauth_nonce", ""), params.get("oauth_timestamp", "")
    if len(nonce) < 6 or not stamp.isdigit() or abs(time.time() - int(stamp)) > TIMESTAMP_WINDOW_S:
        return False
    if settings.NETSUITE_CONSUMER_SECRET:
        expected = {"realm": settings.NETSUITE_ACCOUNT_ID, "oauth_consumer_key": settings.NETSUITE_CONSUMER_KEY,
                    "oauth_token": settings.NETSUITE_TOKEN_ID}
        if any(not hmac.compare_digest(params.get(k, ""), v) for k, v in expected.items()):
            return False
        base = oauth.signature_base_string(request.method, request.build_absolute_uri(), params)
        good = oauth.sign(base, settings.NETSUITE_CONSUMER_SECRET, settings.NETSUITE_TOKEN_SECRET)
        if not hmac.compare_digest(params.get("oauth_signature", ""), good):
            return False
    return _first_use_of(params.get("oauth_token", ""), nonce)


def _first_use_of(token: str, nonce: str) -> bool:
    """A nonce is good once per token; nonces older than the timestamp window are forgotten (they would be refused
    for their timestamp anyway)."""
    SandboxRecord.objects.filter(system=SYSTEM, collection=records.NONCES,
                                 created_at__lt=timezone.now() - timedelta(seconds=2 * TIMESTAMP_WINDOW_S)).delete()
    try:
        SandboxRecord.objects.create(system=SYSTEM, collection=records.NONCES, key=f"{token}:{nonce}"[:100], data={})
    except IntegrityError:
        return False
    return True


def _unauthorized() -> HttpResponse:
    response = _error_response(401, [error("INVALID_LOGIN", "Invalid login attempt. For more details, see the Login "
                                           "Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management "
                                           "> View Login Audit Trail.")])
    response["WWW-Authenticate"] = (f'OAuth realm="{settings.NETSUITE_ACCOUNT_ID}", error="token_rejected", '
                                    'error_description="Invalid login attempt."')
    return response


def api(methods: tuple[str, ...] = ("GET",)):
    """Wrap an emulated REST view: fault gate, token-based authentication, allowed methods, NetSuite errors."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            fault_response, lose_after = faults.gate(SYSTEM, modifying=request.method in MODIFYING)
            if fault_response is not None:
                return fault_response
            if not _authenticated(request):
                return _unauthorized()
            try:
                if request.method not in methods:
                    raise Refused(405, error("INVALID_REQUEST", f"Method {request.method} is not allowed here."))
                response = view(request, *args, root=_api_root(request), **kwargs)
            except Refused as exc:
                response = _error_response(exc.status, exc.details)
            if lose_after:  # the work above is committed; only the answer goes missing
                return faults.lost_response(SYSTEM)
            return response

        return wrapper

    return decorate


def _api_root(request) -> str:
    """The absolute URL of the record API as the client called it (…/services/rest/record/v1)."""
    end = request.path.lower().index(API) + len(API)
    return request.build_absolute_uri(request.path[:end])


def _not_found() -> Refused:
    return Refused(404, error("NONEXISTENT_ID", "The record instance does not exist. Provide a valid record "
                                                      "instance ID."))


def _held(collection: str, key: str) -> dict:
    record = store.get(SYSTEM, collection, key)
    if record is None:
        raise _not_found()
    return record


# ---- records -------------------------------------------------------------------------------------------------------


def _render_order(order: dict, root: str, expand: bool) -> dict:
    href = f"{root}/salesOrder/{order['id']}"
    body = {"links": _link(href), "id": order["id"], **{k: v for k, v in order.items() if k not in ("id", "lines")}}
    lines = [{"links": _link(f"{href}/item/{line['line']}"), **line} for line in order["lines"]]
    body["item"] = {"links": _link(f"{href}/item"), **({"items": lines, "totalResults": len(lines)} if expand else {})}
    return body


@api(methods=("GET", "POST"))
def sales_orders(request, *, root):
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"null", parse_float=Decimal)
        except ValueError:
            raise Refused(400, error("INVALID_CONTENT", "The request body is not valid JSON.")) from None
        order = records.save_sales_order(body)
        response = HttpResponse(status=204)
        response["Location"] = f"{root}/salesOrder/{order['id']}"
        return response
    orders = store.all_of(SYSTEM, records.ORDERS)
    limit, offset = _int(request.GET.get("limit"), 1000), _int(request.GET.get("offset"), 0)
    page = orders[offset:offset + limit]
    return _resource({"links": _link(request.build_absolute_uri()), "count": len(page),
                      "hasMore": offset + limit < len(orders), "offset": offset, "totalResults": len(orders),
                      "items": [{"links": _link(f"{root}/salesOrder/{o['id']}"), "id": o["id"]} for o in page]},
                     "collection")


@api()
def sales_order(request, key, *, root):
    if key.lower().startswith("eid:"):
        order = records.order_by_external_id(key[4:])
        if order is None:
            raise _not_found()
    else:
        order = _held(records.ORDERS, key)
    return _resource(_render_order(order, root, request.GET.get("expandSubResources") == "true"))


@api()
def customer(request, key, sublist=None, *, root):
    return _record_or_sublist(_held(records.CUSTOMERS, key), f"{root}/customer/{key}", "itemPricing",
                              sublist is not None, hidden={"country", "region"})


@api()
def item(request, item_type, key, sublist=None, *, root):
    record = _held(records.ITEMS, key)
    record_type = ITEM_TYPES[item_type.lower()]
    if record["recordType"] != record_type:
        raise _not_found()  # an internal id belongs to one item type; the others do not know it
    return _record_or_sublist(record, f"{root}/{record_type}/{key}", "price", sublist is not None,
                              hidden={"recordType", "class"})


def _record_or_sublist(record: dict, href: str, sublist: str, want_sublist: bool, *, hidden: set) -> HttpResponse:
    """The record with its sublist as a link (as NetSuite answers a GET), or the sublist's rows themselves."""
    if want_sublist:
        rows = [{"links": _link(f"{href}/{sublist}/{i}"), **row} for i, row in enumerate(record[sublist], 1)]
        return _resource({"links": _link(f"{href}/{sublist}"), "items": rows, "totalResults": len(rows)})
    body = {k: v for k, v in record.items() if k not in hidden and k != sublist}
    return _resource({"links": _link(href), **body, sublist: {"links": _link(f"{href}/{sublist}")}})


@api()
def currencies(request, *, root):
    rows = store.all_of(SYSTEM, records.CURRENCIES)
    if request.GET.get("q"):
        match = _Q.match(request.GET["q"])
        if not match or match["field"] not in ("symbol", "name", "id"):
            raise Refused(400, {**error("INVALID_PARAMETER", f"Invalid query {request.GET['q']!r}: the emulator "
                                              "filters currencies with '<symbol|name|id> IS <value>' only."),
                                      "o:errorQueryParam": "q"})
        rows = [r for r in rows if str(r[match["field"]]).lower() == match["value"].lower()]
    items = [{"links": _link(f"{root}/currency/{r['id']}"), "id": r["id"]} for r in rows]
    return _resource({"links": _link(request.build_absolute_uri()), "count": len(items), "hasMore": False,
                      "offset": 0, "totalResults": len(items), "items": items}, "collection")


@api()
def currency(request, key, *, root):
    return _resource({"links": _link(f"{root}/currency/{key}"), **_held(records.CURRENCIES, key)})


@api(methods=("GET", "POST", "PATCH", "PUT", "DELETE"))
def unknown_record(request, record_type, rest="", *, root):
    if record_type.lower() in KNOWN_TYPES:  # a type we serve, asked with an id or a sublist it does not have
        raise _not_found()
    raise Refused(404, error("NONEXISTENT_ID", f"Record type '{record_type}' does not exist."))


def _int(value, default: int) -> int:
    return int(value) if value and str(value).isdigit() else default


# ---- control, state, seed ------------------------------------------------------------------------------------------


def state() -> dict:
    return {
        "sales_orders": store.all_of(SYSTEM, records.ORDERS),
        **{name: store.all_of(SYSTEM, name) for name in (records.CUSTOMERS, records.ITEMS, records.CURRENCIES,
                                                         records.TERMS, records.UNITS, records.TAX_CODES)},
    }


def _locked_response() -> HttpResponse:
    """What NetSuite answers when the record changed under the save (another user or script holds it)."""
    return _error_response(400, [error("RCRD_HAS_BEEN_CHANGED", "Error while accessing a resource. Record has been "
                                                                "changed.")])


faults.register_lock_response(SYSTEM, _locked_response)

def _any_case(name: str) -> str:
    """A pattern matching `name` in any letter case, as NetSuite does record type names ("salesOrder", "salesorder").
    Spelled out in character classes: an inline (?i) flag would make Django's reverse() fail for every URL."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in name)


_ITEMS = "|".join(_any_case(name) for name in ITEM_TYPES.values())
urlpatterns = [
    *standard_urls(SYSTEM, state=state, seeder=seed_master_data),
    re_path(rf"^{API}/{_any_case('salesOrder')}$", sales_orders),
    re_path(rf"^{API}/{_any_case('salesOrder')}/(?P<key>\d+|eid:[A-Za-z0-9_-]+)$", sales_order),
    re_path(rf"^{API}/{_any_case('customer')}/(?P<key>\d+)(?:/(?P<sublist>{_any_case('itemPricing')}))?$", customer),
    re_path(rf"^{API}/(?P<item_type>{_ITEMS})/(?P<key>\d+)(?:/(?P<sublist>{_any_case('price')}))?$", item),
    re_path(rf"^{API}/{_any_case('currency')}$", currencies),
    re_path(rf"^{API}/{_any_case('currency')}/(?P<key>\d+)$", currency),
    re_path(rf"^{API}/(?P<record_type>[^/]+)(?P<rest>/.*)?$", unknown_record),
]
