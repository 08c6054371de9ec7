"""The only code that speaks HTTP to Pipedrive: API v2 (deals, deal products, organizations, persons, products) and
the v1 Notes API (notes have no v2 endpoint yet), authenticated with the company's API token.

The token travels in the `x-api-token` header, as Pipedrive asks ("The API token must be provided in the x-api-token
header for all requests", Core API concepts › Authentication), never in the URL, so no logged endpoint can carry it.
Every exchange goes through the kernel's `LoggedHttp` (one redacted `Event` each). Pipedrive's error answers —
{"success": false, "error": "...", "error_info": "...", "code"?} — become the kernel's error tree here and nowhere
else (`STATUS_ERRORS`, tested row by row):

  429 (token budget or burst limit spent)      → RateLimitedError, with the x-ratelimit-* headers kept
  5xx, 408, 503 scheduled maintenance          → TransientError;  423 (record held)  → LockedRecordError
  401 invalid token, 403 not allowed           → AuthenticationError (configuration, not data)
  402 company account not open, 415 disabled   → ConfigurationError
  404, 410                                     → NotFoundError
  400, 422 and any other 4xx                   → RemoteValidationError, Pipedrive's message kept

JSON numbers are read as `Decimal`, so money never passes through a float. List endpoints page with a cursor
(`additional_data.next_cursor`, Core API concepts › Pagination); `pages` follows it.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings

from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    LockedRecordError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.http import LoggedHttp

SYSTEM = "pipedrive"
MAX_PAGE = 500  # Pipedrive's largest `limit`

# HTTP status → (error class, what it means for the person reading the message).
STATUS_ERRORS = {
    400: (RemoteValidationError, "Pipedrive did not accept the request's content"),
    401: (AuthenticationError,
          "the API token is invalid or revoked; check PIPEDRIVE_API_TOKEN (one active token per user and company)"),
    402: (ConfigurationError, "the Pipedrive company account is not open (trial over or payment missing)"),
    403: (AuthenticationError, "the integration user may not do this; give it the permission or use an admin's token"),
    404: (NotFoundError, "the record does not exist or is not visible to the integration user"),
    408: (TransientError, "Pipedrive timed out; retrying later"),
    410: (NotFoundError, "the record was removed for good"),
    415: (ConfigurationError, "the feature is not enabled for this Pipedrive company"),
    422: (RemoteValidationError, "Pipedrive could not process the request's content"),
    423: (LockedRecordError, "Pipedrive holds the record for another change; retrying later"),
    429: (RateLimitedError, "the company's API token budget or burst limit is spent; retrying later"),
    503: (TransientError, "Pipedrive is unavailable (scheduled maintenance); retrying later"),
}
RATE_LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after")


class PipedriveClient:
    """One Pipedrive company reached through `PIPEDRIVE_BASE_URL` (https://<company>.pipedrive.com, or the sandbox)."""

    def __init__(self, *, base_url: str | None = None, api_token: str | None = None, timeout: float | None = None):
        self.base_url = (base_url if base_url is not None else settings.PIPEDRIVE_BASE_URL).rstrip("/")
        token = api_token if api_token is not None else settings.PIPEDRIVE_API_TOKEN
        if not self.base_url:
            raise ConfigurationError(
                "PIPEDRIVE_BASE_URL is not set: point it at https://<company>.pipedrive.com (or the sandbox)",
                system=SYSTEM,
            )
        if not token:
            raise ConfigurationError(
                "PIPEDRIVE_API_TOKEN is not set: copy the integration user's token from Pipedrive › Personal "
                "preferences › API",
                system=SYSTEM,
            )
        self._http = LoggedHttp(
            SYSTEM, base_url=self.base_url, timeout=timeout, headers={"x-api-token": token, "Accept": "application/json"}
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ---- API v2 ------------------------------------------------------------------------------------------------------

    def get(self, path: str, params: dict | None = None, *, event_type: str = "pipedrive.get") -> dict | list | None:
        """The `data` of one GET, e.g. get("/api/v2/deals/42")."""
        return self.call("GET", path, params=params, event_type=event_type)["data"]

    def pages(self, path: str, params: dict | None = None, *, limit: int | None = None,
              event_type: str = "pipedrive.list"):
        """Every item of a cursor-paged list, page by page, stopping after `limit` items when given."""
        params = dict(params or {})
        taken = 0
        while True:
            page_size = MAX_PAGE if limit is None else max(1, min(MAX_PAGE, limit - taken))
            answer = self.call("GET", path, params={**params, "limit": page_size}, event_type=event_type)
            for item in answer.get("data") or []:
                yield item
                taken += 1
                if limit is not None and taken >= limit:
                    return
            cursor = (answer.get("additional_data") or {}).get("next_cursor")
            if not cursor:
                return
            params["cursor"] = cursor

    def patch(self, path: str, body: dict, *, event_type: str = "pipedrive.update") -> dict:
        return self.call("PATCH", path, json=body, event_type=event_type)["data"]

    def post(self, path: str, body: dict, *, event_type: str = "pipedrive.create") -> dict:
        return self.call("POST", path, json=body, event_type=event_type)["data"]

    def call(self, method: str, path: str, *, event_type: str, **kwargs) -> dict:
        """One request; the whole answer ({"success", "data", "additional_data"}) or the kernel's error."""
        response = self._http.request(method, path, event_type=event_type, **kwargs)
        what = f"{method} {path}"
        if response.status_code >= 300:
            raise_for_pipedrive_error(response, what)
        body = _json(response)
        if not isinstance(body, dict) or body.get("success") is False:
            raise RemoteValidationError(
                f"Pipedrive answered {what} with HTTP {response.status_code} but no success: "
                f"{_error_text(body) or response.text[:200]}",
                system=SYSTEM, http_status=response.status_code, detail={"request": what},
            )  # fmt: skip
        return body


# ---- error mapping ----------------------------------------------------------------------------------------------------


def raise_for_pipedrive_error(response, what: str) -> None:
    """Turn a Pipedrive error answer into the kernel's error tree (see the module docstring)."""
    status = response.status_code
    body = _json(response, strict=False)
    body = body if isinstance(body, dict) else {}
    code = str(body.get("code") or body.get("errorCode") or status)
    message = _error_text(body) or response.text[:300].strip() or f"HTTP {status}"
    error_class, meaning = STATUS_ERRORS.get(status) or _by_range(status)
    detail = {"request": what, "error": body.get("error"), "error_info": body.get("error_info")}
    if status == 429:
        detail["rate_limit"] = {h: response.headers[h] for h in RATE_LIMIT_HEADERS if h in response.headers}
    raise error_class(
        f"Pipedrive answered {what} with HTTP {status}: {message} (Pipedrive {code}) — {meaning}.",
        system=SYSTEM, vendor_code=code, http_status=status, detail=detail,
    )  # fmt: skip


def _by_range(status: int) -> tuple[type, str]:
    if status >= 500:
        return TransientError, "a Pipedrive server error; retrying later"
    if 400 <= status < 500:
        return RemoteValidationError, "Pipedrive refused the request"
    return PermanentError, "an answer the integration does not expect"


def _error_text(body) -> str:
    if not isinstance(body, dict):
        return ""
    return str(body.get("error") or body.get("message") or "").strip()


def _json(response, *, strict: bool = True):
    try:
        return json.loads(response.content or b"null", parse_float=Decimal)
    except ValueError as exc:
        if not strict:
            return None
        raise TransientError(
            f"Pipedrive answered HTTP {response.status_code} with a body that is not JSON "
            f"({response.text[:120]!r}); a proxy or maintenance page may be in the way.",
            system=SYSTEM,
            http_status=response.status_code,
        ) from exc
