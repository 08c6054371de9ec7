"""Secrets never reach the event log or the raw store: redact headers, JSON keys, form fields, SOAP elements and the
password positions of JSON-RPC calls (Odoo's /jsonrpc carries the password or API key as a positional argument).

What comes out is also storable: PostgreSQL's text and jsonb cannot hold U+0000 and psycopg cannot encode a lone
surrogate (JSON's "\\ud800" decodes to one), so both become U+FFFD (`storable`) — a hostile body must never turn
storing it into a 500. A body nested too deep for the JSON reader is redacted as text."""

from __future__ import annotations

import json
import re

REDACTED = "[REDACTED]"

SECRET_HEADERS = {
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-csrf-token",
    "x-hubspot-signature",
    "x-hubspot-signature-v3",
    "x-api-key",
    "api-key",
}
_SECRET_KEY = re.compile(
    r"(pass(word)?|secret|token|api[_-]?key|session[_-]?id|sessionid|authorization|signature|client[_-]?secret|"
    r"refresh|credential|private[_-]?key|consumer[_-]?key)",
    re.IGNORECASE,
)
# key=value pairs in form bodies and query strings
_FORM_PAIR = re.compile(
    # bounded and anchored at a word start, so a 10 MB body is scanned in linear time
    r"(?<![\w.-])(?P<key>[\w.-]{0,40}?"
    r"(?:pass(?:word)?|secret|token|api[_-]?key|session[_-]?id|signature|consumer[_-]?key)[\w.-]{0,40})"
    r"=(?P<value>[^&\s]+)",
    re.IGNORECASE,
)
# <SessionId>…</SessionId>, <sf:Password__c>…</…> and similar XML elements
_XML_SECRET = re.compile(
    r"<(?P<tag>(?:\w+:)?\w*(?:SessionId|Password|Secret|Token)\w*)(?P<attrs>[^>]*)>(?P<value>[^<]*)</(?P=tag)>",
    re.IGNORECASE,
)
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
# an OAuth 1.0a Authorization value (NetSuite TBA): OAuth realm="…", oauth_consumer_key="…", … oauth_signature="…"
_OAUTH1 = re.compile(r"\bOAuth\s+(?:realm|oauth_\w+)=\"[^\r\n]*", re.IGNORECASE)
# A HubSpot private app access token ("pat-na1-<uuid>", "pat-eu1-…") wherever it appears, not only after "Bearer":
# a person pasting it into an error note or a URL must not put it into the log.
_HUBSPOT_PRIVATE_APP_TOKEN = re.compile(r"\bpat-[a-z]{2,3}\d+-[A-Za-z0-9-]{8,}")


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def storable(text: str) -> str:
    """`text` with the characters PostgreSQL cannot store (NUL, lone surrogates) replaced by U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, text) if text else text


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key or ""))


def redact_headers(headers) -> dict:
    return {storable(str(k)): (REDACTED if k.lower() in SECRET_HEADERS or is_secret_key(k) else storable(str(v)))
            for k, v in dict(headers).items()}


# Odoo's JSON-RPC services take the secret by position, not by key (odoo/service/common.py, model.py, db.py):
# {"jsonrpc": "2.0", "method": "call", "params": {"service": "object", "method": "execute_kw",
#  "args": [db, uid, "<password or API key>", model, method, ...]}}. (service, method) → positions of secrets in args;
# "*" stands for every method of the service.
JSONRPC_SECRET_ARGS = {
    ("common", "login"): (2,),
    ("common", "authenticate"): (2,),
    ("object", "execute"): (2,),
    ("object", "execute_kw"): (2,),
    ("db", "create_database"): (0, 4),  # master password, then the new admin's password
    ("db", "change_admin_password"): (0, 1),
    ("db", "*"): (0,),  # drop, dump, restore, rename, duplicate_database, migrate_databases: the master password
}


def _jsonrpc_secret_positions(value: dict) -> tuple[int, ...]:
    params = value.get("params")
    if "jsonrpc" not in value or not isinstance(params, dict) or not isinstance(params.get("args"), list):
        return ()
    service, method = params.get("service"), params.get("method")
    return JSONRPC_SECRET_ARGS.get((service, method)) or JSONRPC_SECRET_ARGS.get((service, "*"), ())


def _redact_jsonrpc_args(value: dict) -> dict:
    """A JSON-RPC call with the secret arguments replaced; any other dict unchanged."""
    positions = _jsonrpc_secret_positions(value)
    if not positions:
        return value
    args = [REDACTED if index in positions and arg not in (None, "") else arg
            for index, arg in enumerate(value["params"]["args"])]
    return {**value, "params": {**value["params"], "args": args}}


def redact_data(value):
    """Redact secret-looking keys anywhere in a JSON-like structure (and the secret arguments of JSON-RPC calls)."""
    if isinstance(value, dict):
        value = _redact_jsonrpc_args(value)
        return {storable(str(k)): (REDACTED if is_secret_key(str(k)) else redact_data(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_data(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_text(text: str) -> str:
    if not text:
        return text
    text = storable(text)
    text = _XML_SECRET.sub(lambda m: f"<{m['tag']}{m['attrs']}>{REDACTED}</{m['tag']}>", text)
    text = _OAUTH1.sub(f"OAuth {REDACTED}", text)
    text = _FORM_PAIR.sub(lambda m: f"{m['key']}={REDACTED}", text)
    text = _HUBSPOT_PRIVATE_APP_TOKEN.sub(REDACTED, text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def redact_body(body: str | bytes | None) -> str:
    """Redact a request or response body of any format (JSON, XML, form, text)."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    stripped = body.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            return storable(json.dumps(redact_data(json.loads(body)), ensure_ascii=False))
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the reader goes: redact as text
            pass
    return redact_text(body)


def truncate(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    marker = f"\n…[truncated, {len(encoded)} bytes in all]"
    return encoded[: limit - len(marker.encode())].decode("utf-8", errors="ignore") + marker
