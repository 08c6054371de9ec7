"""The only code that speaks HTTP to Odoo: JSON-RPC 2.0 at `<ODOO_BASE_URL>/jsonrpc` (Odoo's External API).

Built on the kernel's `LoggedHttp`, so every exchange lands in the event log (redacted) and timeouts or refused
connections are already `TransientError`. This module adds what is Odoo's own:

* the calls: `{"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "authenticate",
  "args": [db, login, api_key, {}]}, "id": n}` → uid (or false for bad credentials), then
  `{"service": "object", "method": "execute_kw", "args": [db, uid, api_key, model, method, args, kwargs]}`.
  Settings: ODOO_BASE_URL (the instance root), ODOO_DATABASE, ODOO_USER, ODOO_API_KEY (an API key of that user, or
  its password). The key travels inside the body (args[2]); the kernel's redaction knows that position
  (handoff_project/integration/redaction.py, JSONRPC_SECRET_ARGS), so no stored request body holds it.
* Odoo's answers: a failed call is HTTP 200 with `{"error": {"code": 200, "message": "Odoo Server Error", "data":
  {"name": "<module>.<exception class>", "message", "arguments", "context", "debug"}}}` (odoo/http.py
  serialize_exception). `data.name` decides the kernel error (ERROR_CLASSES); the message text decides the shared
  reason (errors.Reason) for self-healing. HTTP errors in front of Odoo (proxy, workers) are mapped by status.
"""

from __future__ import annotations

import itertools
import re

import httpx
from django.conf import settings

from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    DuplicateError,
    IntegrationError,
    LockedRecordError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    Reason,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.http import LoggedHttp

from . import mappers

SYSTEM = "odoo"
ENDPOINT = "/jsonrpc"

# data.name of Odoo's JSON-RPC error → the kernel's error class. TransientError subclasses are retried on the
# backoff schedule; PermanentError subclasses go to a person. Odoo retries serialization failures and lock timeouts
# itself (five tries, odoo/service/model.py `retrying`) before it answers with one, so when we see it the records
# really are busy: wait and retry.
ERROR_CLASSES: dict[str, type[IntegrationError]] = {
    "odoo.exceptions.AccessDenied": AuthenticationError,  # wrong database, login or API key
    "odoo.exceptions.AccessError": AuthenticationError,  # the user lacks the rights for this model or record
    "odoo.http.SessionExpiredException": AuthenticationError,
    "odoo.exceptions.ValidationError": RemoteValidationError,  # constraints, including Odoo's wrapped IntegrityErrors
    "odoo.exceptions.UserError": RemoteValidationError,  # business rules ("not in a state requiring confirmation")
    "odoo.exceptions.RedirectWarning": RemoteValidationError,
    "odoo.exceptions.MissingError": NotFoundError,  # a record the call names does not exist (or was deleted)
    "psycopg2.errors.SerializationFailure": LockedRecordError,  # "could not serialize access due to concurrent update"
    "psycopg2.errors.LockNotAvailable": LockedRecordError,  # "could not obtain lock on row in relation ..."
    "psycopg2.errors.DeadlockDetected": LockedRecordError,
    "psycopg2.extensions.TransactionRollbackError": LockedRecordError,
    "psycopg2.OperationalError": TransientError,  # the database went away under Odoo
    "werkzeug.exceptions.ServiceUnavailable": TransientError,
    "werkzeug.exceptions.NotFound": NotFoundError,
    "builtins.ValueError": PermanentError,  # e.g. "Invalid field 'x' on model 'sale.order'": our request is wrong
    "builtins.AttributeError": PermanentError,  # "The method 'sale.order.x' does not exist"
    "builtins.KeyError": PermanentError,  # an unknown model
    "builtins.TypeError": PermanentError,
}
# The same exceptions under another module path (psycopg 3, or a class re-exported elsewhere): by class name.
_BY_CLASS_NAME = {name.rsplit(".", 1)[-1]: cls for name, cls in ERROR_CLASSES.items()}

# What an Odoo message means for self-healing (erp_orders.healing), read from data.message. Odoo has no error codes
# beyond the exception class, so the text decides: the model of a missing record ("(Record: res.partner(99,), ...")
# or the foreign key a database constraint names ("Constraint: sale_order_payment_term_id_fkey").
_REASONS = (
    (Reason.DATE_IN_PAST, re.compile(r"(delivery|commitment)[ _]date\b.*\b(in the past|before today)", re.I | re.S)),
    (Reason.UNIT_NO_DECIMALS, re.compile(r"rounding precision|does not allow decimal|whole (number|quantit)", re.I)),
    (Reason.INVALID_PAYMENT_TERMS, re.compile(r"account\.payment\.term\(|payment_term_id", re.I)),
    (Reason.UNKNOWN_CUSTOMER, re.compile(r"res\.partner\(|partner(_shipping|_invoice)?_id_fkey", re.I)),
    (Reason.UNKNOWN_ITEM, re.compile(r"product\.(product|template)\(|product_id_fkey", re.I)),
    (Reason.DUPLICATE_REFERENCE, re.compile(r"client_order_ref\b.*\b(unique|already)|(unique|already exists)\b.*"
                                            r"\b(client_order_ref|customer reference)", re.I | re.S)),
)
_HINTS = {
    Reason.DATE_IN_PAST: "Set a delivery date from today on (the deal's close date plus the material group's lead "
                         "time), then re-queue.",
    Reason.UNIT_NO_DECIMALS: "Order a whole quantity for this unit (or fix the unit crosswalk entry for Odoo), then "
                             "re-queue.",
    Reason.INVALID_PAYMENT_TERMS: "Fix the Crosswalk › Payment terms entry for Odoo (it must name an existing "
                                  "account.payment.term id), then re-queue.",
    Reason.UNKNOWN_CUSTOMER: "Fix the Crosswalk › Customers entry for Odoo (it must name an existing res.partner id), "
                             "then re-queue.",
    Reason.UNKNOWN_ITEM: "Fix the Crosswalk › Products entry for Odoo (it must name an existing product.product id), "
                         "then re-queue.",
    Reason.DUPLICATE_REFERENCE: "Odoo already holds an order with this reference; look it up and link it instead of "
                                "creating another.",
}
_WORD_HINTS = (
    (re.compile(r"account\.tax|tax", re.I), "Fix the Crosswalk › Tax codes entry for Odoo, then re-queue."),
    (re.compile(r"uom\.uom|unit of measure", re.I),
     "Fix the unit in the Crosswalk › Products entry for Odoo, then re-queue."),
    (re.compile(r"pricelist|currency", re.I),
     "Check the deal's currency and that Odoo has a pricelist in it, then re-queue."),
)


def error_class(name: str) -> type[IntegrationError]:
    """The kernel error for Odoo's `data.name`; PermanentError for anything not known to be passing."""
    return ERROR_CLASSES.get(name) or _BY_CLASS_NAME.get(name.rsplit(".", 1)[-1]) or PermanentError


def odoo_reason(text: str) -> str:
    """The shared reason (errors.Reason) an Odoo message states, or ""."""
    for reason, pattern in _REASONS:
        if pattern.search(text or ""):
            return reason
    return ""


def _hint(reason: str, text: str) -> str:
    if reason in _HINTS:
        return _HINTS[reason]
    for pattern, hint in _WORD_HINTS:
        if pattern.search(text):
            return hint
    return "Correct the data Odoo names above (crosswalk or deal), then re-queue."


def _one_line(text: str, limit: int = 600) -> str:
    """Odoo's messages span lines ("…\\n\\nModel: Sales Order (sale.order)\\nConstraint: …"); one line for people."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def raise_for_odoo_error(error: dict, *, action: str) -> None:
    """Raise the kernel error for a JSON-RPC error object (`mappers.jsonrpc_error`). `action` says what we were doing
    ("create the sales order", "look up orders by reference"); "create …" and "confirm …" concern the deal's order,
    anything else is a request of ours."""
    name, text = error["name"], _one_line(error["text"] or error["message"])
    short = name.rsplit(".", 1)[-1] or f"JSON-RPC {error.get('code')}"
    cls = error_class(name) if name else PermanentError
    common = {"system": SYSTEM, "vendor_code": short, "detail": {"name": name, "arguments": error["arguments"][:3]}}
    about_order = action.startswith(("create", "confirm"))
    reason = odoo_reason(error["text"]) if about_order else ""

    if re.search(r"database .* does not exist", text, re.I):  # Odoo's OperationalError, but no retry will help
        raise ConfigurationError(f"Odoo has no database named in ODOO_DATABASE: {text} (Odoo {short}). Fix "
                                 "ODOO_DATABASE, then re-queue.", **common)
    if issubclass(cls, LockedRecordError):
        raise LockedRecordError(
            f"Odoo could not {action}: another transaction was changing the same records ({text}) (Odoo {short}); "
            "will retry when they are free.", reason=Reason.RECORD_LOCKED, **common)
    if issubclass(cls, TransientError):
        raise cls(f"Odoo could not {action} right now: {text} (Odoo {short}); will retry.", **common)
    if name == "odoo.exceptions.AccessDenied":
        raise AuthenticationError(
            f"Odoo refused our credentials while trying to {action}: {text} (Odoo {short}). Check ODOO_DATABASE, "
            "ODOO_USER and ODOO_API_KEY (the API key must belong to that user and not be revoked), then re-queue.",
            **common)
    if cls is AuthenticationError:
        raise AuthenticationError(
            f"Odoo refused access while trying to {action}: {text} (Odoo {short}). Give the integration user "
            "(ODOO_USER) the rights this needs, e.g. Sales › User: All Documents, then re-queue.", **common)
    if about_order and issubclass(cls, (RemoteValidationError, NotFoundError)):
        hint = _hint(reason, error["text"])
        kind = DuplicateError if reason == Reason.DUPLICATE_REFERENCE else cls
        raise kind(f"Odoo rejected the order: {text.rstrip('.')} (Odoo {short}). {hint}", recommended_resolution=hint,
                   reason=reason, **common)
    raise cls(f"Odoo could not {action}: {text} (Odoo {short}). This is a fault in the connector's request, not in "
              "the deal: report it.", **common)


def raise_for_http_status(response: httpx.Response, *, action: str) -> None:
    """HTTP errors from whatever stands in front of Odoo's workers (Odoo itself answers JSON-RPC errors with 200)."""
    status = response.status_code
    if status < 400:
        return
    said = response.text.strip()[:200] or f"HTTP {status}"
    common = {"system": SYSTEM, "vendor_code": f"HTTP {status}", "http_status": status}
    if status == 429:
        raise RateLimitedError(f"Odoo is throttling requests (HTTP 429) while trying to {action}; will retry.",
                               detail={"retry_after": response.headers.get("retry-after", "")}, **common)
    if status == 408 or status >= 500:
        maybe_done = (" The request may have been carried out; the next attempt looks the order up first."
                      if status in (502, 504) and action.startswith(("create", "confirm")) else "")
        raise TransientError(f"Odoo could not {action} right now (HTTP {status}: {said}); will retry.{maybe_done}",
                             **common)
    if status in (401, 403):
        raise AuthenticationError(
            f"Odoo's server refused the request (HTTP {status}) while trying to {action}: {said}. Check that "
            "ODOO_BASE_URL is the instance root and that no proxy or IP allow-list blocks us, then re-queue.", **common)
    if status == 404:
        raise NotFoundError(
            f"Odoo has nothing at {response.request.url.path} (HTTP 404) while trying to {action}. Check "
            "ODOO_BASE_URL (the instance root, e.g. https://mycompany.odoo.com), then re-queue.", **common)
    raise PermanentError(f"Odoo could not {action} (HTTP {status}: {said}).", **common)


class OdooClient:
    """One signed-in Odoo user over JSON-RPC. Use as a context manager; `uid` is fetched once, at the first call."""

    def __init__(self, *, base_url: str | None = None, database: str | None = None, user: str | None = None,
                 api_key: str | None = None, timeout: float | None = None):
        base_url = (base_url if base_url is not None else settings.ODOO_BASE_URL).rstrip("/")
        if not base_url:
            raise ConfigurationError(
                "ODOO_BASE_URL is not set: point it at the Odoo instance root (or at /sandbox/odoo for the emulator).",
                system=SYSTEM)
        self.database = database if database is not None else settings.ODOO_DATABASE
        self.user = user if user is not None else settings.ODOO_USER
        self._api_key = api_key if api_key is not None else settings.ODOO_API_KEY
        if not (self.database and self.user and self._api_key):
            raise ConfigurationError("Odoo needs ODOO_DATABASE, ODOO_USER and ODOO_API_KEY; set all three.", system=SYSTEM)
        self.http = LoggedHttp(SYSTEM, base_url=base_url, timeout=timeout, headers={"Accept": "application/json"})
        self._uid: int | None = None
        self._ids = itertools.count(1)

    def __enter__(self) -> OdooClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def call(self, service: str, method: str, args: list, *, action: str):
        """One JSON-RPC call; the `result`, or the kernel error the answer means."""
        body = {"jsonrpc": "2.0", "method": "call",
                "params": {"service": service, "method": method, "args": args}, "id": next(self._ids)}
        response = self.http.request("POST", ENDPOINT, json=body)
        raise_for_http_status(response, action=action)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or payload.get("jsonrpc") != "2.0":
            raise ConfigurationError(
                f"Odoo answered '{action}' with something that is not JSON-RPC "
                f"({response.headers.get('content-type', 'no content type')}); check ODOO_BASE_URL.",
                system=SYSTEM, http_status=response.status_code)
        error = mappers.jsonrpc_error(payload)
        if error is not None:
            raise_for_odoo_error(error, action=action)
        if "result" not in payload:
            raise ConfigurationError(f"Odoo answered '{action}' with neither a result nor an error.", system=SYSTEM)
        return payload["result"]

    def uid(self) -> int:
        if self._uid is None:
            uid = self.call("common", "authenticate", [self.database, self.user, self._api_key, {}], action="sign in")
            if not isinstance(uid, int) or isinstance(uid, bool) or uid <= 0:
                raise AuthenticationError(
                    f"Odoo refused the sign-in of {self.user!r} to database {self.database!r} (authenticate answered "
                    f"{uid!r}: wrong login, API key or database). Check ODOO_DATABASE, ODOO_USER and ODOO_API_KEY, "
                    "then re-queue.", system=SYSTEM, vendor_code="AccessDenied")
            self._uid = uid
        return self._uid

    def execute_kw(self, model: str, method: str, args: list, kwargs: dict | None = None, *, action: str):
        """`model.method(*args, **kwargs)` as the signed-in user, in one Odoo transaction."""
        return self.call("object", "execute_kw",
                         [self.database, self.uid(), self._api_key, model, method, args, kwargs or {}], action=action)
