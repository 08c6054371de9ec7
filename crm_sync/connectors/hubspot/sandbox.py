"""An emulator of HubSpot's CRM API served by Django under /sandbox/hubspot/ (docs/connectors.md, "Sandbox").

  crm/v3/objects/<type>                     GET list (paged) / POST create (201, with "associations" in the body)
  crm/v3/objects/<type>/<id>                GET (?properties=…&associations=…) / PATCH / DELETE (204)
  crm/v3/objects/<type>/batch/read          POST {"inputs": [{"id"}], "properties"} (200, or 207 with errors)
  crm/v3/objects/<type>/search              POST filterGroups / sorts / after (sandbox_search)
  crm/v4/objects/<type>/<id>/associations/<to>                   GET the associations, paged
  crm/v4/objects/<type>/<id>/associations/default/<to>/<to id>  PUT the default association
  _state, _control                          what the emulator holds (incl. webhook deliveries); fault injection
  (the root)                                a small page listing deals, with "Mark won"

Types: deals, line_items, companies, contacts, products (or their objectTypeIds 0-3, 0-8, 0-2, 0-1, 0-7). Every API
call passes the fault gate, then needs `Authorization: Bearer <HUBSPOT_ACCESS_TOKEN>` (else 401
INVALID_AUTHENTICATION, HubSpot's answer). Moving a deal into a won stage sends the signed webhook
(sandbox_outbound). `seed_demo` loads the demo catalogue (sandbox_seed).
"""

from __future__ import annotations

import functools
import hmac
import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from handoff_project.sandbox import faults, store

from . import sandbox_outbound, sandbox_records
from .sandbox_records import archive_record, associate, create_record, get_record, update_record
from .sandbox_schema import (
    ASSOCIATION_TYPES,
    SYSTEM,
    SandboxApiError,
    error_response,
    not_found,
    now_iso,
    object_spec,
    won_stages,
)
from .sandbox_search import returned_properties, search, shown
from .sandbox_seed import seed_demo  # noqa: F401 (the demo's entry point)

READS_BY_POST = ("/search", "/batch/read")
BATCH_MAX = 100
AUTH_MESSAGE = ("Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
                "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")  # fmt: skip
STATE_COLLECTIONS = ["deals", "line_items", "companies", "contacts", "products"]
OBJECT_LABELS = {"deals": "DEAL", "line_items": "LINE_ITEM", "companies": "COMPANY", "contacts": "CONTACT",
                 "products": "PRODUCT"}  # as HubSpot names object types in its messages


def api_view(view):
    """Fault gate, then the Bearer token, then the view; `SandboxApiError` becomes HubSpot's error body."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        modifying = request.method not in ("GET", "HEAD") and not request.path.rstrip("/").endswith(READS_BY_POST)
        fault_response, lose_after = faults.gate(SYSTEM, modifying=modifying)
        if fault_response is not None:
            return fault_response
        if not _token_is_valid(request.headers.get("Authorization", "")):
            return error_response(401, "INVALID_AUTHENTICATION", AUTH_MESSAGE)
        try:
            response = view(request, *args, **kwargs)
        except SandboxApiError as exc:
            response = exc.response()
        return faults.lost_response(SYSTEM) if lose_after else response

    return wrapper


def _token_is_valid(authorization: str) -> bool:
    scheme, _, token = authorization.partition(" ")
    expected = settings.HUBSPOT_ACCESS_TOKEN
    return scheme.lower() == "bearer" and bool(expected) and hmac.compare_digest(token.strip().encode(),
                                                                                  expected.encode())


def _locked_response() -> JsonResponse:
    return error_response(423, None, "This record is locked while a large volume of data is synced; wait at least "
                                     "2 seconds before retrying.")  # fmt: skip


faults.register_lock_response(SYSTEM, _locked_response)


# ---- objects ---------------------------------------------------------------------------------------------------------


@api_view
def collection(request, object_type: str):
    spec = object_spec(object_type)
    if request.method == "POST":
        body = _json_body(request)
        record = create_record(spec.name, body.get("properties") or {}, associations=body.get("associations"))
        return JsonResponse(shown(record, returned_properties(spec, list(body.get("properties") or {}))), status=201)
    if request.method != "GET":
        return _not_allowed(request)
    limit = request.GET.get("limit", "10")
    answer = search(spec, sandbox_records.records_of(spec.name),
                    {"limit": int(limit) if limit.isdigit() else limit, "after": request.GET.get("after"),
                     "properties": _names(request.GET.get("properties"))}, path=request.path)  # fmt: skip
    answer.pop("total")
    return JsonResponse(answer)


@api_view
def record(request, object_type: str, record_id: str):
    spec = object_spec(object_type)
    if request.method == "GET":
        found = get_record(spec.name, record_id)
        if request.GET.get("archived") == "true":
            raise not_found(spec.name, record_id)  # archived records are deleted here, none is kept
        answer = shown(found, returned_properties(spec, _names(request.GET.get("properties"))))
        embedded = _embedded_associations(spec.name, record_id, _names(request.GET.get("associations")))
        return JsonResponse({**answer, **({"associations": embedded} if embedded else {})})
    if request.method == "PATCH":
        body = _json_body(request)
        updated = update_record(spec.name, record_id, body.get("properties") or {})
        return JsonResponse(shown(updated, returned_properties(spec, list(body.get("properties") or {}))))
    if request.method == "DELETE":
        archive_record(spec.name, record_id)
        return HttpResponse(status=204)
    return _not_allowed(request)


@api_view
def batch_read(request, object_type: str):
    spec = object_spec(object_type)
    body = _json_body(request)
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or len(inputs) > BATCH_MAX or not all(isinstance(i, dict) and "id" in i
                                                                          for i in inputs):
        raise SandboxApiError(400, "VALIDATION_ERROR", f"inputs must be a list of at most {BATCH_MAX} {{\"id\"}}")
    names = returned_properties(spec, body.get("properties"))
    started = now_iso()
    found, missing = [], []
    for entry in inputs:
        record = store.get(SYSTEM, spec.name, str(entry["id"]))
        (found.append(shown(record, names)) if record else missing.append(str(entry["id"])))
    answer = {"status": "COMPLETE", "results": found, "startedAt": started, "completedAt": now_iso()}
    if not missing:
        return JsonResponse(answer)
    label = OBJECT_LABELS[spec.name]
    answer.update(numErrors=1, errors=[{
        "status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": missing},
        "message": f"Could not get some {label} objects, they may be deleted or not exist. Check that ids are valid.",
    }])  # fmt: skip
    return JsonResponse(answer, status=207)


@api_view
def object_search(request, object_type: str):
    spec = object_spec(object_type)
    return JsonResponse(search(spec, sandbox_records.records_of(spec.name), _json_body(request), path=request.path))


@api_view
def associations_list(request, object_type: str, record_id: str, to_type: str):
    """GET /crm/v4/objects/<type>/<id>/associations/<to>: {"results": [{"toObjectId", "associationTypes"}]}."""
    get_record(object_type, record_id)
    rows = sandbox_records.associations_of(object_type, record_id, to_type)
    after, limit = request.GET.get("after") or "0", request.GET.get("limit") or "500"
    if not (after.isdigit() and limit.isdigit()):
        raise SandboxApiError(400, "VALIDATION_ERROR", "after and limit must be numbers")
    offset, limit = int(after), min(int(limit), 500)
    results = [{"toObjectId": int(a["to_id"]), "associationTypes": [
        {"category": "HUBSPOT_DEFINED", "typeId": t, "label": ASSOCIATION_TYPES[t][3]} for t in a["type_ids"]]}
        for a in rows[offset : offset + limit]]  # fmt: skip
    answer = {"results": results}
    if offset + limit < len(rows):
        answer["paging"] = {"next": {"after": str(offset + limit), "link": f"{request.path}?after={offset + limit}"}}
    return JsonResponse(answer)


@api_view
def default_association(request, object_type: str, record_id: str, to_type: str, to_id: str):
    if request.method != "PUT":
        return _not_allowed(request)
    associate(object_type, record_id, to_type, to_id)
    types = sandbox_records.associations_of(object_type, record_id, to_type)
    type_ids = next((a["type_ids"] for a in types if a["to_id"] == to_id), [])
    return JsonResponse({"status": "COMPLETE", "results": [
        {"from": {"id": record_id}, "to": {"id": to_id},
         "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t}} for t in type_ids]})


def _embedded_associations(object_type: str, record_id: str, to_types: list[str]) -> dict:
    """The `associations` map of a v3 read: per type label, one {"id", "type"} per association type."""
    embedded = {}
    for to_type in to_types:
        target = object_spec(to_type)
        results = [{"id": a["to_id"], "type": ASSOCIATION_TYPES[t][2]}
                   for a in sandbox_records.associations_of(object_type, record_id, target.name)
                   for t in a["type_ids"]]  # fmt: skip
        if results:
            embedded[target.label] = {"results": results}
    return embedded


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except ValueError as exc:
        raise SandboxApiError(400, "VALIDATION_ERROR", f"Invalid input JSON on line 1: {exc}") from None
    if not isinstance(body, dict):
        raise SandboxApiError(400, "VALIDATION_ERROR", "Invalid input JSON: expected an object")
    return body


def _not_allowed(request) -> JsonResponse:
    return error_response(405, "VALIDATION_ERROR", f"HTTP method {request.method} is not supported here")


# ---- state, control, the page ----------------------------------------------------------------------------------------


@require_GET
def state(request):
    data = {name: sandbox_records.records_of(name) for name in STATE_COLLECTIONS}
    data["associations"] = store.all_of(SYSTEM, sandbox_records.ASSOCIATIONS)
    data["webhook_deliveries"] = store.all_of(SYSTEM, sandbox_outbound.COLLECTION)
    return JsonResponse(data)


@csrf_exempt
def control(request):
    return faults.control(request, SYSTEM)


@require_GET
def home(request):
    companies = {c["id"]: c["properties"].get("name") for c in sandbox_records.records_of("companies")}
    deals = []
    for deal in sandbox_records.records_of("deals"):
        props = deal["properties"]
        company_ids = sandbox_records.associated("deals", deal["id"], "companies")
        deals.append({"id": deal["id"], "props": props, "company": companies.get(next(iter(company_ids), ""), ""),
                      "order_number": props.get(settings.HUBSPOT_ORDER_NUMBER_PROPERTY),
                      "sync_status": props.get(settings.HUBSPOT_SYNC_STATUS_PROPERTY),
                      "sync_error": props.get(settings.HUBSPOT_SYNC_ERROR_PROPERTY),
                      "won": props.get("hs_is_closed_won") == "true", "closed": props.get("hs_is_closed") == "true"})
    deliveries = store.all_of(SYSTEM, sandbox_outbound.COLLECTION)[-10:][::-1]
    return render(request, "sandbox/hubspot.html", {"deals": deals, "deliveries": deliveries})


@require_POST
def mark_won(request, record_id: str):
    """The "Mark won" button: the same change a rep makes on the deal board, webhook included."""
    try:
        update_record("deals", record_id, {"dealstage": won_stages()[0]}, change_source="CRM_UI")
    except SandboxApiError as exc:
        return HttpResponse(f"HubSpot sandbox refused: {exc.message}", status=exc.status, content_type="text/plain")
    return redirect("hubspot-sandbox-home")


_TYPE = r"(?P<object_type>[a-z_]+|\d-\d+)"
urlpatterns = [
    path("", home, name="hubspot-sandbox-home"),
    path("deals/<str:record_id>/mark-won", mark_won, name="hubspot-sandbox-mark-won"),
    path("_state", state, name="hubspot-sandbox-state"),
    path("_control", control, name="hubspot-sandbox-control"),
    re_path(rf"^crm/v3/objects/{_TYPE}/?$", collection),
    re_path(rf"^crm/v3/objects/{_TYPE}/search/?$", object_search),
    re_path(rf"^crm/v3/objects/{_TYPE}/batch/read/?$", batch_read),
    re_path(rf"^crm/v3/objects/{_TYPE}/(?P<record_id>\d+)/?$", record),
    re_path(rf"^crm/v4/objects/{_TYPE}/(?P<record_id>\d+)/associations/default/(?P<to_type>[a-z_]+|\d-\d+)/"
            r"(?P<to_id>\d+)/?$", default_association),
    re_path(rf"^crm/v4/objects/{_TYPE}/(?P<record_id>\d+)/associations/(?P<to_type>[a-z_]+|\d-\d+)/?$",
            associations_list),
]
