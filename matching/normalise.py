"""Normalisers: the one place that decides when two spellings of a company, a product or an address are "the same text".

* `fold` — lower case, accents and compatibility forms out (ß → ss, ﬁ → fi), so "Société" and "SOCIETE" agree.
* `company_name` — fold, "&" → "and", punctuation out, spaced initials joined ("N. V." → "nv"), a leading "the" and
  trailing legal forms in many languages dropped ("GmbH & Co. KG", "S.p.A.", "sp. z o.o.", "Kabushiki Kaisha"…).
  `legal_form` returns what was dropped, so a scorer can notice "Inc" vs "GmbH".
* `product_title` — fold, "&" → "and", unit spellings unified ("10-pack", "10 pk" → "10 pack"; "500 ML" → "500 ml"),
  common abbreviations expanded ("w/" → "with", "licence" → "license").
* `model_numbers` — codes such as "WH-1000XM4", "ELPLP12", "121066" in their compact form ("wh1000xm4").
* `address_line` — street-type abbreviations unified ("Street" → "st", "Straße" → "str").
* `vat_number` (python-stdnum) and `email_domain`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SPACED_INITIALS = re.compile(r"\b(?:[a-z] ){1,}[a-z]\b")
_NON_WORD = re.compile(r"[\W_]+")

# Legal forms, as word sequences after folding and joining spaced initials. Longest first when stripping.
LEGAL_FORMS = {
    # English
    "inc", "incorporated", "corp", "corporation", "co", "company", "cos", "llc", "ltd", "limited", "plc", "lp",
    "llp", "lllp", "pllc", "pc", "pty", "pte", "pvt", "private", "holdings inc", "co ltd", "co inc", "and co",
    "pty ltd", "pte ltd", "pvt ltd", "private limited", "public limited company", "limited liability company",
    # German, Austrian, Swiss
    "gmbh", "ag", "kg", "ohg", "ug", "ev", "eg", "se", "kgaa", "gbr", "gmbh and co kg", "gmbh co kg", "and co kg",
    "co kg", "ug haftungsbeschrankt", "aktiengesellschaft", "gesellschaft mbh", "mbh", "ek",
    # French, Belgian, Luxembourgish
    "sa", "sas", "sasu", "sarl", "eurl", "sca", "scs", "snc", "sprl", "bvba", "asbl",
    # Italian, Spanish, Portuguese, Latin American
    "spa", "srl", "srls", "sapa", "sl", "slu", "sll", "ltda", "lda", "cia", "sa de cv", "s de rl", "sab de cv",
    "sa de rl", "eireli", "me",
    # Dutch, Nordic
    "bv", "nv", "vof", "cv", "oy", "oyj", "ab", "ab publ", "as", "asa", "aps", "a s", "hf", "ehf",
    # Central and Eastern Europe
    "sp z oo", "sp z o o", "spzoo", "sp zoo", "sro", "spol sro", "spol s r o", "as", "zrt", "nyrt", "kft", "bt", "doo", "dd", "ooo", "oao",
    "zao", "pao", "ao", "srl", "ad", "ead", "eood", "ood",
    # Asia, Africa, Middle East
    "kk", "kabushiki kaisha", "kabushikikaisha", "yk", "gk", "bhd", "sdn bhd", "berhad", "tbk", "pt", "jsc",
    "pjsc", "saog", "saoc", "wll", "fze", "fzco", "fzc", "sae",
}


def _spellings(form: str) -> set[tuple[str, ...]]:
    """A form as words, and a short one also letter by letter ("nv" is also written "N. V.")."""
    spelled = {tuple(form.split())}
    if " " not in form and len(form) <= 4:
        spelled.add(tuple(form))
    return spelled


_LEGAL_FORMS_BY_LENGTH = sorted({s for f in LEGAL_FORMS for s in _spellings(f)}, key=len, reverse=True)
_LEADING_LEGAL_FORMS = {"pt", "ooo", "oao", "zao", "pao", "the"}

# product text: unit and abbreviation spellings → one form
_UNIT_WORDS = {
    "pk": "pack", "pck": "pack", "pkg": "pack", "packs": "pack", "pks": "pack", "bx": "box", "boxes": "box",
    "pcs": "pc", "pieces": "pc", "piece": "pc", "pce": "pc", "ea": "each", "ct": "count", "cnt": "count",
    "ltr": "l", "litre": "l", "liter": "l", "litres": "l", "liters": "l", "millilitre": "ml", "milliliter": "ml",
    "kgs": "kg", "kilogram": "kg", "kilograms": "kg", "grams": "g", "gram": "g", "gr": "g", "lbs": "lb",
    "inch": "in", "inches": "in", "mtr": "m", "meter": "m", "metre": "m", "meters": "m", "metres": "m",
    "yr": "year", "yrs": "year", "years": "year", "annual": "year", "yearly": "year", "mo": "month", "months": "month",
    "licence": "license", "licences": "license", "licenses": "license", "lic": "license",
    "usr": "user", "users": "user", "gigabyte": "gb", "terabyte": "tb", "megabyte": "mb",
}
_NUMBER_UNIT = re.compile(r"(\d)(ml|l|kg|g|lb|oz|mm|cm|m|in|gb|tb|mb|mhz|ghz|w|v|mah|ah|pack|pc|ft)\b")
_PACK_OF = re.compile(r"\b(?:pack|box|case|set) of (\d+)\b")
_DIGIT = re.compile(r"\d")
_TITLE_SEPARATORS = re.compile(r"[^\w.]+|_|(?<!\d)\.|\.(?!\d)")
_CODE = re.compile(r"[a-z0-9]+(?:[-/.][a-z0-9]+)*")
_MEASURE = re.compile(
    r"^\d+(?:\.\d+)?(?:ml|l|kg|g|lb|oz|mm|cm|m|in|gb|tb|mb|mhz|ghz|w|v|mah|ah|pack|pk|pck|pc|pcs|ct|ft|x|k|p|yr|yrs)?$"
)

_STREET_WORDS = {
    "street": "st", "str": "st", "strasse": "str", "road": "rd", "avenue": "ave", "av": "ave", "boulevard": "blvd",
    "drive": "dr", "lane": "ln", "court": "ct", "place": "pl", "square": "sq", "suite": "ste", "floor": "fl",
    "highway": "hwy", "parkway": "pkwy", "north": "n", "south": "s", "east": "e", "west": "w", "apartment": "apt",
    "building": "bldg", "route": "rte", "terrace": "ter", "plaza": "plz", "mount": "mt", "saint": "st",
}


def fold(text: str | None) -> str:
    """Lower case ASCII: accents dropped, compatibility characters decomposed, non-Latin scripts kept as they are."""
    if not text or text.isascii():  # most catalogue text: no Unicode work to do
        return (text or "").lower()
    text = unicodedata.normalize("NFKC", text).replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    return out.lower()


def words(text: str | None) -> list[str]:
    """Folded words: letters and digits, everything else a separator ("&" becomes "and")."""
    return _NON_WORD.sub(" ", fold(text).replace("&", " and ")).split()


def _join_initials(text: str) -> str:
    return _SPACED_INITIALS.sub(lambda m: m.group(0).replace(" ", ""), text)


@dataclass(frozen=True)
class CompanyName:
    core: str  # the name without legal form, e.g. "siemens"
    legal_form: str  # what was dropped, e.g. "ag" ("" when none)


def split_company_name(text: str | None) -> CompanyName:
    folded = fold(text).replace("&", " and ").replace("'", "")
    tokens = _NON_WORD.sub(" ", folded).split()
    dropped: list[str] = []
    while len(tokens) > 1 and tokens[0] in _LEADING_LEGAL_FORMS:
        first = tokens.pop(0)
        if first != "the":
            dropped.append(first)
    stripped = True
    while stripped and len(tokens) > 1:
        stripped = False
        for form in _LEGAL_FORMS_BY_LENGTH:
            if len(form) < len(tokens) and tuple(tokens[-len(form):]) == form:
                dropped[:0] = ["".join(form)] if all(len(t) == 1 for t in form) else list(form)
                del tokens[-len(form):]
                stripped = True
                break
    return CompanyName(_join_initials(" ".join(tokens)), " ".join(dropped))


def company_name(text: str | None) -> str:
    """'Société Générale S.A.' → 'societe generale'; 'Johnson & Johnson, Inc.' → 'johnson and johnson'."""
    return split_company_name(text).core


def legal_form(text: str | None) -> str:
    return split_company_name(text).legal_form


def product_title(text: str | None) -> str:
    """'Sensor Kit S10 (10-Pk)' → 'sensor kit s10 10 pack'; 'Ent. Licence, 12 yrs' → 'ent license 12 year'."""
    folded = fold(text).replace("&", " and ").replace("w/", "with ")
    folded = _NUMBER_UNIT.sub(r"\1 \2", folded)
    tokens = [_UNIT_WORDS.get(t, t) for t in _TITLE_SEPARATORS.sub(" ", folded).split()]
    return _PACK_OF.sub(r"\1 pack", " ".join(tokens))


def model_numbers(text: str | None) -> set[str]:
    """Codes in compact form: a run of letters/digits (with - / . inside) that has a digit, is at least 3 characters
    long and is not a quantity ("500ml", "16gb") nor a short plain number (a year, a version: see `numbers`)."""
    codes = set()
    for match in _CODE.finditer(fold(text)):
        raw = match.group(0)
        if not _DIGIT.search(raw):
            continue
        compact = raw.replace("-", "").replace("/", "").replace(".", "")
        if len(compact) < 3:
            continue
        if compact.isdigit() and len(compact) < 5:
            continue  # a year, a quantity or a version: `numbers` compares those
        if not compact.isdigit() and _MEASURE.match(compact):
            continue
        codes.add(compact)
    return codes


def numbers(text: str | None) -> set[str]:
    """Plain numbers of a text ("2007", "6.0", "500"): editions, versions and sizes that tell near-twins apart."""
    return set(re.findall(r"(?<![a-z0-9.])\d+(?:\.\d+)?(?![a-z0-9])", fold(text)))


def address_line(text: str | None) -> str:
    """'350 Fifth Avenue, Suite 2' → '350 fifth ave ste 2'; 'Leopoldstraße 8' → 'leopoldstr 8'."""
    folded = fold(text).replace("strasse", "str ").replace("straße", "str ")
    return " ".join(_STREET_WORDS.get(t, t) for t in _NON_WORD.sub(" ", folded).split())


def postal_code(text: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def email_domain(email: str | None) -> str:
    """'Dana.W@Mail.ACME.example' → 'mail.acme.example'; empty when it is not an address."""
    local, at, domain = (email or "").strip().rpartition("@")
    return domain.lower().strip(".") if at and local and "." in domain else ""


@dataclass(frozen=True)
class VatNumber:
    compact: str  # "DE811569869"
    valid: bool  # passes the country's check digits / format (python-stdnum)
    country: str  # "DE" ("" when unknown)


def vat_number(value: str | None, country: str = "") -> VatNumber:
    """Validate a VAT id with python-stdnum: EU ids through stdnum.eu.vat (country prefix required), others through
    the country's own module when `country` is given (e.g. GB, CH, NO)."""
    from stdnum.eu import vat as eu_vat
    from stdnum.exceptions import ValidationError
    from stdnum.util import get_cc_module

    raw = re.sub(r"[^A-Za-z0-9]", "", value or "").upper()
    if not raw:
        return VatNumber("", False, "")
    prefix = raw[:2] if raw[:2].isalpha() else ""
    try:
        return VatNumber(eu_vat.validate(raw), True, prefix if prefix != "EL" else "GR")
    except ValidationError:
        pass
    cc = (prefix or country or "").lower()
    module = get_cc_module(cc, "vat") if cc else None
    if module is not None:
        try:
            number = module.validate(raw[2:] if prefix else raw)
            return VatNumber(f"{cc.upper()}{module.compact(number)}", True, cc.upper())
        except (ValidationError, ValueError):
            pass
    return VatNumber(raw, False, prefix)
