"""The only code that speaks HTTP to Salesforce: OAuth 2.0 client credentials, then the REST API.

Every exchange goes through the kernel's `LoggedHttp` (one redacted `Event` each). Salesforce's error answers — a
JSON array of {"message", "errorCode", "fields"?} — become the kernel's error tree here and nowhere else:

  429, 5xx, REQUEST_LIMIT_EXCEEDED, SERVER_UNAVAILABLE   → RateLimitedError / TransientError (retry later)
  UNABLE_TO_LOCK_ROW                                      → LockedRecordError (retry later)
  404 / NOT_FOUND / ENTITY_IS_DELETED                     → NotFoundError
  DUPLICATE_VALUE / DUPLICATES_DETECTED                   → DuplicateError
  any other 4xx (INVALID_FIELD, MALFORMED_QUERY, …)       → RemoteValidationError, vendor code and message kept
  token refused, or 401 after one fresh token             → AuthenticationError

Access tokens are cached per process (login URL + client id) and refreshed once when Salesforce answers 401.
JSON numbers are read as `Decimal`, so money never passes through a float.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings

from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    DuplicateError,
    LockedRecordError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.http import LoggedHttp

SYSTEM = "salesforce"

_RATE_LIMIT_CODES = {"REQUEST_LIMIT_EXCEEDED", "TOO_MANY_REQUESTS", "API_CURRENTLY_DISABLED_TEMPORARILY"}
_TRANSIENT_CODES = {"SERVER_UNAVAILABLE", "QUERY_TIMEOUT", "REQUEST_RUNNING_TOO_LONG"}
_LOCK_CODES = {"UNABLE_TO_LOCK_ROW"}
_NOT_FOUND_CODES = {"NOT_FOUND", "ENTITY_IS_DELETED"}
_DUPLICATE_CODES = {"DUPLICATE_VALUE", "DUPLICATES_DETECTED", "DUPLICATE_EXTERNAL_ID"}
_AUTH_CODES = {"INVALID_SESSION_ID", "INVALID_AUTH_HEADER"}


@dataclass(frozen=True)
class _Session:
    access_token: str
    instance_url: str


_sessions: dict[tuple[str, str], _Session] = {}
_sessions_lock = threading.Lock()


def clear_token_cache() -> None:
    with _sessions_lock:
        _sessions.clear()


class SalesforceClient:
    """A Salesforce org reached through `SALESFORCE_BASE_URL` (the login host, or the sandbox)."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_version: str | None = None,
        timeout: float | None = None,
    ):
        self.base_url = (base_url if base_url is not None else settings.SALESFORCE_BASE_URL).rstrip("/")
        self.client_id = client_id if client_id is not None else settings.SALESFORCE_CLIENT_ID
        self._client_secret = client_secret if client_secret is not None else settings.SALESFORCE_CLIENT_SECRET
        self.api_version = api_version or settings.SALESFORCE_API_VERSION
        if not self.base_url:
            raise ConfigurationError(
                "SALESFORCE_BASE_URL is not set: point it at https://login.salesforce.com (or the sandbox)",
                system=SYSTEM,
            )
        self._http = LoggedHttp(SYSTEM, base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ---- REST --------------------------------------------------------------------------------------------------------

    def query(self, soql: str, *, batch_size: int | None = None) -> list[dict]:
        """All records of a SOQL query, following `nextRecordsUrl` until `done`."""
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else {}
        page = self._call("GET", "query", params={"q": soql}, headers=headers, event_type="salesforce.query")
        records = list(page.get("records", []))
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            page = self._call("GET", page["nextRecordsUrl"], headers=headers, event_type="salesforce.query")
            records.extend(page.get("records", []))
        return records

    def get(self, sobject: str, record_id: str, fields: list[str] | None = None) -> dict:
        params = {"fields": ",".join(fields)} if fields else None
        return self._call("GET", f"sobjects/{sobject}/{record_id}", params=params, event_type="salesforce.get")

    def update(self, sobject: str, record_id: str, fields: dict) -> None:
        self._call("PATCH", f"sobjects/{sobject}/{record_id}", json=fields, event_type="salesforce.update")

    def create(self, sobject: str, fields: dict) -> str:
        """Create a record and return its id (Salesforce answers 201 {"id", "success", "errors"})."""
        answer = self._call("POST", f"sobjects/{sobject}/", json=fields, event_type="salesforce.create")
        if not answer.get("success") or not answer.get("id"):
            raise RemoteValidationError(
                f"Salesforce did not create the {sobject}: {answer.get('errors')}", system=SYSTEM, detail=answer
            )
        return answer["id"]

    def delete(self, sobject: str, record_id: str) -> None:
        self._call("DELETE", f"sobjects/{sobject}/{record_id}", event_type="salesforce.delete")

    def _call(self, method: str, path: str, *, event_type: str, headers=None, **kwargs):
        for attempt in (1, 2):
            session = self._session()
            url = self._rest_url(path, session)
            response = self._http.request(
                method,
                url,
                event_type=event_type,
                headers={"Authorization": f"Bearer {session.access_token}", **(headers or {})},
                **kwargs,
            )
            if response.status_code == 401 and attempt == 1:
                self._forget_session(session)  # expired or revoked: one fresh token, one more try
                continue
            break
        if response.status_code >= 300:
            raise_for_salesforce_error(response, f"{method} {_short(url)}")
        if response.status_code == 204 or not response.content:
            return {}
        return _json(response)

    def _rest_url(self, path: str, session: _Session) -> str:
        if path.startswith("/services/"):  # nextRecordsUrl and other server-given paths
            return session.instance_url + path
        return f"{session.instance_url}/services/data/{self.api_version}/{path}"

    # ---- OAuth 2.0 client credentials ----------------------------------------------------------------------------------

    def _session(self) -> _Session:
        key = (self.base_url, self.client_id)
        with _sessions_lock:
            cached = _sessions.get(key)
        if cached:
            return cached
        session = self._fetch_token()
        with _sessions_lock:
            _sessions[key] = session
        return session

    def _forget_session(self, session: _Session) -> None:
        key = (self.base_url, self.client_id)
        with _sessions_lock:
            if _sessions.get(key) == session:
                del _sessions[key]

    def _fetch_token(self) -> _Session:
        if not self.client_id or not self._client_secret:
            raise ConfigurationError(
                "SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET must be set (the connected app's consumer key "
                "and secret)",
                system=SYSTEM,
            )
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self._client_secret}
        # Sent as text, not data=…, so the event log redacts client_secret as a form field.
        response = self._http.request(
            "POST",
            "/services/oauth2/token",
            event_type="salesforce.oauth",
            content=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise_for_salesforce_error(response, "POST /services/oauth2/token")
        body = _json(response, strict=False)
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            error = body.get("error", "") if isinstance(body, dict) else ""
            description = body.get("error_description", "") if isinstance(body, dict) else ""
            raise AuthenticationError(
                f"Salesforce refused the integration's credentials ({error or response.status_code}: "
                f"{description or 'no description'}). Check SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET and "
                "that the connected app allows the client credentials flow with a run-as user.",
                system=SYSTEM,
                vendor_code=error,
                http_status=response.status_code,
            )
        instance_url = (body.get("instance_url") or self.base_url).rstrip("/")
        return _Session(access_token=body["access_token"], instance_url=instance_url)


# ---- error mapping ----------------------------------------------------------------------------------------------------


def raise_for_salesforce_error(response, what: str) -> None:
    """Turn a Salesforce error answer into the kernel's error tree (see the module docstring)."""
    status = response.status_code
    errors = _error_list(response)
    first = errors[0] if errors else {}
    code = str(first.get("errorCode") or first.get("error") or "")
    message = str(first.get("message") or first.get("error_description") or response.text[:300] or f"HTTP {status}")
    fields = first.get("fields") or []
    detail = {"errors": errors, "request": what}
    text = f"Salesforce answered {what} with HTTP {status}: {message}"
    kwargs = {"system": SYSTEM, "vendor_code": code, "http_status": status, "detail": detail}

    if status == 429 or code in _RATE_LIMIT_CODES:
        raise RateLimitedError(text + " — the org's API limit is reached; retrying later.", **kwargs)
    if code in _LOCK_CODES:
        raise LockedRecordError(text + " — another process holds the record; retrying later.", **kwargs)
    if status >= 500 or status in (408, 425) or code in _TRANSIENT_CODES:
        raise TransientError(text, **kwargs)
    if status == 401 or code in _AUTH_CODES:
        raise AuthenticationError(
            text + " — a fresh token was refused too; check the connected app and its run-as user.", **kwargs
        )
    if status == 404 or code in _NOT_FOUND_CODES:
        raise NotFoundError(text + " — the record was deleted or is not visible to the integration user.", **kwargs)
    if code in _DUPLICATE_CODES:
        raise DuplicateError(text, **kwargs)
    if 400 <= status < 500:
        hint = f" Fields: {', '.join(fields)}." if fields else ""
        raise RemoteValidationError(text + hint, **kwargs)
    raise PermanentError(text, **kwargs)


def _error_list(response) -> list[dict]:
    body = _json(response, strict=False)
    if isinstance(body, list):
        return [e for e in body if isinstance(e, dict)]
    if isinstance(body, dict):
        return [body]
    return []


def _json(response, *, strict: bool = True):
    try:
        return json.loads(response.content or b"null", parse_float=Decimal)
    except ValueError as exc:
        if not strict:
            return None
        raise TransientError(
            f"Salesforce answered HTTP {response.status_code} with a body that is not JSON "
            f"({response.text[:120]!r}); a proxy or maintenance page may be in the way.",
            system=SYSTEM,
            http_status=response.status_code,
        ) from exc


def _short(url: str) -> str:
    return url.split("/services/data/", 1)[-1].split("?", 1)[0]

