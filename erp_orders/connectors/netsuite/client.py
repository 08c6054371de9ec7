"""The only code that speaks HTTP to NetSuite: SuiteTalk REST web services, record API v1.

Built on the kernel's `LoggedHttp`, so every exchange lands in the event log (redacted; request headers, where the
OAuth signature travels, are never logged) and timeouts or refused connections are already `TransientError`.
What is NetSuite's own:

* settings.NETSUITE_BASE_URL is the host root (https://<account>.suitetalk.api.netsuite.com); records live under
  /services/rest/record/v1/<recordType>[/<id> | /eid:<externalId>][/<sublist>];
* token-based authentication: every request is signed with OAuth 1.0a HMAC-SHA256 (oauth.py), realm = account id;
* a create answers 204 No Content with the new record's URL in `Location`; the record is then read with a GET;
* errors come as `application/vnd.oracle.resource+json; type=error`:
  {"type", "title", "status", "o:errorDetails": [{"detail", "o:errorCode", "o:errorPath"?}]} (Oracle: "Error
  Handling in REST Web Services"), mapped onto the kernel's error tree by `ERROR_CODES` below.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
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

from .mappers import to_json
from .oauth import TokenAuth

SYSTEM = "netsuite"
RECORD_API = "/services/rest/record/v1"

# NetSuite's o:errorCode → what it means for us. Codes not listed fall back on the HTTP status (`_BY_STATUS`).
# RemoteValidationError codes get their reason from the field the error points at (`_REASON_BY_PATH`) or its text.
ERROR_CODES: dict[str, tuple[type, str]] = {
    "INVALID_LOGIN": (AuthenticationError, ""),
    "INVALID_LOGIN_ATTEMPT": (AuthenticationError, ""),
    "INSUFFICIENT_PERMISSION": (AuthenticationError, ""),
    "NONEXISTENT_ID": (NotFoundError, ""),
    "RCRD_DSNT_EXIST": (NotFoundError, ""),
    "CONCURRENCY_LIMIT_EXCEEDED": (RateLimitedError, ""),
    "WS_REQUEST_BLOCKED": (RateLimitedError, ""),
    "SSS_REQUEST_LIMIT_EXCEEDED": (RateLimitedError, ""),
    "RCRD_HAS_BEEN_CHANGED": (LockedRecordError, Reason.RECORD_LOCKED),
    "RCRD_LOCKED_BY_WF": (LockedRecordError, Reason.RECORD_LOCKED),
    "RCRD_EDITED_SINCE_RETRIEVED": (LockedRecordError, Reason.RECORD_LOCKED),
    "DUP_RCRD": (DuplicateError, Reason.DUPLICATE_REFERENCE),
    "UNEXPECTED_ERROR": (TransientError, ""),
    "INVALID_CONTENT": (RemoteValidationError, ""),
    "INVALID_KEY_OR_REF": (RemoteValidationError, ""),
    "INVALID_VALUE": (RemoteValidationError, ""),
    "FIELD_PARAM_REQD": (RemoteValidationError, ""),
    "USER_ERROR": (RemoteValidationError, ""),
}
_BY_STATUS = {401: AuthenticationError, 403: AuthenticationError, 404: NotFoundError, 408: TransientError,
              409: DuplicateError, 429: RateLimitedError}
# o:errorPath of the request body → the shared reason, and what a person fixes
_REASON_BY_PATH = (
    (re.compile(r"^entity$"), Reason.UNKNOWN_CUSTOMER, "Fix the Crosswalk › Customer entry for NetSuite (the customer's internal id)"),
    (re.compile(r"^terms$"), Reason.INVALID_PAYMENT_TERMS, "Fix the Crosswalk › Payment terms entry for NetSuite (the terms' internal id)"),
    (re.compile(r"^item\.items\[\d+\]\.item$"), Reason.UNKNOWN_ITEM, "Fix the Crosswalk › Product entry for NetSuite (the item's internal id)"),
    (re.compile(r"^item\.items\[\d+\]\.units$"), "", "Fix the unit of the Crosswalk › Product entry for NetSuite"),
    (re.compile(r"^item\.items\[\d+\]\.quantity$"), "", "Fix the quantity on the deal"),
    (re.compile(r"^shipDate$"), "", "Correct the requested delivery date (or the material group's lead time)"),
    (re.compile(r"^currency$"), "", "Fix the deal's currency (NetSuite must have it as a currency record)"),
)
_REASON_BY_TEXT = (
    (re.compile(r"in the past|before today", re.I), Reason.DATE_IN_PAST),
    (re.compile(r"whole numbers?|fractional quantit", re.I), Reason.UNIT_NO_DECIMALS),
    (re.compile(r"invalid terms reference", re.I), Reason.INVALID_PAYMENT_TERMS),
    (re.compile(r"invalid (customer|entity) reference", re.I), Reason.UNKNOWN_CUSTOMER),
    (re.compile(r"invalid item reference", re.I), Reason.UNKNOWN_ITEM),
)
_LOCK_TEXT = re.compile(r"being edited|has been changed|locked by|is locked|record lock", re.I)


def error_details(body) -> list[dict]:
    """The o:errorDetails of a NetSuite error body ([] when the body is not one)."""
    if not isinstance(body, dict):
        return []
    return [d for d in body.get("o:errorDetails") or [] if isinstance(d, dict)]


def classify(status: int, details: list[dict]) -> tuple[type, str, str, dict]:
    """(error class, reason, hint, the detail that decided) for a NetSuite answer with `status` and `details`.

    A detail with a decisive code (locked, duplicate, throttled, login…) wins; among validation details the first
    that names a self-healing reason wins, so one healable finding is not hidden behind another."""
    validations = []
    for detail in details:
        code, text, path = (str(detail.get(k) or "") for k in ("o:errorCode", "detail", "o:errorPath"))
        kind, reason = ERROR_CODES.get(code, (None, ""))
        if kind in (None, RemoteValidationError) and _LOCK_TEXT.search(text):
            return LockedRecordError, Reason.RECORD_LOCKED, "", detail
        if kind is None and status == 400:
            kind = RemoteValidationError
        if kind is RemoteValidationError:
            validations.append((*_validation_reason(path, text), detail))
        elif kind is not None:
            return kind, reason, "", detail
    if validations:
        reason, hint, detail = next((v for v in validations if v[0]), validations[0])
        return RemoteValidationError, reason, hint, detail
    first = details[0] if details else {}
    if status >= 500:
        return TransientError, "", "", first
    return _BY_STATUS.get(status, RemoteValidationError if status == 400 else PermanentError), "", "", first


def _validation_reason(path: str, text: str) -> tuple[str, str]:
    """(reason, hint) of one validation detail: from the field it points at, else from its words."""
    reason, hint = next(((r, h) for pattern, r, h in _REASON_BY_PATH if pattern.match(path)), ("", ""))
    return next((r for pattern, r in _REASON_BY_TEXT if pattern.search(text)), reason), hint


def raise_for_netsuite_error(response: httpx.Response, *, action: str) -> None:
    """Raise the kernel error this NetSuite answer means; return quietly for 2xx/3xx.

    `action` says what we were doing ("create the sales order", "read item 501"); a create's validation errors
    become "NetSuite rejected the order: …", a query's become a fault in the connector, not in the deal."""
    status = response.status_code
    if status < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    details = error_details(body)
    kind, reason, hint, decided = classify(status, details)
    code = str(decided.get("o:errorCode") or "")
    said = "; ".join(str(d.get("detail") or "").strip() for d in details if d.get("detail"))
    if not said and isinstance(body, dict):
        said = str(body.get("title") or "")
    said = (said or response.text.strip()[:300] or f"HTTP {status}").rstrip(".")
    vendor = f"NetSuite {code}" if code else f"NetSuite HTTP {status}"
    common = {"system": SYSTEM, "vendor_code": code, "http_status": status,
              "detail": {"o:errorDetails": details} if details else {}}
    creating = action.startswith("create")

    if kind is RateLimitedError:
        raise RateLimitedError(f"NetSuite is refusing more concurrent requests ({said}; {vendor}) while trying to "
                               f"{action}; will retry.", reason=reason, **common)
    if kind is LockedRecordError:
        raise LockedRecordError(f"NetSuite could not {action}: a record is locked or was changed by someone else "
                                f"({said}; {vendor}); will retry when it is released.",
                                reason=Reason.RECORD_LOCKED, **common)
    if kind is TransientError:
        maybe = (" The order may have been created; the next attempt looks it up by its reference first."
                 if creating and status in (502, 504) else "")
        raise TransientError(f"NetSuite could not {action} right now ({said}; {vendor}); will retry.{maybe}",
                             **common)
    if kind is AuthenticationError:
        what = ("Check NETSUITE_ACCOUNT_ID (the realm), NETSUITE_CONSUMER_KEY/SECRET and NETSUITE_TOKEN_ID/SECRET, "
                "that the token is active and the server clock is right (NetSuite's Login Audit Trail says why)"
                if status == 401 else "Give the integration role the permission for this record type")
        raise AuthenticationError(f"NetSuite refused access while trying to {action} ({said}; {vendor}). {what}, "
                                  "then re-queue.", recommended_resolution=what, **common)
    if kind is NotFoundError:
        raise NotFoundError(f"NetSuite found nothing at {response.request.url.path} while trying to {action} "
                            f"({said}; {vendor}).", **common)
    if kind is DuplicateError:
        raise DuplicateError(f"NetSuite refused to {action}: {said} ({vendor}).", reason=reason, **common)
    if kind is RemoteValidationError:
        if creating:
            hint = hint or "Correct the data NetSuite names above (crosswalk or deal)"
            raise RemoteValidationError(f"NetSuite rejected the order: {said} ({vendor}). {hint}, then re-queue.",
                                        recommended_resolution=f"{hint}, then re-queue.", reason=reason, **common)
        raise RemoteValidationError(f"NetSuite refused our request to {action}: {said} ({vendor}). This is a fault "
                                    "in the connector's request, not in the deal: report it.", **common)
    raise PermanentError(f"NetSuite could not {action} ({said}; {vendor}).", **common)


class NetSuiteClient:
    """One NetSuite connection with token-based authentication. Use as a context manager."""

    def __init__(self, *, base_url: str | None = None, account_id: str | None = None, consumer_key: str | None = None,
                 consumer_secret: str | None = None, token_id: str | None = None, token_secret: str | None = None,
                 timeout: float | None = None):
        base_url = (base_url if base_url is not None else settings.NETSUITE_BASE_URL).rstrip("/")
        credentials = {
            "realm": account_id if account_id is not None else settings.NETSUITE_ACCOUNT_ID,
            "consumer_key": consumer_key if consumer_key is not None else settings.NETSUITE_CONSUMER_KEY,
            "consumer_secret": consumer_secret if consumer_secret is not None else settings.NETSUITE_CONSUMER_SECRET,
            "token_id": token_id if token_id is not None else settings.NETSUITE_TOKEN_ID,
            "token_secret": token_secret if token_secret is not None else settings.NETSUITE_TOKEN_SECRET,
        }
        if not base_url:
            raise ConfigurationError("NETSUITE_BASE_URL is not set: point it at https://<account>.suitetalk.api."
                                     "netsuite.com (or at /sandbox/netsuite for the emulator).", system=SYSTEM)
        missing = [name for name, value in credentials.items() if not value]
        if missing:
            raise ConfigurationError(
                f"NetSuite token-based authentication needs {', '.join(missing)} (settings NETSUITE_ACCOUNT_ID, "
                "NETSUITE_CONSUMER_KEY/SECRET, NETSUITE_TOKEN_ID/SECRET): set them from the integration record "
                "and the access token.", system=SYSTEM)
        self.http = LoggedHttp(SYSTEM, base_url=base_url, timeout=timeout, auth=TokenAuth(**credentials),
                               headers={"Accept": "application/json"})

    def __enter__(self) -> NetSuiteClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, params: dict[str, str] | None = None, *, action: str) -> dict:
        """GET <record API>/<path> and return the decoded JSON (numbers as Decimal, never float)."""
        response = self.http.request("GET", f"{RECORD_API}/{path}", params=params)
        raise_for_netsuite_error(response, action=action)
        return self._json(response, action)

    def create(self, record_type: str, body: dict, *, action: str) -> str:
        """POST a new record; NetSuite answers 204 and the new record's URL in Location. Returns its internal id."""
        response = self.http.request("POST", f"{RECORD_API}/{record_type}", content=to_json(body),
                                     headers={"Content-Type": "application/json"})
        raise_for_netsuite_error(response, action=action)
        internal_id = urlsplit(response.headers.get("location", "")).path.rstrip("/").rpartition("/")[2]
        if not internal_id.isdigit():
            # The record may well exist: the next attempt asks for it by its external id before creating again.
            raise TransientError(f"NetSuite answered HTTP {response.status_code} to '{action}' without the new "
                                 "record's Location; the next attempt looks the order up by its reference.",
                                 system=SYSTEM, http_status=response.status_code)
        return internal_id

    @staticmethod
    def _json(response: httpx.Response, action: str) -> dict:
        try:
            return json.loads(response.text, parse_float=Decimal)
        except ValueError:
            raise ConfigurationError(
                f"NetSuite answered HTTP {response.status_code} to '{action}' with something that is not JSON "
                f"({response.headers.get('content-type', 'no content type')}); check NETSUITE_BASE_URL.",
                system=SYSTEM, http_status=response.status_code) from None
