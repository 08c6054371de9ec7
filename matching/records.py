"""Records as the matching engine sees them: the text to match, a few attributes, and what the normalisers made of them.

A `Record` is what a caller hands in (a CRM line description, an ERP material, a row of a CSV table). `prepare`
turns it into a `Prepared` record once — normalised text, word tokens, model numbers, plain numbers, normalised
attributes — so that the index and the scorers never normalise the same text twice.

Two flavours of text, chosen by `Flavour`: product titles (units, abbreviations, model numbers) and company names
(legal forms, initials). Addresses have their own module (matching.addresses).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from . import normalise


class Flavour(str, enum.Enum):
    PRODUCT = "product"
    COMPANY = "company"


@dataclass(frozen=True)
class Record:
    key: str  # the identifier the caller wants back (material number, business partner, CSV id)
    text: str  # the main text: product title, company name
    attributes: dict[str, str] = field(default_factory=dict)  # brand, manufacturer, model no., city, country…
    price: float | None = None
    data: dict = field(default_factory=dict)  # carried through untouched (labels, crosswalk fields)


@dataclass(frozen=True)
class Prepared:
    record: Record
    norm: str  # normalised main text
    tokens: frozenset[str]  # words of the main text and the attributes
    title_tokens: tuple[str, ...]  # words of the main text, in order
    codes: frozenset[str]  # model numbers in compact form, from the text and every attribute
    numbers: frozenset[str]  # plain numbers of the main text (editions, versions, sizes)
    attributes: dict[str, str]  # normalised attribute values (non-empty only)
    legal_form: str = ""

    @property
    def key(self) -> str:
        return self.record.key


_CODE_PARTS = re.compile(r"[a-z]+|\d+")


def prepare(record: Record, flavour: Flavour = Flavour.PRODUCT) -> Prepared:
    if flavour is Flavour.COMPANY:
        name = normalise.split_company_name(record.text)
        norm, legal = name.core, name.legal_form
    else:
        norm, legal = normalise.product_title(record.text), ""
    attributes = {}
    for name, value in record.attributes.items():
        value_norm = normalise.product_title(value) if flavour is Flavour.PRODUCT else " ".join(normalise.words(value))
        if value_norm:
            attributes[name] = value_norm
    tokens = set(norm.split())
    codes = set(normalise.model_numbers(record.text))
    for name, value in record.attributes.items():
        codes |= normalise.model_numbers(value)
        if name in _SEARCHABLE_ATTRIBUTES or flavour is Flavour.PRODUCT:
            tokens.update(attributes.get(name, "").split())
    return Prepared(
        record=record,
        norm=norm,
        tokens=frozenset(tokens),
        title_tokens=tuple(norm.split()),
        codes=frozenset(codes),
        numbers=frozenset(normalise.numbers(record.text)),
        attributes=attributes,
        legal_form=legal,
    )


# Attributes whose words help to find a company (not city or country: thousands of companies share those).
_SEARCHABLE_ATTRIBUTES = {"alias", "trading_name"}


def code_parts(code: str) -> list[str]:
    """'wh1000xm4' → ['wh', '1000', 'xm', '4']: a typo in one part of a model number leaves the others findable."""
    return [p for p in _CODE_PARTS.findall(code) if len(p) >= 2]
