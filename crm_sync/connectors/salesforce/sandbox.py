"""An emulator of Salesforce served by Django under /sandbox/salesforce/ (see contract.md, "Sandbox conventions").

  services/oauth2/token                            POST client_credentials → the real token response shape
  services/data/vNN.N/sobjects/<Object>/           POST create → 201 {"id", "success", "errors"}
  services/data/vNN.N/sobjects/<Object>/<Id>       GET / PATCH (204) / DELETE (204)
  services/data/vNN.N/query?q=SOQL                 the SOQL subset of sandbox_soql; pages via nextRecordsUrl
  _state, _control                                 what the emulator holds; fault injection
  (the root)                                       a small page listing opportunities, with "Mark won"

REST calls need a Bearer token from the token endpoint (else 401 INVALID_SESSION_ID) and pass the fault gate first.
Records and workflow live in sandbox_records / sandbox_outbound; `create_record` is re-exported for seed_demo.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from handoff_project.sandbox import faults, store
from handoff_project.sandbox.basic_auth import same_secret
from handoff_project.sandbox.models import SandboxRecord

from . import sandbox_outbound, sandbox_records
from .ids import new_id, to_18
from .sandbox_records import create_record, delete_record, get_record, update_record  # noqa: F401 (seed_demo API)
from .sandbox_schema import SYSTEM, SandboxApiError, object_spec
from .sandbox_soql import attributes, run_query

SESSIONS = "sessions"
LOCATORS = "query_locators"
INTEGRATION_USER_ID = to_18("0055g0000000Int")
DEFAULT_BATCH, MIN_BATCH = 2000, 200
STATE_COLLECTIONS = [
    ("opportunities", "Opportunity"),
    ("accounts", "Account"),
    ("line_items", "OpportunityLineItem"),
    ("products", "Product2"),
    ("contacts", "Contact"),
    ("contact_roles", "OpportunityContactRole"),
]


def _errors(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse([{"message": message, "errorCode": code}], status=status, safe=False)


def rest_view(view):
    """Fault gate, then the Bearer session check, then the view; `SandboxApiError` becomes Salesforce's error array."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        fault_response, lose_after = faults.gate(SYSTEM, modifying=request.method not in ("GET", "HEAD"))
        if fault_response is not None:
            return fault_response
        if not _session_is_valid(request.headers.get("Authorization", "")):
            return _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        try:
            response = view(request, *args, **kwargs)
        except SandboxApiError as exc:
            response = JsonResponse(exc.as_list(), status=exc.status, safe=False)
        return faults.lost_response(SYSTEM) if lose_after else response

    return wrapper


# ---- OAuth --------------------------------------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def token(request):
    fault_response, _lose = faults.gate(SYSTEM, modifying=False)
    if fault_response is not None:
        return fault_response
    if request.POST.get("grant_type") != "client_credentials":
        return JsonResponse(
            {"error": "unsupported_grant_type", "error_description": "grant type not supported"}, status=400
        )
    client_id = request.POST.get("client_id", "")
    client_secret = request.POST.get("client_secret", "")
    if not (
        settings.SALESFORCE_CLIENT_ID
        and same_secret(client_id, settings.SALESFORCE_CLIENT_ID)
        and same_secret(client_secret, settings.SALESFORCE_CLIENT_SECRET)
    ):
        return JsonResponse({"error": "invalid_client", "error_description": "invalid client credentials"}, status=400)
    org_id = settings.SALESFORCE_ORGANIZATION_ID or "00D5g0000000Sbx"
    access_token = f"{org_id[:15]}!{secrets.token_urlsafe(72)}"
    store.put(SYSTEM, SESSIONS, _token_key(access_token), {"client_id": client_id, "issued_at": time.time()})
    base = _sandbox_base(request)
    identity = f"{base}/id/{org_id}/{INTEGRATION_USER_ID}"
    issued_at = str(int(time.time() * 1000))
    signature = hmac.new(client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
    return JsonResponse(
        {
            "access_token": access_token,
            "signature": base64.b64encode(signature).decode(),
            "scope": "api",
            "instance_url": base,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }
    )


def _token_key(access_token: str) -> str:
    return hashlib.sha256(access_token.encode()).hexdigest()


def _session_is_valid(authorization: str) -> bool:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() not in ("bearer", "oauth") or not value:
        return False
    return store.get(SYSTEM, SESSIONS, _token_key(value)) is not None


def expire_sessions() -> None:
    """Invalidate every issued token, as an expired session or a revoked connected app does."""
    SandboxRecord.objects.filter(system=SYSTEM, collection=SESSIONS).delete()


# ---- REST ---------------------------------------------------------------------------------------------------------------


@rest_view
def sobject_collection(request, version: str, sobject: str):
    if request.method != "POST":
        return _errors(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{request.method}' not allowed. Allowed are POST")
    record = create_record(sobject, _json_body(request), **_workflow_urls(request))
    return JsonResponse({"id": record["Id"], "success": True, "errors": []}, status=201)


@rest_view
def sobject_record(request, version: str, sobject: str, record_id: str):
    if request.method == "GET":
        record = get_record(sobject, record_id)
        return JsonResponse(_as_rest(sobject, record, version, request.GET.get("fields")))
    if request.method == "PATCH":
        update_record(sobject, record_id, _json_body(request), **_workflow_urls(request))
        return HttpResponse(status=204)
    if request.method == "DELETE":
        delete_record(sobject, record_id)
        return HttpResponse(status=204)
    return _errors(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{request.method}' not allowed. Allowed are GET,PATCH,DELETE")


@rest_view
def query(request, version: str):
    soql = request.GET.get("q", "")
    if not soql.strip():
        raise SandboxApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    return _query_page(soql, version, 0, _batch_size(request))


@rest_view
def query_more(request, version: str, locator: str, offset: str):
    cursor = store.get(SYSTEM, LOCATORS, locator)
    if cursor is None:
        raise SandboxApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _query_page(cursor["soql"], version, int(offset), cursor["batch"], locator)


def _query_page(soql: str, version: str, offset: int, batch: int, locator: str | None = None) -> JsonResponse:
    records = run_query(soql, sandbox_records.records_of, sandbox_records.find_any, version=version)
    page = records[offset : offset + batch]
    answer = {"totalSize": len(records), "done": offset + batch >= len(records), "records": page}
    if not answer["done"]:
        locator = locator or new_id("01g")
        store.put(SYSTEM, LOCATORS, locator, {"soql": soql, "batch": batch})
        answer["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{offset + batch}"
    return JsonResponse(answer)


def _batch_size(request) -> int:
    options = request.headers.get("Sforce-Query-Options", "")
    for option in options.split(","):
        name, _, value = option.strip().partition("=")
        if name.lower() == "batchsize" and value.isdigit():
            return max(MIN_BATCH, min(DEFAULT_BATCH, int(value)))
    return DEFAULT_BATCH


def _json_body(request):
    try:
        return json.loads(request.body or b"null")
    except ValueError as exc:
        raise SandboxApiError(400, "JSON_PARSER_ERROR", f"Unexpected character in the request body: {exc}") from None


def _as_rest(sobject: str, record: dict, version: str, fields: str | None) -> dict:
    spec = object_spec(sobject)
    names = list(spec.fields)
    if fields:
        names = []
        for raw in fields.split(","):
            name = spec.canonical(raw.strip())
            if name is None:
                raise SandboxApiError(400, "INVALID_FIELD", f"No such column '{raw.strip()}' on sobject of type {spec.name}")
            names.append(name)
    return {"attributes": attributes(spec.name, record["Id"], version), **{n: record.get(n) for n in names}}


def _sandbox_base(request) -> str:
    return request.build_absolute_uri(reverse("salesforce-sandbox-home")).rstrip("/")


def _workflow_urls(request) -> dict:
    return {
        "outbound_url": settings.SALESFORCE_OUTBOUND_URL or request.build_absolute_uri("/webhooks/salesforce/"),
        "base_url": _sandbox_base(request),
    }


# ---- state, control, the page -----------------------------------------------------------------------------------------


@require_GET
def state(request):
    data = {key: sandbox_records.records_of(sobject) for key, sobject in STATE_COLLECTIONS}
    data["outbound_messages"] = store.all_of(SYSTEM, sandbox_outbound.COLLECTION)
    return JsonResponse(data)


@csrf_exempt
def control(request):
    return faults.control(request, SYSTEM)


@require_GET
def home(request):
    accounts = {a["Id"]: a for a in sandbox_records.records_of("Account")}
    opportunities = [
        {**o, "account_name": accounts.get(o.get("AccountId"), {}).get("Name", "")}
        for o in sandbox_records.records_of("Opportunity")
    ]
    outbound = store.all_of(SYSTEM, sandbox_outbound.COLLECTION)[-10:][::-1]
    return render(request, "sandbox/salesforce.html", {"opportunities": opportunities, "outbound_messages": outbound})


@require_POST
def mark_won(request, record_id: str):
    """The "Mark won" button: the same update a PATCH StageName = 'Closed Won' makes, workflow included."""
    try:
        update_record("Opportunity", record_id, {"StageName": "Closed Won"}, **_workflow_urls(request))
    except SandboxApiError as exc:
        return HttpResponse(f"Salesforce sandbox refused: {exc.message}", status=exc.status, content_type="text/plain")
    return redirect("salesforce-sandbox-home")


_API = r"^services/data/(?P<version>v\d+\.\d)/"
urlpatterns = [
    path("", home, name="salesforce-sandbox-home"),
    path("opportunities/<str:record_id>/mark-won", mark_won, name="salesforce-sandbox-mark-won"),
    path("_state", state, name="salesforce-sandbox-state"),
    path("_control", control, name="salesforce-sandbox-control"),
    path("services/oauth2/token", token, name="salesforce-sandbox-token"),
    re_path(_API + r"sobjects/(?P<sobject>\w+)/?$", sobject_collection),
    re_path(_API + r"sobjects/(?P<sobject>\w+)/(?P<record_id>\w+)/?$", sobject_record),
    re_path(_API + r"query/?$", query),
    re_path(_API + r"query/(?P<locator>\w+)-(?P<offset>\d+)/?$", query_more),
]

__all__ = ["urlpatterns", "create_record", "update_record", "get_record", "delete_record", "expire_sessions"]
