"""A generated material master that looks like a real one, and CRM-style queries against it (crosswalk_resolve).

Materials: brand + model number + product type + specification + pack, across tools, electronics, safety
consumables, electrical parts, chemicals and software; about a third are variants of another material (same
model, another pack size, colour or size), as real catalogues are full of near-twins. Some descriptions are in the
upper-case, abbreviated style of ERP short texts.

Queries: a material as a sales rep might type it — words reordered or dropped, abbreviations ("pk", "w/", "Wrls"),
the model number written with another separator, the brand left out, one or two typos. Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

CATEGORIES = {
    "tools": (
        ["Bosch", "Makita", "DeWalt", "Milwaukee", "Metabo", "Hilti", "Festool", "Ryobi", "Hikoki", "Einhell"],
        ["Cordless Drill Driver", "Impact Driver", "Angle Grinder", "Circular Saw", "Jigsaw", "Rotary Hammer",
         "Reciprocating Saw", "Orbital Sander", "Multi Tool", "Heat Gun"],
        [["18V", "12V", "36V", "10.8V"], ["2.0Ah", "4.0Ah", "5.0Ah", "bare tool"], ["with case", "in carton", ""]],
    ),
    "electronics": (
        ["Sony", "Samsung", "LG", "Philips", "Panasonic", "Logitech", "Dell", "HP", "Lenovo", "Epson", "Canon",
         "Brother", "Jabra", "Anker"],
        ["Wireless Headphones", "Monitor", "Laser Printer", "Projector Lamp", "Keyboard", "Wireless Mouse",
         "Docking Station", "USB-C Cable", "Webcam", "Speakerphone", "Power Bank", "Toner Cartridge"],
        [["Black", "White", "Silver", "Grey"], ["27 in", "24 in", "1 m", "2 m", "10000 mAh", "Full HD", "4K", ""]],
    ),
    "safety": (
        ["3M", "Honeywell", "Ansell", "Kimberly-Clark", "Uvex", "Moldex", "Dräger", "Portwest"],
        ["Nitrile Gloves", "Safety Glasses", "Respirator Mask", "Ear Plugs", "Hi-Vis Vest", "Hard Hat",
         "Disposable Coverall", "Face Shield"],
        [["Size S", "Size M", "Size L", "Size XL", "FFP2", "FFP3", "Clear", "Yellow"],
         ["box of 100", "pack of 10", "box of 20", "pack of 200", "each"]],
    ),
    "electrical": (
        ["Phoenix Contact", "Schneider Electric", "ABB", "Siemens", "Legrand", "Wago", "Eaton", "Weidmüller",
         "Finder", "Omron"],
        ["Terminal Block", "Circuit Breaker", "Contactor", "Relay", "Push Button", "Cable Gland", "DIN Rail",
         "Power Supply", "Timer Relay", "Surge Protector"],
        [["2.5 mm2", "4 mm2", "16 A", "32 A", "24 V DC", "230 V AC", "1-pole", "3-pole"],
         ["pack of 50", "pack of 10", "each", "box of 100"]],
    ),
    "chemicals": (
        ["Loctite", "WD-40", "CRC", "Henkel", "Würth", "Sika", "Tesa"],
        ["Threadlocker", "Penetrating Oil", "Contact Cleaner", "Epoxy Adhesive", "Silicone Sealant",
         "Duct Tape", "Degreaser", "Anti-Seize Compound"],
        [["50 ml", "250 ml", "400 ml", "1 l", "5 l", "310 ml cartridge", "50 m roll"], ["each", "pack of 12"]],
    ),
    "software": (
        ["Microsoft", "Adobe", "Autodesk", "Atlassian", "Siemens PLM", "Dassault", "Bentley", "Esri"],
        ["Enterprise License", "Pro Seat", "Premium Support", "Cloud Subscription", "Maintenance Renewal",
         "Training Voucher"],
        [["annual", "monthly", "3 years"], ["1 user", "10 users", "25 users", "site license"]],
    ),
}
ABBREVIATIONS = {
    "pack of": "pk", "box of": "bx", "Wireless": "Wrls", "Cordless": "Cdls", "with": "w/", "Headphones": "Hdphn",
    "Driver": "Drvr", "Monitor": "Mon", "Enterprise": "Ent.", "License": "Lic", "Subscription": "Subscr",
    "Maintenance": "Maint", "Adhesive": "Adh", "Circuit Breaker": "MCB", "Power Supply": "PSU", "annual": "yearly",
    "users": "usr", "Black": "blk", "White": "wht", "Size": "Sz",
}


@dataclass(frozen=True)
class Material:
    number: str
    description: str
    brand: str
    code: str


def _model_code(rng: random.Random, brand: str) -> str:
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXZ") for _ in range(rng.choice((1, 2, 2, 3))))
    digits = str(rng.randint(10, 99999))
    suffix = "".join(rng.choice("ABCDEHKLMNRSTX") for _ in range(rng.choice((0, 0, 1, 2))))
    separator = rng.choice(("", "", "-", " "))
    return f"{letters}{separator}{digits}{suffix}"


def generate_materials(n: int, seed: int = 7) -> list[Material]:
    rng = random.Random(seed)
    names = list(CATEGORIES)
    out: list[Material] = []
    seen: set[str] = set()
    while len(out) < n:
        if out and rng.random() < 0.33:  # a variant of an earlier material: same model, other options
            base = rng.choice(out)
            category = next(c for c in names if base.brand in CATEGORIES[c][0])
            brand, code = base.brand, base.code
            kind = next((t for t in CATEGORIES[category][1] if t.lower() in base.description.lower()),
                        CATEGORIES[category][1][0])
        else:
            category = rng.choice(names)
            brands, kinds, _ = CATEGORIES[category]
            brand, kind, code = rng.choice(brands), rng.choice(kinds), _model_code(rng, "")
        options = [rng.choice(choices) for choices in CATEGORIES[category][2]]
        spec = ", ".join(o for o in options if o)
        if rng.random() < 0.25:  # ERP short-text style
            description = f"{kind} {brand} {code} {spec}".upper().replace(",", "")[:60]
        else:
            description = f"{brand} {code} {kind}" + (f", {spec}" if spec else "")
        if description in seen:
            continue
        seen.add(description)
        out.append(Material(f"M{len(out) + 1:07d}", description, brand, code))
    return out


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("swap", "drop", "double", "replace"))
    if edit == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if edit == "drop":
        return word[:i] + word[i + 1:]
    if edit == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiourstn") + word[i + 1:]


def crm_query(rng: random.Random, material: Material) -> str:
    text = material.description
    if text.isupper():
        text = text.title()
    for long, short in ABBREVIATIONS.items():
        if long.lower() in text.lower() and rng.random() < 0.5:
            start = text.lower().index(long.lower())
            text = text[:start] + short + text[start + len(long):]
    code = material.code
    if code.upper() in text.upper() and rng.random() < 0.5:
        start = text.upper().index(code.upper())
        plain = code.replace("-", "").replace(" ", "")
        written = rng.choice((plain, code.replace("-", " "), plain.lower(), code))
        text = text[:start] + written + text[start + len(code):]
    words = text.replace(",", " ").split()
    if rng.random() < 0.2 and material.brand.split()[0] in words and len(words) > 3:
        words.remove(material.brand.split()[0])  # brand left out
    if rng.random() < 0.3 and len(words) > 4:
        words.pop(rng.randrange(len(words)))  # a word dropped
    if rng.random() < 0.3:
        rng.shuffle(words)
    for _ in range(rng.choice((0, 1, 1, 2))):
        i = rng.randrange(len(words))
        words[i] = _typo(rng, words[i])
    text = " ".join(words)
    return text.lower() if rng.random() < 0.3 else text


def generate_queries(materials: list[Material], n: int, seed: int = 11) -> list[tuple[str, str]]:
    """(query text, the material number it means)."""
    rng = random.Random(seed)
    return [(crm_query(rng, m), m.number) for m in (rng.choice(materials) for _ in range(n))]
