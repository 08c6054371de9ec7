"""The shared HTTP plumbing under every connector's client.py.

`LoggedHttp.request` sends one request with httpx, writes one `Event` for it (redacted, truncated, timed) and turns
transport failures into `TransientError`. Deciding what a vendor's status codes and error bodies mean stays in each
connector's client.py (`raise_for_vendor_error`), which is the only code that knows the vendor.
"""

from __future__ import annotations

import functools
import ssl
import time

import httpx
from django.conf import settings

from .errors import RateLimitedError, TransientError
from .events import record_event
from .models import Outcome


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verified TLS context per process: building one costs ~20 ms, and every client would otherwise build its
    own (measured as half the worker's CPU time in `make bench`)."""
    return httpx.create_ssl_context()


class LoggedHttp:
    def __init__(self, system: str, *, base_url: str, timeout: float | None = None, auth=None, headers=None):
        self.system = system
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout if timeout is not None else settings.HTTP_TIMEOUT_SECONDS,
            auth=auth,
            headers=headers or {},
            follow_redirects=False,
            verify=shared_ssl_context(),
        )

    @property
    def cookies(self) -> httpx.Cookies:
        return self._client.cookies

    def close(self):
        self._client.close()

    def request(self, method: str, url: str, *, event_type: str = "http", log_success: bool = True, **kwargs):
        started = time.monotonic()
        request_body = kwargs.get("content") or (kwargs.get("json") and _json_text(kwargs["json"])) or kwargs.get("data")
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            self._log(event_type, method, url, None, started, request_body, "", Outcome.TRANSIENT_ERROR, f"timeout: {exc}")
            raise TransientError(
                f"{self.system} did not answer in time ({type(exc).__name__})", system=self.system
            ) from exc
        except httpx.TransportError as exc:
            self._log(event_type, method, url, None, started, request_body, "", Outcome.TRANSIENT_ERROR, str(exc))
            raise TransientError(f"{self.system} could not be reached: {exc}", system=self.system) from exc

        outcome = Outcome.SUCCESS if response.status_code < 400 else _outcome_for_status(response.status_code)
        if log_success or outcome != Outcome.SUCCESS:
            self._log(event_type, method, url, response.status_code, started, request_body, response.text, outcome, "")
        return response

    def _log(self, event_type, method, url, status, started, request_body, body, outcome, message):
        record_event(
            event_type,
            outcome=outcome,
            system=self.system,
            method=method,
            endpoint=str(self._client.build_request(method, url).url),
            http_status=status,
            duration_ms=int((time.monotonic() - started) * 1000),
            request_body=request_body,
            body=body,
            message=message,
        )


def _json_text(data) -> str:
    import json

    return json.dumps(data, default=str)


def _outcome_for_status(status: int) -> str:
    if status in (408, 423, 425, 429) or status >= 500:
        return Outcome.TRANSIENT_ERROR
    return Outcome.ERP_ERROR


def raise_for_transient_status(response: httpx.Response, system: str, vendor_code: str = "", message: str = ""):
    """The status codes that mean 'try again later' for every vendor."""
    status = response.status_code
    text = message or f"{system} answered HTTP {status}"
    if status == 429:
        raise RateLimitedError(text, system=system, vendor_code=vendor_code, http_status=status)
    if status in (408, 423, 425) or status >= 500:
        raise TransientError(text, system=system, vendor_code=vendor_code, http_status=status)
