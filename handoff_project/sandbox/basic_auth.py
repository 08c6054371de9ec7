"""HTTP Basic as the emulators check it: the credentials a request carries, compared in constant time."""

from __future__ import annotations

import base64
import binascii
import hmac


def basic_user(request, *, user: str, password: str) -> str | None:
    """The user a request authenticates as with HTTP Basic, or None.

    The user name compares case-insensitively (SAP and Oracle both treat it so), the password exactly. When no
    `user` is configured any non-empty Basic credentials pass: a demo without configuration still needs the header."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        sent_user, _, sent_password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not user:
        return sent_user or None
    ok = same_secret(sent_user.upper(), user.upper())
    return sent_user if ok and same_secret(sent_password, password) else None


def same_secret(sent: str, expected: str) -> bool:
    """Constant-time comparison of two texts, any characters (hmac.compare_digest refuses non-ASCII str)."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))
