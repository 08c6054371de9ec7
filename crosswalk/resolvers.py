"""Resolve CRM values to ERP identifiers through the crosswalk tables, each with a confidence and the rule used.

`resolve(kind, text, context)` is the one interface (also behind /api/crosswalk/resolve/). Rules, strongest first:
  exact CRM id / code          1.00
  exact VAT id or DUNS         0.99  (customers)
  exact name or alias          0.98
  normalised name or alias     0.96  (case, accents, punctuation, legal suffixes)
  fuzzy name (rapidfuzz)       ≤ 0.90, always below the product auto threshold: a person confirms it
Fuzzy matching at scale (blocking, calibration) replaces `_fuzzy_candidates` in the matching app later; the
interface stays.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from rapidfuzz import fuzz, process

from .models import (
    ContactMapping,
    ContractMapping,
    CustomerMapping,
    MappingStatus,
    PaymentTermsMapping,
    ProductMapping,
    TaxCodeMapping,
    TransformationLog,
)

KINDS = ("product", "customer", "payment_terms", "tax_code", "contact", "contract")

LEGAL_SUFFIXES = {
    "inc", "incorporated", "corp", "corporation", "co", "company", "llc", "ltd", "limited", "plc", "gmbh", "ag",
    "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "oy", "ab", "as", "kg", "kk", "pty", "pte", "lp", "llp",
}


@dataclass(frozen=True)
class Candidate:
    key: str  # the ERP identifier (material, business partner, terms key…)
    label: str
    confidence: float
    reason: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Resolution:
    kind: str
    input_text: str
    match: Candidate | None
    confidence: float
    rule: str
    candidates: tuple[Candidate, ...] = ()
    threshold: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.match is not None and self.confidence >= self.threshold

    def as_dict(self) -> dict:
        def cand(c: Candidate | None):
            return None if c is None else {
                "key": c.key, "label": c.label, "confidence": round(c.confidence, 4), "reason": c.reason, **c.data
            }

        return {
            "kind": self.kind,
            "input": self.input_text,
            "match": cand(self.match) if self.accepted else None,
            "confidence": round(self.confidence, 4),
            "rule": self.rule,
            "accepted": self.accepted,
            "threshold": self.threshold,
            "candidates": [cand(c) for c in self.candidates],
        }


def normalise(text: str) -> str:
    """Lower case, no accents, '&' → 'and', punctuation out, legal suffixes dropped."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace(".", "")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def thresholds() -> dict[str, float]:
    rules = settings.HANDOFF_RULES
    return {
        "product": rules["product_auto_confidence"],
        "customer": rules["customer_auto_confidence"],
        "payment_terms": 0.95,
        "tax_code": 0.99,
        "contact": 0.95,
        "contract": 0.99,
    }


def resolve(kind: str, text: str, context: dict | None = None) -> Resolution:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    context = context or {}
    resolution = _RESOLVERS[kind](text or "", context)
    return Resolution(**{**resolution.__dict__, "threshold": thresholds()[kind]})


def log_resolution(resolution: Resolution, *, handoff_id: int | None, field_name: str = "") -> TransformationLog:
    return TransformationLog.objects.create(
        handoff_id=handoff_id,
        kind=resolution.kind,
        field=field_name,
        input_text=resolution.input_text,
        output=resolution.match.key if resolution.accepted and resolution.match else "",
        rule=resolution.rule,
        confidence=Decimal(str(round(resolution.confidence, 4))),
        accepted=resolution.accepted,
        candidates=[c for c in resolution.as_dict()["candidates"]],
    )


# ---- per kind ----------------------------------------------------------------------------------------------------


def _active(model):
    return model.objects.filter(status=MappingStatus.ACTIVE)


def _resolve_product(text: str, context: dict) -> Resolution:
    rows = _active(ProductMapping)
    for field_name, value in (("crm_product_id", context.get("crm_product_id")), ("crm_product_code", context.get("product_code"))):
        if value:
            row = rows.filter(**{field_name: value}).first()
            if row:
                return _hit("product", text, _product_candidate(row, 1.0, f"exact {field_name}"), f"exact_{field_name}")
    return _by_name("product", text, rows, "crm_product_name", _product_candidate)


def _product_candidate(row: ProductMapping, confidence: float, reason: str) -> Candidate:
    return Candidate(
        key=row.material,
        label=row.material_description or row.crm_product_name,
        confidence=confidence,
        reason=reason,
        data={"material_group": row.material_group, "unit": row.unit, "tax_class": row.tax_class},
    )


def _resolve_customer(text: str, context: dict) -> Resolution:
    rows = _active(CustomerMapping)
    keys = (
        ("crm_account_id", context.get("crm_account_id"), 1.0),
        ("vat_id", _clean_id(context.get("vat_id")), 0.99),
        ("duns", _clean_id(context.get("duns")), 0.99),
    )
    for field_name, value, confidence in keys:
        if value:
            row = rows.filter(**{field_name: value}).first()
            if row:
                return _hit("customer", text, _customer_candidate(row, confidence, f"exact {field_name}"), f"exact_{field_name}")
    return _confirm_by_location(_by_name("customer", text, rows, "crm_account_name", _customer_candidate), context)


def _confirm_by_location(resolution: Resolution, context: dict) -> Resolution:
    """A name alone does not prove it is the same company: 'Acme Corp' in New York is not 'ACME Corporation' in
    New Jersey. Without a VAT id or DUNS, a name match passes only where the location agrees."""
    if resolution.match is None:
        return resolution
    rescored = []
    for c in resolution.candidates:
        city, country = (context.get("city") or "").strip(), (context.get("country") or "").strip().upper()
        known_city, known_country = c.data.get("city", ""), (c.data.get("country") or "").upper()
        if country and known_country and country != known_country:
            rescored.append(Candidate(c.key, c.label, min(c.confidence, 0.6), f"{c.reason}; country differs ({country} vs {known_country})", c.data))
        elif city and known_city and normalise(city) != normalise(known_city):
            rescored.append(Candidate(c.key, c.label, min(c.confidence, 0.75), f"{c.reason}; city differs ({city} vs {known_city})", c.data))
        elif resolution.rule == "fuzzy_name":
            rescored.append(Candidate(c.key, c.label, min(c.confidence, 0.8), c.reason, c.data))
        else:
            rescored.append(Candidate(c.key, c.label, min(c.confidence, 0.92), f"{c.reason}; location agrees", c.data))
    rescored.sort(key=lambda c: -c.confidence)
    best = rescored[0]
    return Resolution(resolution.kind, resolution.input_text, best, best.confidence, resolution.rule, tuple(rescored))


def _customer_candidate(row: CustomerMapping, confidence: float, reason: str) -> Candidate:
    return Candidate(
        key=row.business_partner,
        label=row.business_partner_name or row.crm_account_name,
        confidence=confidence,
        reason=reason,
        data={"ship_to_party": row.ship_to_party or row.business_partner, "country": row.country, "city": row.city},
    )


def _resolve_payment_terms(text: str, context: dict) -> Resolution:
    return _by_name("payment_terms", text, _active(PaymentTermsMapping), "crm_terms", _terms_candidate, fuzzy=False)


def _terms_candidate(row: PaymentTermsMapping, confidence: float, reason: str) -> Candidate:
    return Candidate(
        key=row.terms_key, label=row.crm_terms, confidence=confidence, reason=reason,
        data={"net_days": row.net_days, "is_standard": row.is_standard},
    )


def _resolve_tax_code(text: str, context: dict) -> Resolution:
    """text is ignored; the jurisdiction (country, region) and the material tax class decide."""
    country = (context.get("country") or "").upper()
    region = (context.get("region") or "").upper()
    tax_class = context.get("material_tax_class") or "1"
    label = f"{country}-{region} class {tax_class}" if region else f"{country} class {tax_class}"
    rows = _active(TaxCodeMapping).filter(country=country, material_tax_class=tax_class)
    row = rows.filter(region=region).first() if region else None
    rule = "jurisdiction_region"
    if row is None:
        row, rule = rows.filter(region="").first(), "jurisdiction_country"
    if row is None:
        return Resolution("tax_code", label, None, 0.0, "no_rule")
    candidate = Candidate(row.tax_code, row.description or str(row), 1.0, rule.replace("_", " "))
    return _hit("tax_code", label, candidate, rule)


def _resolve_contact(text: str, context: dict) -> Resolution:
    email = (context.get("email") or text or "").strip().lower()
    row = _active(ContactMapping).filter(crm_contact_email__iexact=email).first() if email else None
    if row is None:
        return Resolution("contact", email, None, 0.0, "no_mapping")
    return _hit("contact", email, Candidate(row.contact_person, row.crm_contact_email, 1.0, "exact email"), "exact_email")


def _resolve_contract(text: str, context: dict) -> Resolution:
    row = _active(ContractMapping).filter(crm_contract_reference=text.strip()).first() if text.strip() else None
    if row is None:
        return Resolution("contract", text, None, 0.0, "no_mapping")
    return _hit("contract", text, Candidate(row.erp_document, row.crm_contract_reference, 1.0, "exact reference"), "exact_reference")


_RESOLVERS = {
    "product": _resolve_product,
    "customer": _resolve_customer,
    "payment_terms": _resolve_payment_terms,
    "tax_code": _resolve_tax_code,
    "contact": _resolve_contact,
    "contract": _resolve_contract,
}


# ---- shared name matching --------------------------------------------------------------------------------------------


def _hit(kind: str, text: str, candidate: Candidate, rule: str) -> Resolution:
    return Resolution(kind, text, candidate, candidate.confidence, rule, (candidate,))


def _by_name(kind, text, rows, name_field, make_candidate, *, fuzzy=True) -> Resolution:
    wanted = text.strip()
    if not wanted:
        return Resolution(kind, text, None, 0.0, "empty_input")
    exact = rows.filter(Q(**{f"{name_field}__iexact": wanted}) | Q(aliases__icontains=wanted)).first()
    if exact is not None and _names(exact, name_field, normalised=False).__contains__(wanted.lower()):
        return _hit(kind, text, make_candidate(exact, 0.98, "exact name or alias"), "exact_name")
    key = normalise(wanted)
    names: list[tuple[str, object]] = []
    for row in rows:
        for name in _names(row, name_field, normalised=True):
            if name == key:
                return _hit(kind, text, make_candidate(row, 0.96, "normalised name or alias"), "normalised_name")
            names.append((name, row))
    if not fuzzy or not names:
        return Resolution(kind, text, None, 0.0, "no_mapping")
    candidates = _fuzzy_candidates(key, names, make_candidate)
    best = candidates[0] if candidates else None
    return Resolution(kind, text, best, best.confidence if best else 0.0, "fuzzy_name" if best else "no_mapping", tuple(candidates))


def _names(row, name_field: str, *, normalised: bool) -> list[str]:
    raw = [getattr(row, name_field)] + list(row.aliases or [])
    return [normalise(n) if normalised else n.strip().lower() for n in raw if n]


def _fuzzy_candidates(key: str, names, make_candidate, limit: int = 5) -> list[Candidate]:
    choices = [n for n, _ in names]
    scored = process.extract(key, choices, scorer=fuzz.token_sort_ratio, limit=limit * 2, score_cutoff=60)
    seen, out = set(), []
    for _name, score, index in scored:
        row = names[index][1]
        if row.pk in seen:
            continue
        seen.add(row.pk)
        # A fuzzy score is a similarity, not a probability of being right: cap it below every auto threshold
        # for products so a person confirms; calibration replaces this in the matching issue.
        confidence = round(min(0.90, score / 100 * 0.9), 4)
        out.append(make_candidate(row, confidence, f"similar name ({score:.0f} %)"))
        if len(out) == limit:
            break
    return out


def _clean_id(value) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", value or "").upper()
