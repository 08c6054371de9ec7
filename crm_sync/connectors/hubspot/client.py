"""The only code that speaks HTTP to HubSpot: the CRM v3 object API with a private app's access token (Bearer).

Every exchange goes through the kernel's `LoggedHttp` (one redacted `Event` each; the Authorization header never
reaches the log). HubSpot's error answers — {"status": "error", "message", "correlationId", "category",
"errors"?, "policyName"?} (HubSpot docs "Error handling") — become the kernel's error tree here and nowhere else:

  429 (RATE_LIMITS; policyName TEN_SECONDLY_ROLLING, SECONDLY, DAILY) → RateLimitedError (Retry-After kept)
  423 Locked ("syncing a large volume of data", wait ≥ 2 s)           → LockedRecordError, reason RECORD_LOCKED
  408, 477 Migration in progress, 5xx (502/504 processing limits, 503, 521-524) → TransientError
  401 (INVALID_AUTHENTICATION, EXPIRED_AUTHENTICATION)                → AuthenticationError (check the token)
  403 (MISSING_SCOPES)                                                 → AuthenticationError (grant the scope)
  404 / OBJECT_NOT_FOUND                                               → NotFoundError
  409 (CONFLICT, OBJECT_ALREADY_EXISTS)                                → DuplicateError
  400 VALIDATION_ERROR and any other 4xx                               → RemoteValidationError
The correlationId (HubSpot support asks for it) is kept in `detail` and in the message. A VALIDATION_ERROR's
per-property problems ("Property values were not valid: [{…, "error": "PROPERTY_DOESNT_EXIST", "name": …}]") are
read out, so the message names the property and the code is the vendor code.
Property values arrive as strings ("1250.00"); JSON numbers are parsed as `Decimal` all the same.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings

from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    DuplicateError,
    LockedRecordError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    Reason,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.http import LoggedHttp

SYSTEM = "hubspot"
API = "/crm/v3/objects"
BATCH_READ_MAX = 100  # inputs per batch read (HubSpot's limit)
SEARCH_PAGE_MAX = 200  # results per search page (HubSpot's limit)

# status → (error class, what a person should know); categories refine it where HubSpot gives one.
_TRANSIENT_STATUSES = {408, 477, 500, 502, 503, 504, 521, 522, 523, 524}
_NOT_FOUND_CATEGORIES = {"OBJECT_NOT_FOUND"}
_DUPLICATE_CATEGORIES = {"CONFLICT", "OBJECT_ALREADY_EXISTS"}
_AUTH_CATEGORIES = {"INVALID_AUTHENTICATION", "EXPIRED_AUTHENTICATION", "MISSING_SCOPES"}


class HubSpotClient:
    """A HubSpot portal reached through `HUBSPOT_BASE_URL` (https://api.hubapi.com, or the sandbox)."""

    def __init__(self, *, base_url: str | None = None, access_token: str | None = None, timeout: float | None = None):
        self.base_url = (base_url if base_url is not None else settings.HUBSPOT_BASE_URL).rstrip("/")
        self._access_token = access_token if access_token is not None else settings.HUBSPOT_ACCESS_TOKEN
        if not self.base_url:
            raise ConfigurationError("HUBSPOT_BASE_URL is not set: point it at https://api.hubapi.com (or the sandbox)",
                                     system=SYSTEM)
        if not self._access_token:
            raise ConfigurationError(
                "HUBSPOT_ACCESS_TOKEN is not set: create a private app in HubSpot (Settings › Integrations › Private "
                "apps) with the crm.objects.deals/companies/contacts/line_items scopes and set its access token",
                system=SYSTEM,
            )
        self._http = LoggedHttp(SYSTEM, base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ---- objects -------------------------------------------------------------------------------------------------

    def get(self, object_type: str, object_id: str, *, properties: list[str], associations: list[str] = ()) -> dict:
        """One record with the named properties and, per associated object type, its associated ids."""
        params = {"properties": ",".join(properties), "archived": "false"}
        if associations:
            params["associations"] = ",".join(associations)
        return self._call("GET", f"{API}/{object_type}/{object_id}", params=params, event_type="hubspot.get")

    def batch_read(self, object_type: str, ids: list[str], *, properties: list[str]) -> list[dict]:
        """Records by id, in chunks of 100. An id HubSpot cannot find (207 with OBJECT_NOT_FOUND) is NotFoundError:
        a deal must not lose a line silently."""
        records = []
        for start in range(0, len(ids), BATCH_READ_MAX):
            chunk = ids[start : start + BATCH_READ_MAX]
            body = {"properties": properties, "propertiesWithHistory": [], "inputs": [{"id": i} for i in chunk]}
            answer = self._call("POST", f"{API}/{object_type}/batch/read", json=body, event_type="hubspot.batch_read")
            if answer.get("numErrors") or answer.get("errors"):
                missing = [i for e in answer.get("errors", []) for i in (e.get("context") or {}).get("ids", [])]
                raise NotFoundError(
                    f"HubSpot could not read {object_type} {', '.join(missing) or '(some of them)'}: "
                    f"{answer['errors'][0].get('message', '') if answer.get('errors') else ''} They were deleted "
                    "after being associated; fix the deal in HubSpot, then re-queue.",
                    system=SYSTEM, vendor_code="OBJECT_NOT_FOUND", detail={"errors": answer.get("errors", [])},
                )
            records.extend(answer.get("results", []))
        return records

    def associated_ids(self, object_type: str, object_id: str, to_type: str) -> list[dict]:
        """Every association of a record to `to_type` (v4 list, paged): [{"toObjectId", "associationTypes"}]."""
        found, after = [], None
        while True:
            params = {"limit": "500", **({"after": after} if after else {})}
            page = self._call("GET", f"/crm/v4/objects/{object_type}/{object_id}/associations/{to_type}",
                              params=params, event_type="hubspot.associations")  # fmt: skip
            found.extend(page.get("results", []))
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return found

    def create(self, object_type: str, properties: dict, *, associations: list[dict] | None = None) -> dict:
        body = {"properties": properties, **({"associations": associations} if associations else {})}
        return self._call("POST", f"{API}/{object_type}", json=body, event_type="hubspot.create")

    def update(self, object_type: str, object_id: str, properties: dict) -> dict:
        return self._call("PATCH", f"{API}/{object_type}/{object_id}", json={"properties": properties},
                          event_type="hubspot.update")  # fmt: skip

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """The default (unlabeled) association between two records (v4 PUT …/associations/default/…)."""
        self._call("PUT", f"/crm/v4/objects/{from_type}/{from_id}/associations/default/{to_type}/{to_id}",
                   event_type="hubspot.associate")  # fmt: skip

    def search(self, object_type: str, body: dict) -> dict:
        """One page of a CRM search: {"total", "results", "paging"?: {"next": {"after"}}}."""
        return self._call("POST", f"{API}/{object_type}/search", json=body, event_type="hubspot.search")

    def _call(self, method: str, path: str, *, event_type: str, **kwargs) -> dict:
        response = self._http.request(method, path, event_type=event_type,
                                      headers={"Authorization": f"Bearer {self._access_token}",
                                               "Accept": "application/json"}, **kwargs)  # fmt: skip
        if response.status_code >= 300:
            raise_for_hubspot_error(response, f"{method} {path.removeprefix(API + '/')}")
        if response.status_code == 204 or not response.content:
            return {}
        return _json(response)


# ---- error mapping ---------------------------------------------------------------------------------------------------


def raise_for_hubspot_error(response, what: str) -> None:
    """Turn a HubSpot error answer into the kernel's error tree (see the module docstring)."""
    status = response.status_code
    body = _json(response, strict=False)
    body = body if isinstance(body, dict) else {}
    category = str(body.get("category") or body.get("errorType") or "")
    correlation_id = str(body.get("correlationId") or response.headers.get("X-HubSpot-Correlation-Id") or "")
    message, property_errors = _message_and_property_errors(body, response, status)
    code = property_errors[0].get("error", "") if property_errors else ""
    vendor = " ".join(c for c in (category, code) if c)
    detail = {"request": what, "category": category, "correlation_id": correlation_id,
              "policy_name": body.get("policyName", ""), "retry_after": response.headers.get("Retry-After", ""),
              "property_errors": property_errors, "body": body}  # fmt: skip
    text = f"HubSpot answered {what} with HTTP {status}: {message}"
    if vendor:
        text += f" (HubSpot {vendor})"
    if correlation_id:
        text += f" [correlationId {correlation_id}]"
    kwargs = {"system": SYSTEM, "vendor_code": code or category, "http_status": status, "detail": detail}

    if status == 429:
        raise RateLimitedError(f"{text} — the portal's {body.get('policyName') or 'API'} limit is reached; "
                               "retrying later.", **kwargs)  # fmt: skip
    if status == 423:
        raise LockedRecordError(f"{text} — HubSpot locks records while it syncs a large volume; retrying later.",
                                reason=Reason.RECORD_LOCKED, **kwargs)  # fmt: skip
    if status in _TRANSIENT_STATUSES or status >= 500:
        raise TransientError(text, **kwargs)
    if status in (401, 403) or category in _AUTH_CATEGORIES:
        hint = ("check HUBSPOT_ACCESS_TOKEN: the private app's token was rotated or the app was deleted"
                if status == 401 else "grant the private app the scope this call needs (HubSpot MISSING_SCOPES)")
        raise AuthenticationError(f"{text} — {hint}.", **kwargs)
    if status == 404 or category in _NOT_FOUND_CATEGORIES:
        raise NotFoundError(f"{text} — the record was deleted or merged, or the id is not one of this portal's.",
                            **kwargs)  # fmt: skip
    if status == 409 or category in _DUPLICATE_CATEGORIES:
        raise DuplicateError(text, **kwargs)
    if 400 <= status < 500:
        raise RemoteValidationError(text, **kwargs)
    raise PermanentError(text, **kwargs)


def _message_and_property_errors(body: dict, response, status: int) -> tuple[str, list[dict]]:
    """HubSpot's message, with the property problems it embeds as JSON text read out into sentences."""
    message = str(body.get("message") or response.text[:300] or f"HTTP {status}")
    head, separator, embedded = message.partition(": [")
    property_errors = []
    if separator:
        try:
            parsed = json.loads("[" + embedded)
        except ValueError:
            parsed = []
        property_errors = [p for p in parsed if isinstance(p, dict)]
    if not property_errors:
        details = [e.get("message", "") for e in body.get("errors") or [] if isinstance(e, dict)]
        return (message + (" — " + "; ".join(d for d in details if d) if any(details) else "")), []
    sentences = "; ".join(f"{p.get('name', '?')}: {p.get('message', p.get('error', ''))}" for p in property_errors)
    return f"{head}: {sentences}", property_errors


def _json(response, *, strict: bool = True):
    try:
        return json.loads(response.content or b"null", parse_float=Decimal)
    except ValueError as exc:
        if not strict:
            return None
        raise TransientError(
            f"HubSpot answered HTTP {response.status_code} with a body that is not JSON ({response.text[:120]!r}); "
            "a proxy or maintenance page may be in the way.",
            system=SYSTEM,
            http_status=response.status_code,
        ) from exc
