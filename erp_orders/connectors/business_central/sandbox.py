"""An emulator of Dynamics 365 Business Central's API v2.0 and of its Microsoft Entra ID sign-in, served by Django
under /sandbox/business_central/ (the vendor's own paths below it).

So `BUSINESS_CENTRAL_BASE_URL=<host>/sandbox/business_central` and `BUSINESS_CENTRAL_TOKEN_URL=<host>/sandbox/
business_central/login/<tenant>/oauth2/v2.0/token` run the same client code as the real service. Served:

  login/<tenant>/oauth2/v2.0/token             POST client credentials → {"token_type", "expires_in", "access_token"}
  v2.0/<tenant>/<env>/api/v2.0/companies       GET
    companies(<id>)                            GET the company
    companies(<id>)/<set>                      GET customers, items, paymentTerms, unitsOfMeasure, taxGroups,
                                               generalLedgerSetup, salesOrders ($filter eq/and, $select, $top, $skip,
                                               $expand=salesOrderLines); POST salesOrders
    companies(<id>)/salesOrders(<id>)          GET, PATCH and DELETE (If-Match: the etag, or *)
    companies(<id>)/salesOrders(<id>)/salesOrderLines   GET, POST
  v2.0/<tenant>/<env>/ODataV4/Company('<name>')/SalesPriceListLines   GET (page 7002 published as a web service)
  _control (fault modes), _state       (master data: seed_master_data, called by handoff_project.demo.erp_world)

Like BC: a bearer token from the token endpoint on every API call (401 Authentication_InvalidCredentials without
one), BC's OData error bodies and codes, a second order with the same externalDocumentNumber is accepted (BC does not
keep it unique), and a record lock ("locked" fault mode) answers 409 with BC's lock-timeout text. The token endpoint
is Entra ID, not Business Central, so BC's fault modes do not apply to it. All state in the database.
"""

from __future__ import annotations

import functools
import secrets
import time
import uuid
from urllib.parse import parse_qs

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import re_path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from handoff_project.sandbox import faults, store
from handoff_project.sandbox.basic_auth import same_secret
from handoff_project.sandbox.models import SandboxRecord

from . import sandbox_data as data
from . import sandbox_orders as orders
from . import sandbox_query as query
from .client import SCOPE
from .mappers import decode_json
from .sandbox_query import BcError, bc_json

SYSTEM = data.SYSTEM
MODIFYING = {"POST", "PATCH", "PUT", "DELETE"}
TOKEN_LIFETIME_S = 3599
PRICE_LIST_SERVICE = "SalesPriceListLines"
seed_master_data = data.seed_master_data  # erp_world.SANDBOX_SEEDERS points here
ENTITY_SETS = {"customers": data.CUSTOMERS, "items": data.ITEMS, "paymentTerms": data.TERMS,
               "unitsOfMeasure": data.UNITS, "taxGroups": data.TAX_GROUPS}


# ---- Microsoft Entra ID: client credentials ----------------------------------------------------------------------------


def _entra_error(status: int, error: str, code: int, text: str) -> JsonResponse:
    trace, correlation, moment = uuid.uuid4(), uuid.uuid4(), timezone.now().strftime("%Y-%m-%d %H:%M:%SZ")
    return JsonResponse({"error": error, "error_codes": [code], "timestamp": moment, "trace_id": str(trace),
                         "correlation_id": str(correlation),
                         "error_description": f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: "
                                              f"{correlation}\r\nTimestamp: {moment}"}, status=status)


@csrf_exempt
def token(request, tenant: str):
    if request.method != "POST":
        return _entra_error(400, "invalid_request", 900561, "The endpoint only accepts POST requests.")
    form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
    if tenant != settings.BUSINESS_CENTRAL_TENANT_ID:
        return _entra_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found. Check to make sure you have "
                            "the correct tenant ID and are signing into the correct cloud.")
    for name in ("grant_type", "client_id", "scope"):
        if not form.get(name):
            return _entra_error(400, "invalid_request", 900144,
                                f"The request body must contain the following parameter: '{name}'.")
    if form["grant_type"] != "client_credentials":
        return _entra_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type "
                            f"'{form['grant_type']}'.")
    if not same_secret(form["client_id"], settings.BUSINESS_CENTRAL_CLIENT_ID):
        return _entra_error(400, "unauthorized_client", 700016, f"Application with identifier '{form['client_id']}' "
                            f"was not found in the directory '{tenant}'.")
    if not form.get("client_secret"):
        return _entra_error(401, "invalid_client", 7000218, "The request body must contain the following parameter: "
                            "'client_assertion' or 'client_secret'.")
    if not same_secret(form["client_secret"], settings.BUSINESS_CENTRAL_CLIENT_SECRET):
        return _entra_error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being "
                            "sent in the request is the client secret value, not the client secret ID, for a secret "
                            f"added to app '{form['client_id']}'.")
    if form["scope"] != SCOPE:
        return _entra_error(400, "invalid_scope", 1002012, f"The provided value for scope {form['scope']} is not "
                            "valid. Client credential flows must have a scope value with /.default suffixed to the "
                            "resource identifier (application ID URI).")
    issued = secrets.token_urlsafe(48)
    store.put(SYSTEM, data.TOKENS, issued[:100], {"tenant": tenant, "expires_at": time.time() + TOKEN_LIFETIME_S})
    return JsonResponse({"token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S, "ext_expires_in": TOKEN_LIFETIME_S,
                         "access_token": issued[:100]})


def _authorised(request, tenant: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    held = store.get(SYSTEM, data.TOKENS, presented[:100])
    return bool(held and held["tenant"] == tenant and held["expires_at"] > time.time())


def _unauthorized() -> HttpResponse:
    response = BcError(401, "Authentication_InvalidCredentials", "The server has rejected the client credentials."
                       ).response()
    response["WWW-Authenticate"] = "Bearer"
    return response


# ---- the API -------------------------------------------------------------------------------------------------------------


def api(view):
    """Wrap an emulated API view: fault gate, bearer token, company, BC's error answers, lost responses."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, tenant, environment, *args, company=None, **kwargs):
        fault_response, lose_after = faults.gate(SYSTEM, modifying=request.method in MODIFYING)
        if fault_response is not None:
            return fault_response
        if not _authorised(request, tenant):
            return _unauthorized()
        try:
            if company is not None and company.lower() != str(settings.BUSINESS_CENTRAL_COMPANY_ID).lower():
                raise BcError(404, "BadRequest_ResourceNotFound", "Resource not found for the segment 'companies'.")
            root = request.build_absolute_uri(f"{request.path.split('/api/v2.0')[0]}/api/v2.0/$metadata#")
            response = view(request, *args, root=root, **kwargs)
        except BcError as refused:
            response = refused.response()
        if lose_after:  # the work above is committed; only the answer goes missing
            return faults.lost_response(SYSTEM)
        return response

    return wrapper


def _not_allowed(request, segment: str) -> BcError:
    return BcError(405, "BadRequest_MethodNotAllowed", f"'{request.method}' requests for '{segment}' of EdmType "
                   "'EntitySet' are not allowed within Microsoft Dynamics 365 Business Central OData web services.")


def _body(request):
    try:
        return decode_json(request.body or b"null")
    except ValueError:
        raise BcError(400, "BadRequest", "Invalid Request Body") from None


def _collection(context: str, records: list[dict], params) -> HttpResponse:
    return bc_json({"@odata.context": context, "value": [query.select(r, params) for r in records]})


@api
def companies(request, *, root):
    return _collection(f"{root}companies", [data.company()], request.GET)


@api
def company_entity(request, *, root):
    return bc_json({"@odata.context": f"{root}companies/$entity", **data.company()})


@api
def entity_set(request, entity_set: str, *, root):
    context = f"{root}companies({settings.BUSINESS_CENTRAL_COMPANY_ID})/{entity_set}"
    if entity_set == "salesOrders":
        return _sales_orders(request, context)
    if request.method != "GET":
        raise _not_allowed(request, entity_set)
    if entity_set == "generalLedgerSetup":
        return _collection(context, [data.general_ledger_setup()], request.GET)
    if entity_set not in ENTITY_SETS:
        raise BcError(404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{entity_set}'.")
    records = [data.public(r) for r in data.records(ENTITY_SETS[entity_set])]
    known = set(records[0]) if records else set()
    return _collection(context, query.apply(records, request.GET, known_fields=known), request.GET)


def _sales_orders(request, context: str) -> HttpResponse:
    if request.method == "POST":
        order = orders.create_header(_body(request))
        response = bc_json({"@odata.context": f"{context}/$entity", **orders.render_order(order)}, status=201)
        response["Location"] = request.build_absolute_uri(f"{request.path}({order['id']})")
        return response
    if request.method != "GET":
        raise _not_allowed(request, "salesOrders")
    with_lines = "salesOrderLines" in query.expanded(request.GET)
    shown = [orders.render_order(o, lines=with_lines) for o in data.records(data.ORDERS)]
    shown = sorted(query.apply(shown, request.GET, known_fields=set(orders.HEADER_PROPERTIES)),
                   key=lambda o: o["number"])
    return _collection(context + ("(salesOrderLines())" if with_lines else ""), shown, request.GET)


def _order(order_id: str, *, for_update: bool = False) -> dict:
    rows = SandboxRecord.objects.filter(system=SYSTEM, collection=data.ORDERS, key=order_id.strip("{}").lower())
    row = (rows.select_for_update() if for_update else rows).first()
    if row is None:
        raise BcError(404, "Internal_RecordNotFound", "The Sales Header does not exist. Identification fields and "
                      f"values: SystemId='{{{order_id}}}'")
    return row.data


def _check_etag(request, order: dict) -> None:
    presented = request.headers.get("If-Match", "")
    if not presented:
        raise BcError(400, "BadRequest_InvalidToken", "Could not validate the client concurrency token required by "
                      "the service. Please provide a valid token in the client request.")
    if presented != "*" and presented != order["_etag"]:
        raise BcError(409, "Request_EntityChanged", "Another user has already changed the record.")


@api
def sales_order(request, order_id: str, *, root):
    context = f"{root}companies({settings.BUSINESS_CENTRAL_COMPANY_ID})/salesOrders/$entity"
    if request.method == "GET":
        order = _order(order_id)
        return bc_json({"@odata.context": context,
                        **orders.render_order(order, lines="salesOrderLines" in query.expanded(request.GET))})
    if request.method not in ("PATCH", "DELETE"):
        raise _not_allowed(request, "salesOrders")
    with transaction.atomic():
        order = _order(order_id, for_update=True)
        _check_etag(request, order)
        if request.method == "DELETE":  # the lines go with the header, as BC deletes a document's lines
            SandboxRecord.objects.filter(system=SYSTEM, collection=data.ORDERS, key=order["id"]).delete()
            return HttpResponse(status=204)
        order = orders.update_header(order, _body(request))
    return bc_json({"@odata.context": context, **orders.render_order(order)})


@api
def sales_order_lines(request, order_id: str, *, root):
    context = f"{root}companies({settings.BUSINESS_CENTRAL_COMPANY_ID})/salesOrders({order_id})/salesOrderLines"
    if request.method == "GET":
        lines = [orders.render_line(line) for line in _order(order_id).get("salesOrderLines", [])]
        return _collection(context, query.apply(lines, request.GET, known_fields=set(orders.LINE_PROPERTIES)),
                           request.GET)
    if request.method != "POST":
        raise _not_allowed(request, "salesOrderLines")
    with transaction.atomic():
        line = orders.add_line(_order(order_id, for_update=True), _body(request))
    return bc_json({"@odata.context": f"{context}/$entity", **orders.render_line(line)}, status=201)


@api
def published_page(request, company_name: str, service: str, *, root):
    """Page 7002 "Sales Price List Lines" published as the OData V4 web service SalesPriceListLines."""
    if company_name.replace("''", "'") != data.COMPANY_NAME or service != PRICE_LIST_SERVICE:
        raise BcError(404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{service}'.")
    if request.method != "GET":
        raise _not_allowed(request, service)
    lines = [{"@odata.etag": orders.new_etag(), **data.public(line)} for line in data.records(data.PRICE_LINES)]
    known = set(lines[0]) if lines else set()
    context = request.build_absolute_uri(request.path.split("/Company(")[0] + f"/$metadata#Company('{company_name}')/"
                                         f"{service}")
    return _collection(context, query.apply(lines, request.GET, known_fields=known), request.GET)


# ---- control and state --------------------------------------------------------------------------------------------


@csrf_exempt
def control(request):
    return faults.control(request, SYSTEM)


def state(request):
    return bc_json({
        "sales_orders": [orders.render_order(o, lines=True) for o in data.records(data.ORDERS)],
        **{name: [data.public(r) for r in data.records(name)]
           for name in (data.CUSTOMERS, data.ITEMS, data.TERMS, data.UNITS, data.TAX_GROUPS, data.PRICE_LINES)},
    })


def _locked_response() -> HttpResponse:
    """BC's lock timeout: the text of the "Database lock timed out" telemetry page; HTTP 409 as BC documents for a
    conflict with another session; the code is BC's catch-all "Unknown" (the lock is not in the error code table)."""
    return BcError(409, "Unknown", "The operation could not complete because a record in the Sales Header table was "
                   "locked by another user. Please retry the activity.").response()


faults.register_lock_response(SYSTEM, _locked_response)

_ENV = r"^v2\.0/(?P<tenant>[^/]+)/(?P<environment>[^/]+)"
_KEY = r"[0-9A-Za-z{}-]+"  # a GUID, braces allowed; no ")" in a character class: Django's reverse() cannot read it
_COMPANY = _ENV + rf"/api/v2\.0/companies\((?P<company>{_KEY})\)"
urlpatterns = [
    re_path(r"^_control$", control, name="business-central-sandbox-control"),
    re_path(r"^_state$", state, name="business-central-sandbox-state"),
    re_path(r"^login/(?P<tenant>[^/]+)/oauth2/v2\.0/token$", token),
    re_path(_ENV + r"/api/v2\.0/companies$", companies),
    re_path(_COMPANY + r"$", company_entity),
    re_path(_COMPANY + rf"/salesOrders\((?P<order_id>{_KEY})\)$", sales_order),
    re_path(_COMPANY + rf"/salesOrders\((?P<order_id>{_KEY})\)/salesOrderLines$", sales_order_lines),
    re_path(_COMPANY + r"/(?P<entity_set>\w+)$", entity_set),
    re_path(_ENV + r"/ODataV4/Company\('(?P<company_name>[^/]+)'\)/(?P<service>\w+)$", published_page),
]
