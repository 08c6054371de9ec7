"""The only code that speaks HTTP to Dynamics 365 Business Central (API v2.0) and to Microsoft Entra ID for it.

Built on the kernel's `LoggedHttp`, so every exchange lands in the event log (redacted: the `client_secret=` form
field and the `access_token` JSON key are covered by handoff_project.integration.redaction, and request headers —
where the bearer token travels — are never logged) and timeouts or refused connections are `TransientError`.

* Where: `{BUSINESS_CENTRAL_BASE_URL}/v2.0/{tenant}/{environment}/api/v2.0/companies({company id})/<resource>`;
  published pages (OData V4 web services) under `.../v2.0/{tenant}/{environment}/ODataV4/Company('<name>')/<service>`.
* Sign-in: OAuth 2.0 client credentials at Entra ID (`BUSINESS_CENTRAL_TOKEN_URL`, default
  https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token) with scope
  https://api.businesscentral.dynamics.com/.default. The token is kept per process until two minutes before it
  expires; a 401 from the API drops it, fetches a new one and repeats the request once.
* Errors: Business Central answers `{"error": {"code", "message": "…  CorrelationId:  <guid>."}}`. `classify`
  turns status + code + message into the kernel's error class and `errors.Reason` (the table `CODE_CLASSES` and
  `REASONS` below), and `raise_for_bc_error` words the message for a person.
"""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import quote, urlencode

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

from .mappers import bc_error, decode_json, encode_json

SYSTEM = "business_central"
LABEL = "Business Central"
SCOPE = "https://api.businesscentral.dynamics.com/.default"
TOKEN_REFRESH_MARGIN_S = 120  # fetch a new token this long before the old one expires
_QUERY_SAFE = "'(),$:"

# Business Central's OData error codes (API v2.0 "Error Codes" page) → the kernel's error class.
CODE_CLASSES: dict[str, type] = {
    "Request_EntityChanged": TransientError,  # someone changed the record since we read it: read it again
    "Internal_ServerError": TransientError,  # "Cannot establish a connection to the SQL Server/Database."
    "Internal_TenantUnavailable": TransientError,  # tenant not accessible (upgrade, maintenance)
    "Internal_CompanyNotFound": ConfigurationError,
    "Internal_RecordNotFound": RemoteValidationError,  # "The Item does not exist. Identification fields …"
    "Internal_InvalidTableRelation": RemoteValidationError,
    "Internal_DataNotFoundFilter": RemoteValidationError,
    "Internal_EntityWithSameKeyExists": DuplicateError,
    "Application_DialogException": RemoteValidationError,  # an Error() in AL: BC's business rules said no
    "Application_FieldValidationException": RemoteValidationError,
    "Application_EvaluateException": RemoteValidationError,
    "Application_StringExceededLength": RemoteValidationError,
    "Application_InvalidGUID": RemoteValidationError,
    "Application_CallbackNotAllowed": RemoteValidationError,
    "Application_FilterErrorException": PermanentError,  # our $filter: a connector fault
    "BadRequest": RemoteValidationError,  # "Invalid Request Body", "Unable to convert value to Date"
    "BadRequest_RequiredParamNotProvided": RemoteValidationError,
    "BadRequest_InvalidToken": PermanentError,  # missing or malformed If-Match: a connector fault
    "BadRequest_NotFound": PermanentError,  # query syntax: a connector fault
    "BadRequest_InvalidRequestUrl": PermanentError,
    "BadRequest_InvalidOperation": PermanentError,  # a read-only field was sent
    "BadRequest_MethodNotAllowed": PermanentError,
    "BadRequest_MethodNotImplemented": PermanentError,
    "BadRequest_ResourceNotFound": NotFoundError,
    "Authentication_InvalidCredentials": AuthenticationError,
}
# What BC's messages mean for self-healing (erp_orders.healing); matched on the message text.
REASONS = (
    (re.compile(r"\bCustomer does not exist|customerNumber or a customerID must be provided", re.I),
     Reason.UNKNOWN_CUSTOMER),
    (re.compile(r"\bItem does not exist", re.I), Reason.UNKNOWN_ITEM),
    (re.compile(r"\bPayment Terms? does not exist|no payment terms with code", re.I), Reason.INVALID_PAYMENT_TERMS),
    (re.compile(r"before the work date|date .*in the past", re.I), Reason.DATE_IN_PAST),
    (re.compile(r"is of lower precision than expected", re.I), Reason.UNIT_NO_DECIMALS),
)
# The lock-timeout message BC shows ("Database lock timeout" telemetry page) and its newer wording.
LOCK_TEXT = re.compile(r"locked by another user|being updated in a transaction done by another session", re.I)
_HINTS = {
    Reason.UNKNOWN_CUSTOMER: "Fix the Crosswalk › Customers entry for Business Central (the customer number must "
                             "exist in Business Central), then re-queue.",
    Reason.UNKNOWN_ITEM: "Fix the Crosswalk › Products entry for this line (the item number must exist in Business "
                         "Central), then re-queue.",
    Reason.INVALID_PAYMENT_TERMS: "Fix the Crosswalk › Payment terms entry for Business Central or the deal's terms, "
                                  "then re-queue.",
    Reason.DATE_IN_PAST: "Move the requested delivery date to today or later (the deal's close date or the "
                         "material group's lead time), then re-queue.",
    Reason.UNIT_NO_DECIMALS: "The unit of measure takes whole quantities only: correct the quantity on the deal or "
                             "the unit in the product crosswalk, then re-queue.",
}
_TEXT_HINTS = (
    ("tax group", "Fix the Crosswalk › Tax codes entry for Business Central (the tax group must exist), then re-queue."),
    ("unit of measure", "Fix the unit in the Crosswalk › Products entry (the item must have that unit of measure in "
                        "Business Central), then re-queue."),
    ("currency", "Fix the deal's currency or set the currency up in Business Central, then re-queue."),
)


def classify(status: int, code: str, message: str, *, writing: bool) -> tuple[type, str]:
    """The kernel error class and Reason for one Business Central error answer.

    `writing`: the request created or changed data, so a validation error is about the order's content. On a read
    a 400 is a fault in our query and a missing record is simply not found."""
    if status == 429:
        return RateLimitedError, ""
    if LOCK_TEXT.search(message or ""):
        return LockedRecordError, Reason.RECORD_LOCKED
    if status in (401, 403):
        return AuthenticationError, ""
    if status == 408 or status >= 500:
        return TransientError, ""
    kind = CODE_CLASSES.get(code)
    if kind is None:
        kind = {404: NotFoundError, 409: TransientError, 400: RemoteValidationError}.get(status, PermanentError)
    if not writing and issubclass(kind, RemoteValidationError):
        kind = NotFoundError if (status == 404 or code == "Internal_RecordNotFound") else PermanentError
    reason = bc_reason(message) if issubclass(kind, RemoteValidationError) else ""
    return kind, reason


def bc_reason(message: str) -> str:
    for pattern, reason in REASONS:
        if pattern.search(message or ""):
            return reason
    return ""


def hint(reason: str, message: str) -> str:
    """What a person does about an order Business Central rejected."""
    if reason in _HINTS:
        return _HINTS[reason]
    lowered = (message or "").lower()
    for words, text in _TEXT_HINTS:
        if words in lowered:
            return text
    return "Correct the data Business Central names above (crosswalk or deal), then re-queue."


def raise_for_bc_error(response: httpx.Response, *, action: str, writing: bool = False) -> None:
    """Raise the kernel error this Business Central answer means; return quietly for 2xx/3xx."""
    status = response.status_code
    if status < 400:
        return
    try:
        body = decode_json(response.content)
    except ValueError:
        body = None
    code, message, correlation = bc_error(body)
    said = message or ("" if code else response.text.strip()[:300]) or f"HTTP {status}"
    kind, reason = classify(status, code, said, writing=writing)
    vendor = f"{LABEL} {code}" if code else f"HTTP {status}"
    common = {"system": SYSTEM, "vendor_code": code, "http_status": status, "reason": reason,
              "detail": {"correlation_id": correlation} if correlation else {}}
    if kind is RateLimitedError:
        retry_after = response.headers.get("retry-after", "")
        common["detail"]["retry_after"] = retry_after
        raise RateLimitedError(f"{LABEL} is throttling our requests (HTTP 429, retry after {retry_after or '?'} s) "
                               f"while trying to {action}; will retry.", **common)
    if kind is LockedRecordError:
        raise LockedRecordError(f"{LABEL} could not {action}: {said.rstrip('.')} ({vendor}). Will retry when the "
                                "other session has finished.", **common)
    if kind is AuthenticationError:
        raise AuthenticationError(
            f"{LABEL} refused access (HTTP {status}: {said}) while trying to {action}. Check that the Entra app "
            "BUSINESS_CENTRAL_CLIENT_ID is registered on the Microsoft Entra Applications page in Business Central "
            "with permission sets for sales orders, and that BUSINESS_CENTRAL_TENANT_ID / _ENVIRONMENT are right.",
            **common)
    if issubclass(kind, TransientError):
        maybe_done = (" The request may have been carried out; the next attempt checks Business Central first."
                      if status in (502, 504) and writing else "")
        raise kind(f"{LABEL} could not {action} right now ({vendor}: {said}); will retry.{maybe_done}", **common)
    if kind is NotFoundError and "segment 'companies'" in said:
        kind = ConfigurationError
        said += " — check BUSINESS_CENTRAL_COMPANY_ID, _TENANT_ID and _ENVIRONMENT"
    if issubclass(kind, RemoteValidationError):
        resolution = hint(reason, said)
        raise kind(f"{LABEL} rejected the order: {said.rstrip('.')} ({vendor}). {resolution}",
                   recommended_resolution=resolution, **common)
    raise kind(f"{LABEL} could not {action} ({vendor}: {said}).", **common)


def query_string(options: dict[str, str]) -> str:
    """OData system query options, percent-encoded but keeping `$`, quotes and parentheses readable in the log."""
    return "&".join(f"{key}={quote(str(value), safe=_QUERY_SAFE)}" for key, value in options.items() if value != "")


# ---- Entra ID client credentials, one token per process ----------------------------------------------------------------

_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def token_url() -> str:
    return settings.BUSINESS_CENTRAL_TOKEN_URL or (
        f"https://login.microsoftonline.com/{settings.BUSINESS_CENTRAL_TENANT_ID}/oauth2/v2.0/token")


def forget_tokens() -> None:
    """Drop every cached token (tests; a rotated secret)."""
    with _tokens_lock:
        _tokens.clear()


def access_token(http: LoggedHttp, *, renew: bool = False) -> str:
    """A bearer token for Business Central: the cached one while it has more than two minutes left, else a new one."""
    key = (token_url(), settings.BUSINESS_CENTRAL_CLIENT_ID)
    with _tokens_lock:
        cached = _tokens.get(key)
        if cached and not renew and cached[1] - time.monotonic() > TOKEN_REFRESH_MARGIN_S:
            return cached[0]
        token, lifetime = _request_token(http, key[0])
        _tokens[key] = (token, time.monotonic() + lifetime)
        return token


def _request_token(http: LoggedHttp, url: str) -> tuple[str, float]:
    form = urlencode({"client_id": settings.BUSINESS_CENTRAL_CLIENT_ID, "scope": SCOPE,
                      "client_secret": settings.BUSINESS_CENTRAL_CLIENT_SECRET, "grant_type": "client_credentials"})
    response = http.request("POST", url, content=form,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"Microsoft Entra ID could not issue a Business Central token right now "
                             f"(HTTP {response.status_code}); will retry.", system=SYSTEM,
                             http_status=response.status_code)
    if response.status_code >= 400 or not body.get("access_token"):
        error, described = str(body.get("error") or "no token"), str(body.get("error_description") or "")
        raise AuthenticationError(
            f"Microsoft Entra ID refused to sign in to Business Central ({error}: {described.splitlines()[0][:300]}). "
            "Check BUSINESS_CENTRAL_CLIENT_ID, BUSINESS_CENTRAL_CLIENT_SECRET (the secret's value, not its id; not "
            "expired) and BUSINESS_CENTRAL_TENANT_ID, then re-queue.",
            system=SYSTEM, vendor_code=error, http_status=response.status_code)
    return body["access_token"], float(body.get("expires_in") or 0)


# ---- the client ----------------------------------------------------------------------------------------------------------


class BusinessCentralClient:
    """One company of one Business Central environment. Use as a context manager."""

    def __init__(self, *, timeout: float | None = None):
        base = (settings.BUSINESS_CENTRAL_BASE_URL or "").rstrip("/")
        missing = [name for name in ("BUSINESS_CENTRAL_TENANT_ID", "BUSINESS_CENTRAL_COMPANY_ID",
                                     "BUSINESS_CENTRAL_CLIENT_ID") if not getattr(settings, name)]
        if not base or missing:
            raise ConfigurationError(
                f"Business Central is not configured: set {', '.join(missing) or 'BUSINESS_CENTRAL_BASE_URL'} "
                "(the sandbox uses /sandbox/business_central).", system=SYSTEM)
        self.environment_root = (f"/v2.0/{settings.BUSINESS_CENTRAL_TENANT_ID}/"
                                 f"{settings.BUSINESS_CENTRAL_ENVIRONMENT or 'production'}")
        self.company_root = f"{self.environment_root}/api/v2.0/companies({settings.BUSINESS_CENTRAL_COMPANY_ID})"
        self.http = LoggedHttp(SYSTEM, base_url=base, timeout=timeout, headers={"Accept": "application/json"})
        self.login = LoggedHttp(SYSTEM, base_url="", timeout=timeout)

    def __enter__(self) -> BusinessCentralClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()
        self.login.close()

    # ---- requests ------------------------------------------------------------------------------------------------------

    def get(self, resource: str, options: dict[str, str] | None = None, *, action: str) -> dict:
        """GET `companies({id})/<resource>?<options>` ("" = the company itself)."""
        return self._json(self._send("GET", self._company_url(resource, options), action=action), action)

    def get_published(self, company_name: str, service: str, options: dict[str, str], *, action: str) -> dict:
        """GET a page published as an OData V4 web service: `ODataV4/Company('<name>')/<service>?<options>`."""
        company = quote(company_name.replace("'", "''"), safe="")
        url = f"{self.environment_root}/ODataV4/Company('{company}')/{service}?{query_string(options)}"
        return self._json(self._send("GET", url, action=action), action)

    def post(self, resource: str, body: dict, *, action: str) -> dict:
        response = self._send("POST", self._company_url(resource), action=action, writing=True, body=body)
        return self._json(response, action)

    def patch(self, resource: str, body: dict, *, etag: str, action: str) -> dict:
        response = self._send("PATCH", self._company_url(resource), action=action, writing=True, body=body,
                              headers={"If-Match": etag})
        return self._json(response, action)

    def delete(self, resource: str, *, etag: str, action: str) -> None:
        self._send("DELETE", self._company_url(resource), action=action, writing=True, headers={"If-Match": etag})

    # ---- plumbing ------------------------------------------------------------------------------------------------------

    def _company_url(self, resource: str, options: dict[str, str] | None = None) -> str:
        url = f"{self.company_root}/{resource}" if resource else self.company_root
        return f"{url}?{query_string(options)}" if options else url

    def _send(self, method: str, url: str, *, action: str, writing: bool = False, body: dict | None = None,
              headers: dict | None = None) -> httpx.Response:
        """One request with a bearer token; on 401 a fresh token and one repeat (an expired or revoked token)."""
        extra = dict(headers or {})
        content = None
        if body is not None:
            content, extra["Content-Type"] = encode_json(body), "application/json"
        for attempt in (1, 2):
            token = access_token(self.login, renew=attempt == 2)
            response = self.http.request(method, url, content=content,
                                         headers={**extra, "Authorization": f"Bearer {token}"})
            if response.status_code != 401 or attempt == 2:
                break
        raise_for_bc_error(response, action=action, writing=writing)
        return response

    @staticmethod
    def _json(response: httpx.Response, action: str) -> dict:
        if response.status_code == 204 or not response.content:
            return {}
        try:
            return decode_json(response.content)
        except ValueError:
            raise ConfigurationError(
                f"Business Central answered HTTP {response.status_code} to '{action}' with something that is not "
                f"JSON ({response.headers.get('content-type', 'no content type')}); check BUSINESS_CENTRAL_BASE_URL.",
                system=SYSTEM, http_status=response.status_code) from None
