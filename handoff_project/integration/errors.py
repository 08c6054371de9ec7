"""The one error tree. Clients raise these; the step runner decides what happens next.

TransientError: try again later (timeouts, connection refused, 429, 5xx, locked records, ERP maintenance).
PermanentError: trying again will not help until a person changes something (validation, not found, duplicate).
The vendor's own code and message are kept so a person can read what the system said.
"""

from __future__ import annotations


class IntegrationError(Exception):
    def __init__(
        self,
        message: str,
        *,
        system: str = "",
        vendor_code: str = "",
        http_status: int | None = None,
        detail: dict | None = None,
        recommended_resolution: str = "",
        reason: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.system = system
        self.vendor_code = vendor_code
        self.http_status = http_status
        self.detail = detail or {}
        self.recommended_resolution = recommended_resolution
        self.reason = reason

    def as_dict(self) -> dict:
        return {
            "kind": type(self).__name__,
            "message": self.message,
            "system": self.system,
            "vendor_code": self.vendor_code,
            "http_status": self.http_status,
            "detail": self.detail,
            "recommended_resolution": self.recommended_resolution,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        # House style puts the vendor code inside the sentence ("… (SAP V1/123). Fix …"); add it only if missing.
        if not self.vendor_code or self.vendor_code in self.message:
            return self.message
        return f"{self.message} ({self.system.upper() if len(self.system) <= 4 else self.system} {self.vendor_code})"


class Reason:
    """What an ERP's error means in words every connector shares, so one self-healing rule serves every ERP.

    Each connector's client.py reads its vendor's codes and sets `reason` on the error it raises (erp_orders.healing).
    """

    RECORD_LOCKED = "record_locked"  # another user or job holds the record: wait and retry
    DATE_IN_PAST = "requested_date_in_past"  # the requested delivery date lies before today
    UNIT_NO_DECIMALS = "unit_no_decimals"  # the unit of measure takes whole quantities only
    INVALID_PAYMENT_TERMS = "invalid_payment_terms"  # the ERP does not know the terms key
    DUPLICATE_REFERENCE = "duplicate_reference"  # the ERP already holds an order with our reference
    UNKNOWN_CUSTOMER = "unknown_customer"
    UNKNOWN_ITEM = "unknown_item"
    CREDIT_BLOCK = "credit_block"


class TransientError(IntegrationError):
    """Worth retrying on the backoff schedule."""


class RateLimitedError(TransientError):
    pass


class LockedRecordError(TransientError):
    pass


class PermanentError(IntegrationError):
    """Will fail again until data or configuration changes; goes to the dead-letter queue or an exception at once."""


class RemoteValidationError(PermanentError):
    """The remote system rejected the content (SAP V1/..., Salesforce INVALID_FIELD, ...)."""


class NotFoundError(PermanentError):
    pass


class DuplicateError(PermanentError):
    pass


class AuthenticationError(PermanentError):
    """Credentials rejected: a configuration problem, not a data one."""


class ConfigurationError(PermanentError):
    pass
