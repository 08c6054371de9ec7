"""An emulator of SAP S/4HANA's OData V2 APIs, served by Django under /sandbox/sap/ (SAP's own paths below it).

So `SAP_BASE_URL=<host>/sandbox/sap` runs the same client code as a real S/4HANA. Served:

  /sandbox/sap/sap/opu/odata/sap/API_SALES_ORDER_SRV/
      GET|HEAD  service document; with `X-CSRF-Token: Fetch` (on any GET) → `x-csrf-token` + SAP_SESSIONID_… cookie
      GET       $metadata (the real edmx, fixtures/)
      GET       A_SalesOrder  ($filter, $select, $expand=to_Item[/to_PricingElement],to_Partner, $top, $skip,
                $orderby, $inlinecount)   ·   A_SalesOrder('N')   ·   A_SalesOrder('N')/to_Item
      POST      A_SalesOrder  deep insert → 201 + location + etag + {"d": order with to_Item expanded}
  /sandbox/sap/sap/opu/odata/sap/API_SLSPRICINGCONDITIONRECORD_SRV/
      GET       A_SlsPrcgCndnRecdValidity ($filter, $expand=to_SlsPrcgConditionRecord), A_SlsPrcgConditionRecord
  /sandbox/sap/_control   GET/POST fault modes (handoff_project.sandbox.faults)
  /sandbox/sap/_state     GET {"sales_orders", "business_partners", "materials", "prices", "payment_terms"}
  /sandbox/sap/_seed      POST master data, see `seed_master_data`

Like SAP: Basic auth on every API call (401), the CSRF token bound to the session cookie on every POST (403 +
`x-csrf-token: Required`), SAP-format OData errors (400), and a second order with the same PurchaseOrderByCustomer is
accepted — idempotency is the caller's job. All state lives in the database (SandboxRecord), so the web server, the
worker and the tests share it. Credentials: settings.SAP_USER / SAP_PASSWORD; when SAP_USER is empty any Basic
credentials are accepted (a demo without configuration still needs the header).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hmac
import json
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from handoff_project.sandbox import faults, store
from handoff_project.sandbox.basic_auth import basic_user
from handoff_project.sandbox.endpoints import standard_urls
from handoff_project.sandbox.models import SandboxRecord

from . import sandbox_odata as odata
from . import sandbox_orders as orders
from .mappers import format_odata_date, parse_odata_date

SYSTEM = orders.SYSTEM
ORDER_SERVICE, PRICING_SERVICE = "API_SALES_ORDER_SRV", "API_SLSPRICINGCONDITIONRECORD_SRV"
SESSION_COOKIE = "SAP_SESSIONID_S4H_100"
SESSIONS = "sessions"
MODIFYING = {"POST", "PUT", "PATCH", "MERGE", "DELETE"}
VALID_FROM, VALID_TO = "2000-01-01", "9999-12-31"


# ---- master data ---------------------------------------------------------------------------------------------------


def seed_master_data(data: dict) -> dict:
    """Load master data into the emulator; idempotent (same keys are updated). Returns how many of each it holds.

    {"business_partners": [{"BusinessPartner": "17100001", "BusinessPartnerFullName", "Country", "CityName", …}],
     "materials": [{"Product": "TG11", "ProductDescription", "MaterialGroup", "BaseUnit"}],
     "prices": [{"Material", "Customer" (optional: empty = the material's general price), "ConditionRateValue",
                 "ConditionCurrency", "ConditionQuantity" (default 1), "ConditionType" (default PR00),
                 "ConditionValidityStartDate"/"EndDate" (ISO dates, optional)}],
     "payment_terms": ["0001", "NT30", …],
     "reset": true}   # forget orders, sessions and all master data first (number ranges keep counting)
    """
    if not isinstance(data, dict):
        raise ValueError("master data must be a JSON object")
    unknown = set(data) - {"business_partners", "materials", "prices", "payment_terms", "units", "reset"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}; use business_partners, materials, prices, payment_terms, units, reset")
    with transaction.atomic():
        if data.get("reset"):
            SandboxRecord.objects.filter(system=SYSTEM).exclude(collection=orders.COUNTERS).delete()
        for partner in data.get("business_partners") or []:
            key = _key(partner, "BusinessPartner", 10)
            store.put(SYSTEM, orders.PARTNERS, key, {"BusinessPartnerFullName": "", "Country": "", "CityName": "",
                                                     **partner, "BusinessPartner": key})
        for material in data.get("materials") or []:
            key = _key(material, "Product", 40)
            store.put(SYSTEM, orders.MATERIALS, key, {"ProductDescription": "", "MaterialGroup": "", "BaseUnit": "PC",
                                                      **material, "Product": key})
        for terms in data.get("payment_terms") or []:
            key = _key(terms if isinstance(terms, dict) else {"PaymentTerms": terms}, "PaymentTerms", 4)
            store.put(SYSTEM, orders.TERMS, key, {"PaymentTerms": key})
        for price in data.get("prices") or []:
            _seed_price(price)
        for unit in data.get("units") or []:  # how many decimals a quantity in the unit may have (T006-DECAN)
            key = _key(unit, "UnitOfMeasure", 3)
            store.put(SYSTEM, orders.UNITS, key, {"UnitOfMeasure": key, "Decimals": int(unit.get("Decimals", 0))})
    return {name: store.count(SYSTEM, name)
            for name in (orders.PARTNERS, orders.MATERIALS, orders.PRICES, orders.TERMS, orders.ORDERS)}


def seed_common_master_data(data: dict) -> dict:
    """The ERP-neutral demo seed (handoff_project.demo.erp_world.master_data) in SAP's shapes."""
    return seed_master_data({
        "reset": bool(data.get("reset")),
        "business_partners": [
            {"BusinessPartner": c["id"], "BusinessPartnerFullName": c["name"], "Country": c.get("country", ""),
             "Region": c.get("region", ""), "CityName": c.get("city", ""), "StreetName": c.get("street", ""),
             "PostalCode": c.get("postal_code", "")} for c in data.get("customers") or []],
        "materials": [
            {"Product": i["id"], "ProductDescription": i.get("description", ""), "MaterialGroup": i.get("group", ""),
             "BaseUnit": i.get("unit") or "PC", **({"StandardPrice": i["cost"], "Currency": i.get("currency", "USD")}
                                                   if i.get("cost") not in (None, "") else {})}
            for i in data.get("items") or []],
        "prices": [
            *[{"Material": i["id"], "ConditionRateValue": i["price"], "ConditionCurrency": i.get("currency", "USD")}
              for i in data.get("items") or [] if i.get("price") not in (None, "")],
            *[{"Material": p["item"], "Customer": p["customer"], "ConditionRateValue": p["price"],
               "ConditionCurrency": p.get("currency", "USD")} for p in data.get("customer_prices") or []]],
        "payment_terms": [t["id"] for t in data.get("payment_terms") or []],
        "units": [{"UnitOfMeasure": u["id"], "Decimals": int(u.get("decimals", 0))} for u in data.get("units") or []],
    })


def _key(record, field: str, max_length: int) -> str:
    value = str(record.get(field, "") if isinstance(record, dict) else "").strip()
    if not value or len(value) > max_length:
        raise ValueError(f"{field} must be 1 to {max_length} characters, got {value!r}")
    return value


def _seed_price(price: dict) -> None:
    material, customer = _key(price, "Material", 40), str(price.get("Customer") or "").strip()
    currency = str(price.get("ConditionCurrency", "")).upper()
    try:
        rate, per = Decimal(str(price["ConditionRateValue"])), Decimal(str(price.get("ConditionQuantity", 1)))
    except (KeyError, InvalidOperation):
        raise ValueError(f"price for {material}: ConditionRateValue must be a decimal") from None
    if len(currency) != 3 or not currency.isalpha():
        raise ValueError(f"price for {material}: ConditionCurrency must be an ISO 4217 code, got {currency!r}")
    kind = price.get("ConditionType", "PR00")
    org, channel = (price.get(k) or settings.SAP_SALES_ORG[k] for k in ("SalesOrganization", "DistributionChannel"))
    key = "|".join([kind, org, channel, customer, material, currency])
    existing = store.get(SYSTEM, orders.PRICES, key)
    number = existing["ConditionRecord"] if existing else f"{orders.next_number('condition_record', 1):010d}"
    valid_from = _iso_date(price.get("ConditionValidityStartDate") or VALID_FROM)
    valid_to = _iso_date(price.get("ConditionValidityEndDate") or VALID_TO)
    store.put(SYSTEM, orders.PRICES, key, {
        "ConditionRecord": number, "ConditionType": kind, "ConditionTable": "305" if customer else "304",
        "SalesOrganization": org, "DistributionChannel": channel, "Customer": customer, "Material": material,
        "ConditionRateValue": format(rate, "f"), "ConditionCurrency": currency, "ConditionQuantity": format(per, "f"),
        "ConditionQuantityUnit": price.get("ConditionQuantityUnit", ""),
        "ConditionValidityStartDate": format_odata_date(valid_from),
        "ConditionValidityEndDate": format_odata_date(valid_to),
    })


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        raise ValueError(f"not an ISO date: {text!r}") from None


# ---- Basic auth, CSRF tokens bound to a session cookie -------------------------------------------------------------


def _user(request) -> str | None:
    return basic_user(request, user=settings.SAP_USER, password=settings.SAP_PASSWORD)


def _unauthorized() -> HttpResponse:
    response = HttpResponse("Logon failed", status=401, content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = 'Basic realm="SAP NetWeaver Application Server [S4H/100]"'
    return response


def _csrf_required() -> HttpResponse:
    response = HttpResponse("CSRF token validation failed", status=403, content_type="text/plain; charset=utf-8")
    response["x-csrf-token"] = "Required"
    response["sap-server"] = "true"
    return response


def _session(request, user: str) -> dict | None:
    session_id = request.COOKIES.get(SESSION_COOKIE, "")
    session = store.get(SYSTEM, SESSIONS, session_id) if session_id else None
    return session if session and session.get("user") == user else None


def _issue_token(request, response, user: str) -> None:
    session = _session(request, user)
    if session is None:
        session = {"id": secrets.token_urlsafe(24), "user": user,
                   "token": base64.b64encode(secrets.token_bytes(16)).decode()}  # 24 characters, like SAP's
        store.put(SYSTEM, SESSIONS, session["id"], session)
        response.set_cookie(SESSION_COOKIE, session["id"], path="/", httponly=True)
    response["x-csrf-token"] = session["token"]


def _token_is_valid(request, user: str) -> bool:
    session = _session(request, user)
    sent = request.headers.get("X-CSRF-Token", "")
    return bool(session and sent and hmac.compare_digest(sent, session["token"]))


def api(service: str, methods: tuple[str, ...] = ("GET", "HEAD")):
    """Wrap an emulated API view: fault gate, Basic auth, CSRF, allowed methods, OData errors, token fetch."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            modifying = request.method in MODIFYING
            fault_response, lose_after = faults.gate(SYSTEM, modifying=modifying)
            if fault_response is not None:
                return fault_response
            user = _user(request)
            if user is None:
                return _unauthorized()
            if modifying and not _token_is_valid(request, user):
                return _csrf_required()
            try:
                if request.method not in methods:
                    raise odata.ODataError(405, "/IWBEP/CX_MGW_TECH_EXCEPTION", f"Method {request.method} not allowed")
                response = view(request, *args, user=user, root=_service_root(request, service), **kwargs)
            except odata.ODataError as exc:
                exc.service = service
                response = exc.response()
            if lose_after:  # the work above is committed; only the answer goes missing
                return faults.lost_response(SYSTEM)
            if request.method in ("GET", "HEAD") and request.headers.get("X-CSRF-Token", "").lower() == "fetch":
                _issue_token(request, response, user)
            response.setdefault("dataserviceversion", "2.0")
            return response

        return wrapper

    return decorate


def _service_root(request, service: str) -> str:
    full = request.path
    return request.build_absolute_uri(full[: full.index(service) + len(service)] + "/")


def _ok(body: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, content_type="application/json; charset=utf-8",
                        json_dumps_params={"ensure_ascii": False})


# ---- API_SALES_ORDER_SRV -------------------------------------------------------------------------------------------


@api(ORDER_SERVICE)
def order_service_document(request, *, user, root):
    return _ok({"d": {"EntitySets": odata.entity_sets()}})


@api(ORDER_SERVICE)
def order_metadata(request, *, user, root):
    return HttpResponse(odata.metadata_bytes(), content_type="application/xml")


@api(ORDER_SERVICE, methods=("GET", "HEAD", "POST"))
def sales_orders(request, *, user, root):
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            raise odata.bad_request("The request body is not valid JSON") from None
        order = orders.save_new_order(orders.build_order(body, user=user))
        response = _ok({"d": orders.render_order(order, root, [["to_Item"]])}, status=201)
        response["location"] = f"{root}A_SalesOrder('{order['SalesOrder']}')"
        response["etag"] = orders.etag(order)
        return response
    params = request.GET
    records = SandboxRecord.objects.filter(system=SYSTEM, collection=orders.ORDERS)
    if params.get("$filter"):  # narrow in the database first (non-empty strings only); the $filter decides below
        header = odata.schema()["A_SalesOrderType"].properties
        for name, value in odata.equalities(odata.parse_filter(params["$filter"])).items():
            if name == "SalesOrder":
                records = records.filter(key=value)
            elif value and header.get(name, {}).get("type") == "Edm.String":
                records = records.filter(**{f"data__{name}": value})
    stored = {r.key: r.data for r in records.order_by("id")}
    rows = [{**orders.flat(o, "A_SalesOrderType"), "SalesOrder": o["SalesOrder"]} for o in stored.values()]
    page, count = odata.apply_query(rows, params)
    expand, select = odata.expand_paths(params), odata.select_list(params)
    entities = [orders.render_order(stored[row["SalesOrder"]], root, expand, select) for row in page]
    return _ok(odata.collection_body(entities, count if params.get("$inlinecount") == "allpages" else None))


@api(ORDER_SERVICE)
def sales_order(request, number, navigation=None, *, user, root):
    order = store.get(SYSTEM, orders.ORDERS, number)
    if order is None:
        raise odata.ODataError(404, "/IWBEP/CM_MGW_RT/020", "Resource not found for segment 'A_SalesOrderType'")
    if navigation == "to_Item":
        items = [orders.render_item(order, i, root, odata.expand_paths(request.GET)) for i in order["items"]]
        return _ok({"d": {"results": items}})
    return _ok({"d": orders.render_order(order, root, odata.expand_paths(request.GET), odata.select_list(request.GET))})


# ---- API_SLSPRICINGCONDITIONRECORD_SRV -----------------------------------------------------------------------------

_VALIDITY = ["ConditionRecord", "ConditionValidityEndDate", "ConditionValidityStartDate", "ConditionApplication",
             "ConditionType", "ConditionReleaseStatus", "SalesOrganization", "DistributionChannel", "Division",
             "Customer", "SoldToParty", "ShipToParty", "CustomerGroup", "CustomerPriceGroup", "MaterialGroup",
             "MaterialPricingGroup", "Material", "TransactionCurrency"]
_RECORD = ["ConditionRecord", "ConditionSequentialNumber", "ConditionTable", "ConditionApplication", "ConditionType",
           "ConditionValidityEndDate", "ConditionValidityStartDate", "CreatedByUser", "CreationDate",
           "ConditionCalculationType", "ConditionRateValue", "ConditionRateValueUnit", "ConditionCurrency",
           "ConditionQuantity", "ConditionQuantityUnit", "BaseUnit", "ConditionIsDeleted", "PaymentTerms",
           "ConditionReleaseStatus"]


def _price_values(price: dict) -> tuple[dict, dict]:
    common = {"ConditionApplication": "V", "ConditionReleaseStatus": "", "Division": "", "SoldToParty": "",
              "ShipToParty": "", "CustomerGroup": "", "CustomerPriceGroup": "", "MaterialGroup": "",
              "MaterialPricingGroup": "", "TransactionCurrency": "", "ConditionSequentialNumber": "01",
              "CreatedByUser": "", "CreationDate": price["ConditionValidityStartDate"], "ConditionCalculationType": "C",
              "ConditionRateValueUnit": price["ConditionCurrency"], "BaseUnit": price["ConditionQuantityUnit"],
              "ConditionIsDeleted": False, "PaymentTerms": ""}
    values = {**common, **price}
    return {k: values.get(k, "") for k in _VALIDITY}, {k: values.get(k, "") for k in _RECORD}


def _render_record(record: dict, root: str) -> dict:
    return odata.render(record, uri=f"{root}A_SlsPrcgConditionRecord('{record['ConditionRecord']}')",
                        type_name=f"{PRICING_SERVICE}.A_SlsPrcgConditionRecordType", properties=_RECORD,
                        navigations={}, expand=[])


@api(PRICING_SERVICE)
def pricing_service_document(request, *, user, root):
    return _ok({"d": {"EntitySets": ["A_SlsPrcgConditionRecord", "A_SlsPrcgCndnRecdValidity"]}})


@api(PRICING_SERVICE)
def condition_validities(request, *, user, root):
    pairs = [_price_values(p) for p in store.all_of(SYSTEM, orders.PRICES)]
    records = {validity["ConditionRecord"]: record for validity, record in pairs}
    page, count = odata.apply_query([validity for validity, _ in pairs], request.GET)
    expand, select = odata.expand_paths(request.GET), odata.select_list(request.GET)
    entities = []
    for validity in page:
        valid_to = parse_odata_date(validity["ConditionValidityEndDate"]).isoformat()
        uri = (f"{root}A_SlsPrcgCndnRecdValidity(ConditionRecord='{validity['ConditionRecord']}',"
               f"ConditionValidityEndDate=datetime'{valid_to}T00:00:00')")
        record = records[validity["ConditionRecord"]]
        entities.append(odata.render(
            validity, uri=uri, type_name=f"{PRICING_SERVICE}.A_SlsPrcgCndnRecdValidityType", properties=_VALIDITY,
            navigations={"to_SlsPrcgConditionRecord": lambda _d, r=record: ("one", _render_record(r, root))},
            expand=expand, select=select))
    return _ok(odata.collection_body(entities, count if request.GET.get("$inlinecount") == "allpages" else None))


@api(PRICING_SERVICE)
def condition_records(request, *, user, root):
    rows = [record for _, record in (_price_values(p) for p in store.all_of(SYSTEM, orders.PRICES))]
    page, count = odata.apply_query(rows, request.GET)
    return _ok(odata.collection_body([_render_record(r, root) for r in page], None))


# ---- control, state, seed ------------------------------------------------------------------------------------------


def state() -> dict:
    def public(order):
        return {k: v for k, v in order.items() if k != "etag_time"}

    return {
        "sales_orders": [public(o) for o in store.all_of(SYSTEM, orders.ORDERS)],
        "business_partners": store.all_of(SYSTEM, orders.PARTNERS),
        "materials": store.all_of(SYSTEM, orders.MATERIALS),
        "prices": [{k: p[k] for k in ("ConditionRecord", "ConditionType", "Material", "Customer", "ConditionRateValue",
                                      "ConditionCurrency", "ConditionQuantity", "SalesOrganization",
                                      "DistributionChannel")} for p in store.all_of(SYSTEM, orders.PRICES)],
        "payment_terms": [t["PaymentTerms"] for t in store.all_of(SYSTEM, orders.TERMS)],
    }


def _locked_response():
    """What SAP answers while another user edits the customer or the document (enqueue lock, V1/042)."""
    return odata.ODataError(400, "V1/042", "Sales document is currently being processed by user BATCH_JOB").response()


faults.register_lock_response(SYSTEM, _locked_response)

_ORDERS = r"^sap/opu/odata/sap/API_SALES_ORDER_SRV"
_PRICING = r"^sap/opu/odata/sap/API_SLSPRICINGCONDITIONRECORD_SRV"
urlpatterns = [
    *standard_urls(SYSTEM, state=state, seeder=seed_master_data),
    re_path(_ORDERS + r"/?$", order_service_document),
    re_path(_ORDERS + r"/\$metadata$", order_metadata),
    re_path(_ORDERS + r"/A_SalesOrder$", sales_orders),
    re_path(_ORDERS + r"/A_SalesOrder\('(?P<number>[^']{1,10})'\)(?:/(?P<navigation>to_Item))?$", sales_order),
    re_path(_PRICING + r"/?$", pricing_service_document),
    re_path(_PRICING + r"/A_SlsPrcgCndnRecdValidity$", condition_validities),
    re_path(_PRICING + r"/A_SlsPrcgConditionRecord$", condition_records),
]
