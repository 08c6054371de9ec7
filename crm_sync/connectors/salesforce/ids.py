"""Salesforce record ids: 15-character case-sensitive ids and their 18-character case-safe form.

The last three characters of an 18-character id encode, for each block of five characters, which of them are
upper-case letters (Salesforce's documented checksum). The sandbox mints ids this way, and both the sandbox and the
adapter accept either form, as Salesforce does.
"""

from __future__ import annotations

import re
import secrets
import time
import string

_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")


def case_safe_suffix(id15: str) -> str:
    suffix = ""
    for block in range(3):
        chunk = id15[block * 5 : block * 5 + 5]
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


def to_18(record_id: str) -> str:
    """The 18-character form of a 15- or 18-character id (an 18-character id is returned as given)."""
    if not is_record_id(record_id):
        raise ValueError(f"{record_id!r} is not a Salesforce record id (15 or 18 letters and digits)")
    if len(record_id) == 18:
        return record_id
    return record_id + case_safe_suffix(record_id)


def is_record_id(value: str) -> bool:
    return bool(_ID_PATTERN.match(value or ""))


def new_id(prefix: str) -> str:
    """A fresh 18-character id with the object's key prefix (001 Account, 006 Opportunity, 04l notification…)."""
    if len(prefix) != 3:
        raise ValueError("a Salesforce key prefix has three characters")
    # prefix + instance-like "5g" + 9 base-62 digits of the clock + 1 random character: like real ids, later
    # records get larger ids, so "ORDER BY Id" is creation order (line items without SortOrder rely on it).
    micros, clock = time.time_ns() // 1000, ""
    for _ in range(9):
        micros, digit = divmod(micros, 62)
        clock = _BASE62[digit] + clock
    id15 = prefix + "5g" + clock + secrets.choice(_BASE62)
    return id15 + case_safe_suffix(id15)
