"""Resolve CRM values to ERP identifiers through the crosswalk tables, each with a confidence and the rule used.

`resolve(kind, text, context)` is the one interface (also behind /api/crosswalk/resolve/). Rules, strongest first:
  exact CRM id / code          1.00
  exact VAT id or DUNS         0.99  (customers; VAT ids validated and compacted with python-stdnum)
  exact name or alias          0.98
  normalised name or alias     0.96  (case, accents, punctuation, units, legal forms — matching.normalise)
  the matching engine          calibrated: "0.95" means about 95 % of such matches were right on held-out data
                               (matching.entities; candidates from the crosswalk and from the ERP's own master data)
Customers then pass the location rule (matching.entities.confirm_by_location): a name alone is not proof.
Only active mappings valid today (valid_from/valid_to) of the ERP in `context["erp_system"]` (default
settings.DEFAULT_ERP_SYSTEM) take part: each ERP has its own identifiers. Addresses: matching.addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from matching import addresses as address_matching
from matching import catalogue
from matching import normalise as norm
from matching.entities import LocatedCandidate, confirm_by_location
from matching.records import Record

from .models import (
    ContactMapping,
    ContractMapping,
    CurrencyMapping,
    CustomerMapping,
    ErpBusinessPartner,
    PaymentTermsMapping,
    ProductMapping,
    ShipToAddress,
    TaxCodeMapping,
    TransformationLog,
    UnitOfMeasureMapping,
)

KINDS = ("product", "customer", "payment_terms", "tax_code", "contact", "contract", "unit", "currency", "address")
CANDIDATES_SHOWN = 5


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


def normalise(value: str) -> str:
    """Lower case, no accents, '&' → 'and', punctuation out, legal suffixes dropped (company names)."""
    return norm.company_name(value)


def thresholds() -> dict[str, float]:
    rules = settings.HANDOFF_RULES
    return {
        "product": rules["product_auto_confidence"],
        "customer": rules["customer_auto_confidence"],
        "payment_terms": 0.95,
        "tax_code": 0.99,
        "contact": 0.95,
        "contract": 0.99,
        "unit": 0.95,
        "currency": 0.95,
        "address": rules.get("address_auto_confidence", 0.90),
    }


def resolve(kind: str, text: str, context: dict | None = None) -> Resolution:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    context = {**(context or {})}
    context["erp_system"] = context.get("erp_system") or settings.DEFAULT_ERP_SYSTEM
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


def _active(model, context: dict):
    return model.objects.filter(catalogue.valid_on(), erp_system=context["erp_system"])


def _resolve_product(text: str, context: dict) -> Resolution:
    rows = _active(ProductMapping, context)
    for field_name, value in (("crm_product_id", context.get("crm_product_id")), ("crm_product_code", context.get("product_code"))):
        if value:
            row = rows.filter(**{field_name: value}).first()
            if row:
                return _hit("product", text, _product_candidate(row, 1.0, f"exact {field_name}"), f"exact_{field_name}")
    named = _by_name("product", text, rows, "crm_product_name", _product_candidate, text_normaliser=normalise_product)
    if named.match is not None or not text.strip():
        return named
    return _from_engine("product", text, catalogue.product_matcher(context["erp_system"]))


def normalise_product(value: str) -> str:
    return norm.product_title(value)


def _product_candidate(row: ProductMapping, confidence: float, reason: str) -> Candidate:
    return Candidate(
        key=row.material,
        label=row.material_description or row.crm_product_name,
        confidence=confidence,
        reason=reason,
        data={"material_group": row.material_group, "unit": row.unit, "tax_class": row.tax_class},
    )


def _resolve_customer(text: str, context: dict) -> Resolution:
    rows = _active(CustomerMapping, context)
    vat = text_vat(context)
    keys = (
        ("crm_account_id", context.get("crm_account_id"), 1.0),
        ("vat_id", vat, 0.99),
        ("duns", _clean_id(context.get("duns")), 0.99),
    )
    for field_name, value, confidence in keys:
        if value:
            row = rows.filter(**{field_name: value}).first()
            if row:
                return _hit("customer", text, _customer_candidate(row, confidence, f"exact {field_name}"), f"exact_{field_name}")
    if vat:
        partner = ErpBusinessPartner.objects.filter(vat_id=vat, is_blocked=False, erp_system=context["erp_system"]).first()
        if partner:
            candidate = Candidate(partner.business_partner, partner.name, 0.99, "exact vat_id (ERP business partner)",
                                  {"ship_to_party": partner.business_partner, "country": partner.country, "city": partner.city})
            return _hit("customer", text, candidate, "exact_vat_id")
    named = _by_name("customer", text, rows, "crm_account_name", _customer_candidate, text_normaliser=normalise)
    if named.match is None and text.strip():
        named = _from_engine("customer", text, catalogue.customer_matcher(context["erp_system"]))
    return _confirm_by_location(named, context)


def text_vat(context: dict) -> str:
    """The context's VAT id in compact form ('DE 811 569 869' → 'DE811569869'); invalid ids are still compared."""
    return norm.vat_number(context.get("vat_id"), context.get("country") or "").compact


def _confirm_by_location(resolution: Resolution, context: dict) -> Resolution:
    """See matching.entities.confirm_by_location: without a VAT id or DUNS, a name match passes only where the
    location agrees."""
    if resolution.match is None:
        return resolution
    located = [LocatedCandidate(c.key, c.label, c.confidence, c.reason, c.data.get("city", ""), c.data.get("country", ""))
               for c in resolution.candidates]
    checked = confirm_by_location(located, city=context.get("city") or "", country=context.get("country") or "",
                                  exact_name=resolution.rule in ("exact_name", "normalised_name"))
    data = {c.key: c.data for c in resolution.candidates}
    rescored = tuple(Candidate(c.key, c.label, c.confidence, c.reason, data[c.key]) for c in checked)
    best = rescored[0]
    return Resolution(resolution.kind, resolution.input_text, best, best.confidence, resolution.rule, rescored)


def _customer_candidate(row: CustomerMapping, confidence: float, reason: str) -> Candidate:
    return Candidate(
        key=row.business_partner,
        label=row.business_partner_name or row.crm_account_name,
        confidence=confidence,
        reason=reason,
        data={"ship_to_party": row.ship_to_party or row.business_partner, "country": row.country, "city": row.city},
    )


def _resolve_payment_terms(text: str, context: dict) -> Resolution:
    return _by_name("payment_terms", text, _active(PaymentTermsMapping, context), "crm_terms", _terms_candidate)


def _terms_candidate(row: PaymentTermsMapping, confidence: float, reason: str) -> Candidate:
    return Candidate(
        key=row.terms_key, label=row.crm_terms, confidence=confidence, reason=reason,
        data={"net_days": row.net_days, "is_standard": row.is_standard},
    )


def _resolve_unit(text: str, context: dict) -> Resolution:
    def candidate(row, confidence, reason):
        return Candidate(row.erp_unit, row.description or row.crm_unit, confidence, reason, {"iso_code": row.iso_code})

    return _by_name("unit", text, _active(UnitOfMeasureMapping, context), "crm_unit", candidate)


def _resolve_currency(text: str, context: dict) -> Resolution:
    def candidate(row, confidence, reason):
        return Candidate(row.erp_currency, row.crm_currency, confidence, reason, {"decimals": row.decimals})

    return _by_name("currency", text, _active(CurrencyMapping, context), "crm_currency", candidate)


def _resolve_tax_code(text: str, context: dict) -> Resolution:
    """text is ignored; the jurisdiction (country, region) and the material tax class decide."""
    country = (context.get("country") or "").upper()
    region = (context.get("region") or "").upper()
    tax_class = context.get("material_tax_class") or "1"
    label = f"{country}-{region} class {tax_class}" if region else f"{country} class {tax_class}"
    rows = _active(TaxCodeMapping, context).filter(country=country, material_tax_class=tax_class)
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
    row = _active(ContactMapping, context).filter(crm_contact_email__iexact=email).first() if email else None
    if row is None:
        return Resolution("contact", email, None, 0.0, "no_mapping")
    return _hit("contact", email, Candidate(row.contact_person, row.crm_contact_email, 1.0, "exact email"), "exact_email")


def _resolve_contract(text: str, context: dict) -> Resolution:
    row = _active(ContractMapping, context).filter(crm_contract_reference=text.strip()).first() if text.strip() else None
    if row is None:
        return Resolution("contract", text, None, 0.0, "no_mapping")
    return _hit("contract", text, Candidate(row.erp_document, row.crm_contract_reference, 1.0, "exact reference"), "exact_reference")


def _resolve_address(text: str, context: dict) -> Resolution:
    """context: country, region, city, postal_code, street (or text as the street), business_partner (optional:
    limits the known ship-tos to that customer's)."""
    given = {"country_code": context.get("country"), "country_area": context.get("region"), "city": context.get("city"),
             "postal_code": context.get("postal_code"), "street_address": context.get("street") or text}
    rows = _active(ShipToAddress, context)
    if context.get("business_partner"):
        rows = rows.filter(business_partner=context["business_partner"])
    known = [address_matching.KnownAddress(r.ship_to_party, r.street, r.city, r.postal_code, r.country, r.region,
                                           label=str(r), data={"business_partner": r.business_partner})
             for r in rows[:5000]]
    found = address_matching.resolve_address(given, known)
    candidates = tuple(Candidate(c.address.key, c.address.label, round(min(c.similarity, found.confidence), 4), c.reason,
                                 {**c.address.data, "similarity": c.similarity}) for c in found.candidates)
    label = ", ".join(v for v in (given["street_address"], given["postal_code"], given["city"], given["country_code"]) if v)
    data = {"normalised": found.check.normalised, "errors": found.check.errors}
    if found.match is not None:
        match = Candidate(found.match.address.key, found.match.address.label, found.confidence, found.match.reason,
                          {**found.match.address.data, **data})
    elif found.check.valid:
        match = Candidate("", label, found.confidence, "valid for the country; not a known ship-to (one-time address)", data)
    else:
        match = Candidate("", label, found.confidence, found.rule, data)
    return Resolution("address", label, match, found.confidence, found.rule.split(" ")[0], candidates)


_RESOLVERS = {
    "product": _resolve_product,
    "customer": _resolve_customer,
    "payment_terms": _resolve_payment_terms,
    "tax_code": _resolve_tax_code,
    "contact": _resolve_contact,
    "contract": _resolve_contract,
    "unit": _resolve_unit,
    "currency": _resolve_currency,
    "address": _resolve_address,
}


# ---- shared name matching --------------------------------------------------------------------------------------------


def _hit(kind: str, text: str, candidate: Candidate, rule: str) -> Resolution:
    return Resolution(kind, text, candidate, candidate.confidence, rule, (candidate,))


def _plain(value: str) -> str:
    return " ".join(norm.words(value))


def _by_name(kind, text, rows, name_field, make_candidate, *, text_normaliser=_plain) -> Resolution:
    """Exact name or alias (0.98), then normalised name or alias (0.96); no match otherwise."""
    wanted = text.strip()
    if not wanted:
        return Resolution(kind, text, None, 0.0, "empty_input")
    exact = rows.filter(Q(**{f"{name_field}__iexact": wanted}) | Q(aliases__icontains=wanted)).first()
    if exact is not None and wanted.lower() in _names(exact, name_field, str.lower):
        return _hit(kind, text, make_candidate(exact, 0.98, "exact name or alias"), "exact_name")
    key = text_normaliser(wanted)
    for row in rows:
        if key and key in _names(row, name_field, text_normaliser):
            return _hit(kind, text, make_candidate(row, 0.96, "normalised name or alias"), "normalised_name")
    return Resolution(kind, text, None, 0.0, "no_mapping")


def _names(row, name_field: str, normaliser) -> list[str]:
    raw = [getattr(row, name_field)] + list(row.aliases or [])
    return [normaliser(n.strip()) for n in raw if n]


def _from_engine(kind: str, text: str, matcher) -> Resolution:
    """The calibrated matching engine over the crosswalk and the ERP master data."""
    if len(matcher) == 0:
        return Resolution(kind, text, None, 0.0, "no_mapping")
    scored = matcher.match(Record("query", text), limit=CANDIDATES_SHOWN)
    candidates = tuple(
        Candidate(s.key, s.record.data.get("label", s.record.text), round(s.confidence, 4),
                  f"{s.reason} ({'ERP master data, not yet mapped' if s.record.data.get('source') == 'erp' else 'crosswalk'})",
                  {k: v for k, v in s.record.data.items() if k != "label"})
        for s in scored
    )
    if not candidates:
        return Resolution(kind, text, None, 0.0, "no_mapping")
    return Resolution(kind, text, candidates[0], candidates[0].confidence, "matching_engine", candidates)


def _clean_id(value) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", value or "").upper()
