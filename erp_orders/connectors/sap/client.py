"""The only code that speaks HTTP to SAP S/4HANA (OData V2 services under /sap/opu/odata/sap/).

Built on the kernel's `LoggedHttp`, so every exchange lands in the event log (redacted) and timeouts or refused
connections are already `TransientError`. This module adds what is SAP's own:

* Basic auth (settings.SAP_USER / SAP_PASSWORD) against settings.SAP_BASE_URL, the host root;
* the CSRF handshake: `GET <service root>` with `X-CSRF-Token: Fetch` returns a token bound to the session cookies
  (httpx keeps them); every POST carries the token; a `403` with `x-csrf-token: Required` (expired token, lost
  session) fetches a new token once and repeats the request once;
* SAP's answers mapped onto the error tree, keeping SAP's message code (T100 "V1/123") and text:
  429 → RateLimitedError; 423 or a "currently being processed" / "locked" message → LockedRecordError;
  408 and 5xx → TransientError; 400 with an OData error → RemoteValidationError; 401 and other 403 →
  AuthenticationError; 404 → NotFoundError; anything else 4xx → PermanentError;
* safe reads (GET) asked again up to READ_ATTEMPTS times when SAP or its gateway answers 502/503/504, after its
  Retry-After (at most READ_RETRY_MAX_WAIT_S): a step that reads several prices does not fail on one blip of a flaky
  Gateway (the erp_flaky fault scenario). Writes are never repeated here; the push step finds a lost create by its
  reference instead.
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import httpx
from django.conf import settings

from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    Reason,
    LockedRecordError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.http import LoggedHttp

from .mappers import odata_error

SYSTEM = "sap"
READ_RETRY_STATUSES = frozenset({502, 503, 504})
READ_ATTEMPTS = 3
READ_RETRY_MAX_WAIT_S = 2.0
SALES_ORDER_SERVICE = "/sap/opu/odata/sap/API_SALES_ORDER_SRV"
PRICING_SERVICE = "/sap/opu/odata/sap/API_SLSPRICINGCONDITIONRECORD_SRV"

# What SAP's messages mean for self-healing (erp_orders.healing): message code or text → errors.Reason.
_REASONS = (
    (re.compile(r"delivery date .*in the past|lies in the past", re.I), {"V1/521"}, Reason.DATE_IN_PAST),
    (re.compile(r"does not allow decimal places|decimal places", re.I), {"V1/458"}, Reason.UNIT_NO_DECIMALS),
    (re.compile(r"payment terms .* do not exist", re.I), {"V1/123"}, Reason.INVALID_PAYMENT_TERMS),
    (re.compile(r"sold-to party .* not defined|business partner .* does not exist", re.I), {"V1/302"}, Reason.UNKNOWN_CUSTOMER),
    (re.compile(r"material .* does not exist", re.I), {"V1/392"}, Reason.UNKNOWN_ITEM),
)
# SAP's enqueue messages: "Sales document 4711 is currently being processed by user BATCH" (V1/042 and relatives).
_LOCK_TEXT = re.compile(r"currently being processed|is being processed by|is locked|locked by user|enqueue", re.I)
_LOCK_CODES = {"V1/042"}
_QUERY_SAFE = "'(),$:"


class _CsrfTokenRequired(Exception):
    """SAP refused a modifying request for its CSRF token (403 + `x-csrf-token: Required`)."""


def _hint(code: str, text: str, details: list[dict]) -> str:
    """What a person does about a rejected order, guessed from what SAP said."""
    said = " ".join([code, text, *(str(d.get("message", "")) + " " + str(d.get("propertyref", "")) for d in details)])
    said = said.lower()
    if "payment" in said or "terms" in said:
        return "Fix the payment terms crosswalk entry or the deal's terms, then re-queue."
    if "material" in said or "product" in said:
        return "Fix the product crosswalk entry for this line (or extend the material to the sales area), then re-queue."
    if "ship-to" in said or "ship to" in said:
        return "Fix the ship-to crosswalk entry or the deal's shipping address, then re-queue."
    if "sold-to" in said or "customer" in said or "business partner" in said or "partner" in said:
        return "Fix the customer crosswalk entry (the business partner must exist for the sales area), then re-queue."
    if "quantity" in said:
        return "Fix the quantity on the deal, then re-queue."
    if "currency" in said:
        return "Fix the deal's currency or the currency crosswalk, then re-queue."
    return "Correct the data SAP names above (crosswalk or deal), then re-queue."


def raise_for_sap_error(response: httpx.Response, *, action: str, modifying: bool = False) -> None:
    """Raise the kernel error that this SAP answer means; return quietly for 2xx/3xx.

    `action` says what we were doing, for the message ("create the sales order", "look up orders"); `modifying`
    marks a request that carried a CSRF token, whose `403 Required` means "fetch a new token" (`_CsrfTokenRequired`).
    """
    status = response.status_code
    if status < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    code, text, details = odata_error(body)
    text_or_body = text or response.text.strip()[:300] or f"HTTP {status}"
    common = {"system": SYSTEM, "vendor_code": code, "http_status": status}
    detail = {"errordetails": details} if details else {}
    if body and isinstance(body, dict) and "error" in body:
        inner = body["error"].get("innererror") or {}
        if isinstance(inner, dict) and inner.get("transactionid"):
            detail["transactionid"] = inner["transactionid"]

    if modifying and status == 403 and response.headers.get("x-csrf-token", "").lower() == "required":
        raise _CsrfTokenRequired()
    if status == 429:
        raise RateLimitedError(
            f"SAP is throttling requests (HTTP 429) while trying to {action}; will retry.",
            detail={**detail, "retry_after": response.headers.get("retry-after", "")},
            **common,
        )
    if status == 423 or code in _LOCK_CODES or (text and _LOCK_TEXT.search(text)):
        raise LockedRecordError(
            f"SAP could not {action}: a record is locked ({text_or_body}); will retry when the lock is released.",
            detail=detail, reason=Reason.RECORD_LOCKED,
            **common,
        )
    if status == 408 or status >= 500:
        maybe_done = " The request may have been carried out; the next attempt looks the order up first." if (
            status in (502, 504) and action.startswith("create")
        ) else ""
        raise TransientError(
            f"SAP could not {action} right now (HTTP {status}: {text_or_body}); will retry.{maybe_done}",
            detail=detail,
            **common,
        )
    if status == 401:
        raise AuthenticationError(
            f"SAP rejected our credentials (HTTP 401) while trying to {action}. "
            "Check SAP_USER / SAP_PASSWORD (and that the user is not locked), then re-queue.",
            **common,
        )
    if status == 403:
        raise AuthenticationError(
            f"SAP refused access (HTTP 403) while trying to {action}: {text_or_body}. "
            "Give the communication user the authorisation for this service, then re-queue.",
            **common,
        )
    if status == 404:
        raise NotFoundError(f"SAP found nothing at {response.request.url.path} (HTTP 404) while trying to {action}.", **common)
    if status == 400 and code:
        if action.startswith("create"):
            what, hint = "the order", _hint(code, text, details)
        else:  # a query is ours, not the deal's
            what, hint = "our request", "This is a fault in the connector's query, not in the deal: report it."
        raise RemoteValidationError(
            f"SAP rejected {what}: {text_or_body.rstrip('.')}. {hint}", detail=detail, recommended_resolution=hint,
            reason=sap_reason(code, text) if action.startswith("create") else "", **common,
        )
    raise PermanentError(f"SAP could not {action} (HTTP {status}: {text_or_body}).", detail=detail, **common)


def sap_reason(code: str, text: str) -> str:
    """The shared reason (errors.Reason) of an SAP message, or ""."""
    for pattern, codes, reason in _REASONS:
        if code in codes or (text and pattern.search(text)):
            return reason
    return ""


def query_string(options: dict[str, str]) -> str:
    """OData system query options, percent-encoded but keeping `$`, quotes and parentheses readable in the log."""
    return "&".join(f"{key}={quote(str(value), safe=_QUERY_SAFE)}" for key, value in options.items() if value != "")


class SapClient:
    """One SAP session: Basic auth, session cookies and a CSRF token per OData service. Use as a context manager."""

    def __init__(self, *, base_url: str | None = None, user: str | None = None, password: str | None = None,
                 timeout: float | None = None):
        base_url = (base_url if base_url is not None else settings.SAP_BASE_URL).rstrip("/")
        if not base_url:
            raise ConfigurationError(
                "SAP_BASE_URL is not set: point it at the S/4HANA host (or at /sandbox/sap for the emulator).",
                system=SYSTEM,
            )
        self.http = LoggedHttp(
            SYSTEM,
            base_url=base_url,
            timeout=timeout,
            auth=httpx.BasicAuth(user if user is not None else settings.SAP_USER,
                                 password if password is not None else settings.SAP_PASSWORD),
            headers={"Accept": "application/json"},
        )
        self._tokens: dict[str, str] = {}

    def __enter__(self) -> SapClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    # ---- reading ----------------------------------------------------------------------------------------------------

    def get(self, service: str, resource: str, options: dict[str, str] | None = None, *, action: str) -> dict:
        """GET `<service>/<resource>?<options>` with `$format=json` and return the decoded JSON."""
        query = query_string({**(options or {}), "$format": "json"})
        response = self._read(f"{service}/{resource}?{query}")
        raise_for_sap_error(response, action=action)
        return self._json(response, action)

    def _read(self, url: str, **kwargs) -> httpx.Response:
        """GET, asked again after a 502/503/504 (each answer is in the event log); the last answer is returned."""
        for attempt in range(1, READ_ATTEMPTS + 1):
            response = self.http.request("GET", url, **kwargs)
            if response.status_code not in READ_RETRY_STATUSES or attempt == READ_ATTEMPTS:
                return response
            time.sleep(_read_retry_wait(response, attempt))
        raise AssertionError("unreachable")

    # ---- writing ----------------------------------------------------------------------------------------------------

    def fetch_csrf_token(self, service: str) -> str:
        response = self._read(f"{service}/", headers={"X-CSRF-Token": "Fetch"})
        raise_for_sap_error(response, action="fetch a CSRF token")
        token = response.headers.get("x-csrf-token", "")
        if not token or token.lower() in {"required", "fetch"}:
            raise ConfigurationError(
                "SAP answered the CSRF token request without a token; check that SAP_BASE_URL points at the Gateway "
                "host and that the user may use the service.",
                system=SYSTEM,
                http_status=response.status_code,
            )
        self._tokens[service] = token
        return token

    def post(self, service: str, entity_set: str, body: dict, *, action: str) -> httpx.Response:
        """POST `body` as JSON to `<service>/<entity_set>` with a CSRF token; one refetch and retry on 403 Required."""
        for attempt in (1, 2):
            token = self._tokens.get(service) or self.fetch_csrf_token(service)
            response = self.http.request(
                "POST",
                f"{service}/{entity_set}",
                json=body,
                headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
            )
            try:
                raise_for_sap_error(response, action=action, modifying=True)
            except _CsrfTokenRequired:
                self._tokens.pop(service, None)
                if attempt == 1:
                    continue
                raise AuthenticationError(
                    f"SAP refused a freshly fetched CSRF token twice while trying to {action}. SAP binds the token to "
                    "the session cookies: check that nothing between us and SAP drops cookies or balances the two "
                    "requests onto different servers without sticky sessions, then re-queue.",
                    system=SYSTEM,
                    http_status=403,
                ) from None
            return response
        raise AssertionError("unreachable")

    def post_json(self, service: str, entity_set: str, body: dict, *, action: str) -> dict:
        return self._json(self.post(service, entity_set, body, action=action), action)

    @staticmethod
    def _json(response: httpx.Response, action: str) -> dict:
        try:
            return response.json()
        except ValueError:
            raise ConfigurationError(
                f"SAP answered HTTP {response.status_code} to '{action}' with something that is not OData JSON "
                f"({response.headers.get('content-type', 'no content type')}); check SAP_BASE_URL.",
                system=SYSTEM,
                http_status=response.status_code,
            ) from None


def _read_retry_wait(response: httpx.Response, attempt: int) -> float:
    """SAP's Retry-After in seconds when it gives one, else a short growing pause; never more than the cap."""
    try:
        wait = float(response.headers.get("retry-after", ""))
    except ValueError:
        wait = 0.5 * attempt
    return max(0.0, min(wait, READ_RETRY_MAX_WAIT_S))
