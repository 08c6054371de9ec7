"""The only code that speaks HTTP to Oracle Fusion Cloud SCM (REST resources under /fscmRestApi/resources/11.13.18.05).

Built on the kernel's `LoggedHttp`, so every exchange lands in the event log (redacted: the Basic credentials travel
in the Authorization header, which is never logged) and timeouts or refused connections are already
`TransientError`. What is Oracle's own:

* HTTP Basic (settings.ORACLE_USER / ORACLE_PASSWORD) over TLS against settings.ORACLE_BASE_URL, the pod's root
  (`https://<pod>.fa.<dc>.oraclecloud.com`). Oracle also offers OAuth/JWT; Basic is the common integration setup.
* `REST-Framework-Version: 4` on every request, so ADF answers errors as `application/vnd.oracle.adf.error+json`
  with the message codes in `o:errorDetails`, and `q` takes the expression syntax (`A='x' and B='y'`).
* Creates are POSTed as `application/vnd.oracle.adf.resourceitem+json`.
* Oracle's answers mapped onto the error tree, keeping Oracle's message code and text (`ERROR_CODES` below; the
  texts of the real system are read too, `_TEXT_REASONS`): 429 → RateLimitedError; a locked or concurrently changed
  record (JBO-26030, JBO-25014, ORA-00054) → LockedRecordError; 408 and 5xx → TransientError (a 504 after a create
  may still have created the order, as Oracle's documentation warns: the next attempt looks it up first); 401/403 →
  AuthenticationError; 404 → NotFoundError; 400/409/412 → RemoteValidationError with a `reason`, a duplicate source
  order → DuplicateError; anything else 4xx → PermanentError.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from urllib.parse import quote

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

from .mappers import error_details, to_json

SYSTEM = "oracle"
API_ROOT = "/fscmRestApi/resources/11.13.18.05"
ORDERS = "salesOrdersForOrderHub"
PRICE_LISTS = "priceLists"
ITEM_COSTS = "itemCosts"
REST_FRAMEWORK_VERSION = "4"
RESOURCE_ITEM = "application/vnd.oracle.adf.resourceitem+json"
_QUERY_SAFE = "'(),:;=\"!<>"

# Oracle message code → (error class, errors.Reason). JBO- codes are ADF Business Components' own; the FOM- codes are
# those the emulator (sandbox_orders.py) answers in Order Management's style, not a catalogue of Oracle's numbers.
ERROR_CODES: dict[str, tuple[type, str]] = {
    "JBO-26030": (LockedRecordError, Reason.RECORD_LOCKED),  # AlreadyLockedException: another user holds the lock
    "JBO-25014": (LockedRecordError, Reason.RECORD_LOCKED),  # RowInconsistentException: another user changed the row
    "ORA-00054": (LockedRecordError, Reason.RECORD_LOCKED),  # resource busy (row lock held by another session)
    "JBO-27014": (RemoteValidationError, ""),  # a required attribute is missing
    "JBO-27010": (RemoteValidationError, ""),  # a value exceeds the attribute's precision or length
    "FOM-1072001": (RemoteValidationError, Reason.UNKNOWN_CUSTOMER),  # buying party
    "FOM-1072002": (RemoteValidationError, Reason.UNKNOWN_CUSTOMER),  # ship-to party
    "FOM-1072010": (RemoteValidationError, Reason.UNKNOWN_ITEM),
    "FOM-1072011": (RemoteValidationError, ""),  # unit of measure
    "FOM-1072012": (RemoteValidationError, Reason.UNIT_NO_DECIMALS),
    "FOM-1072013": (RemoteValidationError, ""),  # quantity not positive
    "FOM-1072020": (RemoteValidationError, Reason.INVALID_PAYMENT_TERMS),
    "FOM-1072021": (RemoteValidationError, ""),  # tax classification
    "FOM-1072030": (RemoteValidationError, Reason.DATE_IN_PAST),
    "FOM-1072040": (DuplicateError, Reason.DUPLICATE_REFERENCE),
    "FOM-1072050": (RemoteValidationError, ""),  # business unit or source system not set up
    "FOM-1072060": (RemoteValidationError, ""),  # currency
    "FOM-1072070": (RemoteValidationError, ""),  # no price
}
# Oracle's own wording, for answers whose code we do not know (the real system's texts).
_INVALID = r"(isn't|aren't|is not|are not|not) valid|(doesn't|don't|does not) exist|invalid|not found"
_TEXT_REASONS = (
    (re.compile(r"another user (holds the lock|has changed the row)|record is locked|row is locked|resource busy", re.I),
     Reason.RECORD_LOCKED),
    (re.compile(r"(requested|ship|arrival) date .*(past|earlier than|before the current)", re.I), Reason.DATE_IN_PAST),
    (re.compile(r"fraction|decimal (places|precision)|whole number|must be an integer", re.I), Reason.UNIT_NO_DECIMALS),
    (re.compile(rf"payment terms?\b.*({_INVALID})", re.I), Reason.INVALID_PAYMENT_TERMS),
    (re.compile(rf"(buying|ship-to|bill-to) party|party number|customer .*({_INVALID})", re.I), Reason.UNKNOWN_CUSTOMER),
    (re.compile(rf"\bitem\b.*({_INVALID})|product number", re.I), Reason.UNKNOWN_ITEM),
    (re.compile(r"source (order|transaction) .*already exists|duplicate", re.I), Reason.DUPLICATE_REFERENCE),
)
_HINTS = {
    Reason.UNKNOWN_CUSTOMER: "Fix the customer crosswalk entry (the Oracle party number of the account), then re-queue.",
    Reason.UNKNOWN_ITEM: "Fix the product crosswalk entry for this line (the Oracle item number), then re-queue.",
    Reason.INVALID_PAYMENT_TERMS: "Fix the payment terms crosswalk entry (an Oracle payment terms name), then re-queue.",
    Reason.UNIT_NO_DECIMALS: "Use a whole quantity for this unit of measure (or the unit crosswalk), then re-queue.",
    Reason.DATE_IN_PAST: "Move the requested ship date to today or later (close date or lead time), then re-queue.",
    Reason.DUPLICATE_REFERENCE: "Oracle already holds this source order: look it up by its reference instead.",
}


def oracle_reason(code: str, text: str) -> tuple[type, str]:
    """The error class and shared reason (errors.Reason) of one Oracle message."""
    if code in ERROR_CODES:
        return ERROR_CODES[code]
    for pattern, reason in _TEXT_REASONS:
        if text and pattern.search(text):
            if reason == Reason.RECORD_LOCKED:
                return LockedRecordError, reason
            return (DuplicateError if reason == Reason.DUPLICATE_REFERENCE else RemoteValidationError), reason
    return RemoteValidationError, ""


def _hint(reason: str, said: str) -> str:
    if reason in _HINTS:
        return _HINTS[reason]
    said = said.lower()
    if "tax" in said:
        return "Fix the tax code crosswalk entry (an Oracle tax classification code), then re-queue."
    if "unit of measure" in said or "uom" in said:
        return "Fix the unit of measure in the product crosswalk (an Oracle UOM code such as Ea), then re-queue."
    if "business unit" in said or "source system" in said:
        return ("Check ORACLE_BUSINESS_UNIT and ORACLE_SOURCE_SYSTEM against Order Management's setup "
                "(Manage Upstream and Fulfillment Source Systems), then re-queue.")
    if "currency" in said:
        return "Fix the deal's currency, then re-queue."
    return "Correct the data Oracle names above (crosswalk or deal), then re-queue."


def raise_for_oracle_error(response: httpx.Response, *, action: str) -> None:
    """Raise the kernel error that this Oracle answer means; return quietly for 2xx/3xx."""
    status = response.status_code
    if status < 400:
        return
    details = error_details(response.headers.get("content-type", ""), response.text)
    said = "; ".join(d["detail"] for d in details if d["detail"]) or f"HTTP {status}"
    classified = [(d, *oracle_reason(d["code"], d["detail"])) for d in details]
    # the code a person looks up: the one behind the reason, else the first one Oracle gave
    code = next((d["code"] for d, _kind, reason in classified if reason and d["code"]), "") or \
        next((d["code"] for d in details if d["code"]), "")
    common = {"system": SYSTEM, "vendor_code": code, "http_status": status,
              "detail": {"errors": details} if details else {}}
    in_sentence = f" (Oracle {code})" if code else ""
    if status == 429:
        raise RateLimitedError(f"Oracle is throttling requests (HTTP 429) while trying to {action}; will retry.", **common)
    locked = next((d for d, kind, _ in classified if kind is LockedRecordError), None)
    if locked is not None:
        raise LockedRecordError(
            f"Oracle could not {action}: {locked['detail']}{in_sentence}; another user or process holds the record. "
            "Will retry when the lock is released.", reason=Reason.RECORD_LOCKED,
            **{**common, "vendor_code": locked["code"] or code})
    if status == 408 or status >= 500:
        maybe_done = (" The order may still have been created (Oracle documents this for 504); the next attempt "
                      "looks it up by its reference first.") if status in (502, 504) and action.startswith("create") else ""
        raise TransientError(f"Oracle could not {action} right now (HTTP {status}: {said[:300]}); will retry.{maybe_done}",
                             **common)
    if status == 401:
        raise AuthenticationError(
            f"Oracle rejected our credentials (HTTP 401) while trying to {action}. Check ORACLE_USER / ORACLE_PASSWORD "
            "(and that the integration user is active and its password not expired), then re-queue.", **common)
    if status == 403:
        raise AuthenticationError(
            f"Oracle refused access (HTTP 403) while trying to {action}: {said[:300]}. Give the integration user the "
            "Order Management roles for this resource and business unit, then re-queue.", **common)
    if status == 404:
        raise NotFoundError(f"Oracle found nothing at {response.request.url.path} (HTTP 404) while trying to {action}. "
                            "Check ORACLE_BASE_URL and that the user has data access to the business unit.", **common)
    if status in (400, 409, 412, 422) and details:
        if not action.startswith("create"):
            raise RemoteValidationError(
                f"Oracle rejected our request to {action}: {said}{in_sentence}. This is a fault in the connector's "
                "query, not in the deal: report it.", **common)
        kind, reason = next(((k, r) for _d, k, r in classified if r), (RemoteValidationError, ""))
        hint = _hint(reason, said)
        raise kind(f"Oracle rejected the order: {said.rstrip('.')}{in_sentence}. {hint}", reason=reason,
                   recommended_resolution=hint, **common)
    raise PermanentError(f"Oracle could not {action} (HTTP {status}: {said[:300]}){in_sentence}.", **common)


def query_string(params: dict[str, str]) -> str:
    """Query parameters percent-encoded, keeping quotes, parentheses and `=` readable in the event log."""
    return "&".join(f"{key}={quote(str(value), safe=_QUERY_SAFE)}" for key, value in params.items() if value != "")


class OracleClient:
    """Basic-authenticated access to the Fusion SCM REST resources. Use as a context manager."""

    def __init__(self, *, base_url: str | None = None, user: str | None = None, password: str | None = None,
                 timeout: float | None = None):
        base_url = (base_url if base_url is not None else settings.ORACLE_BASE_URL).rstrip("/")
        if not base_url:
            raise ConfigurationError(
                "ORACLE_BASE_URL is not set: point it at the Fusion pod (https://<pod>.fa.<dc>.oraclecloud.com) or at "
                "/sandbox/oracle for the emulator.", system=SYSTEM)
        self.http = LoggedHttp(
            SYSTEM, base_url=base_url, timeout=timeout,
            auth=httpx.BasicAuth(user if user is not None else settings.ORACLE_USER,
                                 password if password is not None else settings.ORACLE_PASSWORD),
            headers={"Accept": "application/json", "REST-Framework-Version": REST_FRAMEWORK_VERSION},
        )

    def __enter__(self) -> OracleClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, params: dict[str, str] | None = None, *, action: str) -> dict:
        """GET `<API_ROOT>/<path>?<params>` and return the decoded JSON."""
        query = query_string(params or {})
        response = self.http.request("GET", f"{API_ROOT}/{path}" + (f"?{query}" if query else ""))
        raise_for_oracle_error(response, action=action)
        return self._json(response, action)

    def post(self, path: str, body: dict, *, action: str) -> dict:
        """POST `body` (Decimals as JSON numbers) as one resource item and return the created resource."""
        response = self.http.request("POST", f"{API_ROOT}/{path}", content=to_json(body).encode("utf-8"),
                                     headers={"Content-Type": RESOURCE_ITEM})
        raise_for_oracle_error(response, action=action)
        return self._json(response, action)

    @staticmethod
    def _json(response: httpx.Response, action: str) -> dict:
        try:  # decimals stay Decimals: money never passes through a float
            return json.loads(response.text, parse_float=Decimal)
        except ValueError:
            raise ConfigurationError(
                f"Oracle answered HTTP {response.status_code} to '{action}' with something that is not JSON "
                f"({response.headers.get('content-type', 'no content type')}); check ORACLE_BASE_URL.",
                system=SYSTEM, http_status=response.status_code) from None
