"""An emulator of Pipedrive served by Django under /sandbox/pipedrive/, on Pipedrive's own paths.

  api/v2/deals                          GET (status, ids, org_id, person_id, owner_id, pipeline_id, stage_id,
                                        updated_since, updated_until, sort_by, sort_direction, limit, cursor) / POST
  api/v2/deals/{id}                     GET / PATCH / DELETE — a PATCH to status "won" sends the webhook
  api/v2/deals/{id}/products            GET (sort_by, sort_direction, limit, cursor) / POST (201)
  api/v2/deals/{id}/products/{item_id}  PATCH / DELETE
  api/v2/organizations, persons, products [/{id}]   GET (ids, limit, cursor) / POST, and GET / PATCH / DELETE
  api/v1/notes                          GET (deal_id) / POST — notes are a v1 entity
  _state, _control                      what the emulator holds; fault injection (handoff_project.sandbox.faults)
  (the root)                            a small page listing open deals, with "Mark won"

Every API call needs the company's API token in the `x-api-token` header (or v1's `api_token` query parameter);
without it, 401 in Pipedrive's format. Lists page with an opaque cursor in `additional_data.next_cursor`. Records
live in sandbox_records, the webhook in sandbox_webhooks, the demo data in sandbox_seed.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hmac
import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from handoff_project.sandbox import faults, store

from . import sandbox_records as records
from . import sandbox_webhooks
from .sandbox_schema import (
    DEAL_CUSTOM_FIELDS,
    ERROR_INFO,
    ORDER_NUMBER_FIELD,
    SPECS,
    SYNC_STATUS_FIELD,
    SYSTEM,
    SandboxApiError,
)
from .sandbox_seed import seed_demo  # noqa: F401 (the demo's entry point)

MAX_LIMIT, DEFAULT_LIMIT = 500, 100
DEAL_SORTS = ("id", "update_time", "add_time")
DEAL_PRODUCT_SORTS = ("id", "add_time", "update_time", "order_nr")


def _answer(data, status: int = 200, additional_data=None) -> JsonResponse:
    return JsonResponse({"success": True, "data": data, "additional_data": additional_data}, status=status)


def _unauthorized() -> JsonResponse:
    return JsonResponse({"success": False, "error": "unauthorized access", "errorCode": 401, "error_info": ERROR_INFO},
                        status=401)  # fmt: skip


def _locked() -> JsonResponse:
    # Pipedrive documents no "record locked" answer; the sandbox's `locked` mode answers 423 in its error envelope.
    return JsonResponse(SandboxApiError(423, "The record is being changed by another request").as_body(), status=423)


faults.register_lock_response(SYSTEM, _locked)


def api_view(view):
    """Fault gate, then the token check, then the view; `SandboxApiError` becomes Pipedrive's error envelope."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        fault_response, lose_after = faults.gate(SYSTEM, modifying=request.method not in ("GET", "HEAD"))
        if fault_response is not None:
            return fault_response
        if not _token_is_valid(request):
            return _unauthorized()
        try:
            response = view(request, *args, **kwargs)
        except SandboxApiError as exc:
            response = JsonResponse(exc.as_body(), status=exc.status)
        return faults.lost_response(SYSTEM) if lose_after else response

    return wrapper


def _token_is_valid(request) -> bool:
    expected = settings.PIPEDRIVE_API_TOKEN
    given = request.headers.get("x-api-token") or request.GET.get("api_token") or ""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


# ---- deals ------------------------------------------------------------------------------------------------------------


@api_view
def deals(request):
    if request.method == "POST":
        return _answer(records.create("deal", _json_body(request)))
    _allow(request, "GET")
    found = [d for d in records.records_of("deal") if _deal_matches(d, request.GET)]
    return _page(found, request, DEAL_SORTS)


@api_view
def deal(request, deal_id: int):
    if request.method == "PATCH":
        return _answer(records.update("deal", deal_id, _json_body(request), **_webhook_target(request)))
    if request.method == "DELETE":
        return _answer(records.delete("deal", deal_id))
    _allow(request, "GET")
    return _answer(records.get("deal", deal_id))


@api_view
def deal_products(request, deal_id: int):
    parent = records.get("deal", deal_id)
    if request.method == "POST":
        return _answer(records.create("deal product", _json_body(request), parent=parent), status=201)
    _allow(request, "GET")
    return _page(records.deal_products_of(deal_id), request, DEAL_PRODUCT_SORTS, default_sort="id")


@api_view
def deal_product(request, deal_id: int, item_id: int):
    item = records.get("deal product", item_id)
    if item["deal_id"] != deal_id:
        raise SandboxApiError(404, "Deal product not found")
    if request.method == "PATCH":
        return _answer(records.update("deal product", item_id, _json_body(request)))
    _allow(request, "DELETE")
    return _answer(records.delete("deal product", item_id))


def _deal_matches(record: dict, query) -> bool:
    statuses = [s for s in query.get("status", "").split(",") if s]
    if "deleted" in statuses:
        if not record["is_deleted"] and record["status"] not in statuses:
            return False
    elif record["is_deleted"] or (statuses and record["status"] not in statuses):
        return False
    ids = _ids(query)
    if ids and record["id"] not in ids:
        return False
    for name in ("owner_id", "person_id", "org_id", "pipeline_id", "stage_id"):
        if query.get(name) and str(record.get(name)) != query[name]:
            return False
    since, until = _rfc3339(query, "updated_since"), _rfc3339(query, "updated_until")
    return (not since or record["update_time"] >= since) and (not until or record["update_time"] < until)


# ---- organizations, persons, products (one shape each) ----------------------------------------------------------------


@api_view
def collection(request, entity: str):
    if request.method == "POST":
        return _answer(records.create(entity, _json_body(request)))
    _allow(request, "GET")
    ids = _ids(request.GET)
    found = [r for r in records.records_of(entity) if not r.get("is_deleted") and (not ids or r["id"] in ids)]
    return _page(found, request, ("id", "update_time", "add_time"))


@api_view
def record(request, entity: str, record_id: int):
    if request.method == "PATCH":
        return _answer(records.update(entity, record_id, _json_body(request)))
    if request.method == "DELETE":
        return _answer(records.delete(entity, record_id))
    _allow(request, "GET")
    return _answer(records.get(entity, record_id))


@api_view
def notes(request):
    """The v1 Notes API: POST {"content", "deal_id"}; GET ?deal_id= with v1's offset pagination block."""
    if request.method == "POST":
        return _answer(records.create("note", _json_body(request)), status=201)
    _allow(request, "GET")
    deal_id = request.GET.get("deal_id")
    found = [n for n in records.records_of("note") if not deal_id or str(n["deal_id"]) == deal_id]
    pagination = {"start": 0, "limit": len(found), "more_items_in_collection": False}
    return _answer(found, additional_data={"pagination": pagination})


# ---- paging, parsing ----------------------------------------------------------------------------------------------


def _page(found: list[dict], request, sorts: tuple[str, ...], default_sort: str = "id") -> JsonResponse:
    sort_by = request.GET.get("sort_by", default_sort)
    direction = request.GET.get("sort_direction", "asc")
    if sort_by not in sorts or direction not in ("asc", "desc"):
        raise SandboxApiError(400, f"sort_by must be one of {', '.join(sorts)} and sort_direction asc or desc")
    limit = _limit(request)
    offset = _cursor_offset(request.GET.get("cursor"))
    ordered = sorted(found, key=lambda r: (r.get(sort_by) is None, r.get(sort_by) or 0, r["id"]),
                     reverse=direction == "desc")  # fmt: skip
    page = ordered[offset : offset + limit]
    more = offset + limit < len(ordered)
    return _answer(page, additional_data={"next_cursor": _cursor(offset + limit) if more else None})


def _limit(request) -> int:
    text = request.GET.get("limit", str(DEFAULT_LIMIT))
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise SandboxApiError(400, f"limit must be a whole number from 1 to {MAX_LIMIT}, got {text!r}")
    return int(text)


def _ids(query) -> set[int]:
    """`ids`: a comma separated list of up to 100 ids (what is not an id is ignored, as unknown ids are)."""
    parts = [part.strip() for part in query.get("ids", "").split(",")]
    return {int(part) for part in parts[:100] if part.isascii() and part.isdigit()}


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def _cursor_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["offset"]
    except (ValueError, KeyError, TypeError):
        raise SandboxApiError(400, "Invalid cursor") from None
    if not isinstance(offset, int) or offset < 0:
        raise SandboxApiError(400, "Invalid cursor")
    return offset


def _rfc3339(query, name: str) -> str:
    """The query's timestamp in the records' own form (…Z, to the second), so text order is time order."""
    text = query.get(name, "")
    if not text:
        return ""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SandboxApiError(400, f"{name} must be an RFC 3339 time, e.g. 2025-01-01T10:20:00Z; got {text!r}") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_body(request):
    try:
        return json.loads(request.body or b"null")
    except ValueError as exc:
        raise SandboxApiError(400, f"The request body is not valid JSON: {exc}") from None


def _allow(request, method: str) -> None:
    if request.method != method:
        raise SandboxApiError(405, f"Method {request.method} is not allowed here")


def _webhook_target(request) -> dict:
    url = settings.PIPEDRIVE_WEBHOOK_URL or request.build_absolute_uri("/webhooks/pipedrive/")
    return {"webhook_url": url, "host": request.get_host()}


# ---- state, control, the page -----------------------------------------------------------------------------------------


@require_GET
def state(request):
    data = {spec.collection: records.records_of(name) for name, spec in SPECS.items()}
    data[sandbox_webhooks.COLLECTION] = store.all_of(SYSTEM, sandbox_webhooks.COLLECTION)
    return JsonResponse(data)


@csrf_exempt
def control(request):
    return faults.control(request, SYSTEM)


@require_GET
def home(request):
    organizations = {o["id"]: o["name"] for o in records.records_of("organization")}
    open_deals = [
        {**d, "org_name": organizations.get(d["org_id"], ""), "order_number": d["custom_fields"].get(ORDER_NUMBER_FIELD),
         "sync_status": d["custom_fields"].get(SYNC_STATUS_FIELD)}
        for d in records.records_of("deal") if not d["is_deleted"]
    ]  # fmt: skip
    deliveries = store.all_of(SYSTEM, sandbox_webhooks.COLLECTION)[-10:][::-1]
    return render(request, "sandbox/pipedrive.html",
                  {"deals": open_deals, "deliveries": deliveries, "fields": DEAL_CUSTOM_FIELDS})  # fmt: skip


@require_POST
def mark_won(request, deal_id: int):
    """The "Mark won" button: the same update a PATCH {"status": "won"} makes, webhook included."""
    try:
        records.update("deal", deal_id, {"status": "won"}, **_webhook_target(request))
    except SandboxApiError as exc:
        return HttpResponse(f"Pipedrive sandbox refused: {exc.message}", status=exc.status, content_type="text/plain")
    return redirect("pipedrive-sandbox-home")


urlpatterns = [
    path("", home, name="pipedrive-sandbox-home"),
    path("deals/<int:deal_id>/mark-won", mark_won, name="pipedrive-sandbox-mark-won"),
    path("_state", state, name="pipedrive-sandbox-state"),
    path("_control", control, name="pipedrive-sandbox-control"),
    path("api/v2/deals", deals),
    path("api/v2/deals/<int:deal_id>", deal),
    path("api/v2/deals/<int:deal_id>/products", deal_products),
    path("api/v2/deals/<int:deal_id>/products/<int:item_id>", deal_product),
    *[path(f"api/v2/{entity}s", collection, {"entity": entity}) for entity in ("organization", "person", "product")],
    *[path(f"api/v2/{entity}s/<int:record_id>", record, {"entity": entity})
      for entity in ("organization", "person", "product")],  # fmt: skip
    path("api/v1/notes", notes),
]
