"""HubSpot's request signatures: the one place that knows which string HubSpot signs and how.

v3 (HubSpot docs "Validating requests from HubSpot", see fixtures/signature_validation.source):

    X-HubSpot-Signature-v3 = base64( HMAC-SHA256( key = app client secret,
                                                   message = METHOD + URI + raw body + X-HubSpot-Request-Timestamp ) )

* URI is the full URL HubSpot called (scheme, host, path, query in the order sent) — after HubSpot has URL-decoded
  exactly these twelve escapes: %3A : %2F / %3F ? %40 @ %21 ! %24 $ %27 ' %28 ( %29 ) %2A * %2C , %3B ;
  Every other escape (%20, %26, %3D, …) stays encoded. `signed_uri` applies the same decoding, so a URI as we
  received it and a URI as HubSpot wrote it give the same string.
* The timestamp is the header's text as sent (milliseconds since the epoch). HubSpot says to refuse a request
  older than five minutes; we refuse one as far in the future too (that is no clock skew, that is not HubSpot).
* The comparison is constant-time (`hmac.compare_digest`).

v1 (hex SHA-256 of secret + body) is only computed, for the sandbox's extra `X-HubSpot-Signature` header; the
webhook accepts v3 alone, because v1 signs neither the URL nor a time and a captured request could be replayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

MAX_SKEW_MS = 5 * 60 * 1000

# The escapes HubSpot decodes before signing (docs list); matched case-insensitively, as %3a and %3A are one escape.
_DECODED = {"3A": ":", "2F": "/", "3F": "?", "40": "@", "21": "!", "24": "$", "27": "'", "28": "(", "29": ")",
            "2A": "*", "2C": ",", "3B": ";"}  # fmt: skip
_ESCAPE = re.compile("%(" + "|".join(_DECODED) + ")", re.IGNORECASE)


def signed_uri(uri: str) -> str:
    """The URI as HubSpot puts it into the signed string (only the listed escapes decoded)."""
    return _ESCAPE.sub(lambda match: _DECODED[match.group(1).upper()], uri)


def v3_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    message = method.upper().encode() + signed_uri(uri).encode("utf-8") + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()).decode()


def v1_signature(secret: str, body: bytes) -> str:
    return hashlib.sha256(secret.encode("utf-8") + body).hexdigest()


def now_ms() -> int:
    return int(time.time() * 1000)


def timestamp_problem(timestamp: str | None, *, now: int | None = None) -> str:
    """Why X-HubSpot-Request-Timestamp is not acceptable ("" when it is)."""
    if not timestamp:
        return "the X-HubSpot-Request-Timestamp header is missing"
    if not timestamp.isdigit():
        return f"X-HubSpot-Request-Timestamp {timestamp[:40]!r} is not milliseconds since the epoch"
    skew = (now if now is not None else now_ms()) - int(timestamp)
    if skew > MAX_SKEW_MS:
        return f"X-HubSpot-Request-Timestamp is {skew // 1000} s old (HubSpot signs requests for 5 minutes)"
    if skew < -MAX_SKEW_MS:
        return f"X-HubSpot-Request-Timestamp lies {-skew // 1000} s in the future (more than 5 minutes)"
    return ""


def verification_problem(
    *, secret: str, method: str, uris: list[str], body: bytes, timestamp: str | None, signature: str | None,
    now: int | None = None,
) -> str:
    """Why a request is not authentic HubSpot ("" when it is). `uris` are the URIs it may have been signed for
    (the one the request arrived at, the configured public one); every candidate is compared in constant time."""
    if not secret:
        return "HUBSPOT_CLIENT_SECRET is not configured, so no HubSpot signature can be checked"
    if not signature:
        return "the X-HubSpot-Signature-v3 header is missing"
    problem = timestamp_problem(timestamp, now=now)
    if problem:
        return problem
    matches = [hmac.compare_digest(v3_signature(secret, method, uri, body, timestamp).encode(), signature.encode())
               for uri in uris]  # fmt: skip
    if not any(matches):
        return (f"X-HubSpot-Signature-v3 does not match the request (checked for {', '.join(uris)}); the app's "
                "client secret differs from HUBSPOT_CLIENT_SECRET, or a proxy changed the URL or the body")
    return ""
