"""The words invoices use for each field, in English, German, French, Dutch, Polish and Spanish.

Data, not logic: the generic text heuristics (text_fields.py) look for these labels and read the value beside or
below them. Patterns are regular expressions matched case-insensitively at a word boundary; order matters within a
field (the more specific label first, and the first one found wins).
"""

INVOICE_NUMBER = [
    r"invoice\s*(?:number|no\.?|nr\.?|num\.?|#|id)", r"inv\.?\s*(?:no|#)", r"bill\s*(?:no\.?|number)",
    r"rechnungs?\s*-?\s*(?:nummer|nr\.?)", r"(?:handels)?rechnung\s*(?:\(\d+\))?\s*nr\.?", r"beleg\s*-?\s*nr\.?",
    r"factuur\s*-?\s*(?:nummer|nr\.?)", r"num[ée]ro\s+de\s+facture", r"facture\s*(?:n[°o]\.?|num[ée]ro)",
    r"n[°o]\s*(?:de\s+)?facture", r"numer\s+faktury", r"faktura\s*(?:vat\s*)?nr\.?", r"n[úu]mero\s+de\s+factura",
    r"credit\s*note\s*(?:number|no\.?)", r"gutschrift\s*(?:nr\.?|nummer)", r"document\s*(?:no\.?|number)",
    r"(?:rechnung|invoice|facture|factuur)\b[^:\n]{0,40}?\b(?:nr|no|n°)\.?", r"^(?:facture|invoice|rechnung)\b",
    r"invoice\s*:", r"booking\s*id",
]
ISSUE_DATE = [
    r"invoice\s*date", r"date\s+of\s+(?:the\s+)?invoice", r"date\s+of\s+issue", r"issue\s*date", r"rechnungsdatum",
    r"belegdatum", r"factuurdatum", r"date\s+de\s+(?:la\s+)?facture", r"date\s+d'[ée]mission", r"data\s+wystawienia",
    r"fecha\s+(?:de\s+)?factura", r"billing\s+date", r"\bvom\b", r"(?<!due\s)(?<!order\s)(?<!delivery\s)\bdate\s*:", r"\bdatum\s*:",
    r"\bdated?\b",
]
DUE_DATE = [
    r"due\s*date", r"payment\s+due(?:\s+date)?", r"due\s+on", r"pay(?:able)?\s+by", r"f[äa]llig(?:keit|\s+am)?",
    r"zahlbar\s+bis", r"zahlungsziel", r"[ée]ch[ée]ance", r"date\s+limite\s+de\s+paiement", r"vervaldatum",
    r"uiterste\s+betaaldatum", r"termin\s+p[łl]atno[śs]ci", r"fecha\s+de\s+vencimiento",
    r"zahlbar[^:\n]{0,40}?\bbis", r"netto\s+bis",
]
GRAND_TOTAL = [
    r"grand\s*total", r"total\s+amount\s+due", r"invoice\s+total", r"total\s+for\s+this\s+invoice",
    r"total\s*\(?\s*inc(?:l\.?|luding)?\s*(?:vat|tax|gst)", r"total\s+gross", r"gross\s+(?:total|amount)",
    r"bruttosumme", r"bruttobetrag", r"gesamtbetrag(?!\s+der)", r"rechnungsbetrag", r"endbetrag", r"summe\s+brutto",
    r"total\s+ttc", r"montant\s+ttc", r"totaal\s+(?:incl|inclusief)", r"\btotaal\b", r"razem\s+brutto",
    r"razem\s+do\s+zap[łl]aty", r"importe\s+total", r"amount\s+due", r"total\s+due", r"\btotal\b",
]
TAX_BASIS_TOTAL = [
    r"total\s+net", r"net\s+(?:total|amount)", r"total\s*\(?\s*excl?(?:\.|uding)?\s*(?:vat|tax)",
    r"total\s+before\s+tax", r"taxable\s+(?:amount|value)", r"amount\s+untaxed", r"rechnungssumme\s+ohne\s+ust",
    r"nettobetrag", r"summe\s+netto", r"gesamt\s*netto", r"nettosumme", r"warenwert", r"total\s+ht", r"montant\s+ht",
    r"exclusief\s+btw", r"totaal\s+excl", r"razem\s+netto", r"base\s+imponible", r"sub\s*-?\s*total\b",
    r"\bnetto\b",
]
TAX_TOTAL = [
    r"total\s+(?:vat|tax|gst)", r"(?:vat|tax|gst)\s+(?:amount|total)", r"steuerbetrag", r"umsatzsteuer\s*(?:betrag)?",
    r"mwst\.?\s*(?:betrag)?", r"\bust\.?\b", r"total\s+tva", r"montant\s+tva", r"\btva\b", r"\bbtw\b",
    r"razem\s+vat", r"\bvat\b", r"\btax\b", r"\bgst\b", r"\biva\b",
]
DUE_PAYABLE = [
    r"amount\s+due", r"balance\s+due", r"amount\s+payable", r"zahlbetrag", r"zu\s+zahlen", r"offener\s+betrag",
    r"net\s+[àa]\s+payer", r"reste\s+[àa]\s+payer", r"te\s+betalen", r"do\s+zap[łl]aty",
]
LINE_TOTAL = [r"positionssumme", r"summe\s+(?:der\s+)?positionen", r"line\s+total", r"total\s+lines", r"items?\s+total"]
PO_REFERENCE = [
    r"purchase\s+order\s*(?:number|no\.?|nr\.?|#|ref(?:erence)?)?", r"\bp\.?\s?o\.?\s*(?:number|no\.?|#|ref)",
    r"your\s+order(?:\s+(?:number|no\.?|ref(?:erence)?))?", r"order\s*(?:number|no\.?|#|ref(?:erence)?)",
    r"ordernummer", r"bestellnummer", r"bestell-?nr\.?", r"ihre\s+bestellung", r"auftragsnummer",
    r"votre\s+commande", r"bon\s+de\s+commande", r"commande\s+n[°o]", r"inkoopordernummer", r"uw\s+bestelling",
    r"zam[óo]wienie\s+nr", r"pedido",
]
PAYMENT_TERMS = [
    r"payment\s+terms", r"terms\s+of\s+payment", r"zahlungsbedingungen?", r"zahlungsziel", r"conditions?\s+de\s+paiement",
    r"modalit[ée]s\s+de\s+paiement", r"betalingsvoorwaarden", r"betalingstermijn", r"warunki\s+p[łl]atno[śs]ci",
    r"condiciones\s+de\s+pago", r"\bterms\b",
]
# Phrases that state the terms themselves ("Net 30", "zahlbar innerhalb 14 Tagen"), when no label introduces them.
PAYMENT_TERMS_PHRASES = [
    r"\bnet\s*\d{1,3}\b(?:\s*days)?", r"\b(?:due|payable)\s+(?:within|in)\s+\d{1,3}\s+days", r"\bwithin\s+\d{1,3}\s+days",
    r"zahlbar\s+(?:innerhalb|binnen)\s+\d{1,3}\s+tag", r"\d{1,3}\s+tage\s+netto", r"\b\d{1,3}\s+jours\b",
    r"binnen\s+\d{1,3}\s+dagen", r"\d{1,3}\s+dagen\s+netto", r"due\s+(?:on|upon)\s+receipt", r"sofort\s+(?:zahlbar|f[äa]llig)",
]
SELLER_BLOCK = [r"verk[äa]ufer", r"seller", r"supplier", r"vendor", r"lieferant\b", r"fournisseur", r"leverancier",
                r"sprzedawca", r"from\s*:", r"issued\s+by", r"rechnungssteller"]
BUYER_BLOCK = [
    r"bill(?:ed)?\s+to", r"invoice\s+to", r"sold\s+to", r"customer\s*(?:name)?\s*:", r"k[äa]ufer", r"buyer",
    r"rechnungsempf[äa]nger", r"leistungsempf[äa]nger", r"factur[ée]\s+[àa]", r"client\s*:", r"adresse\s+de\s+facturation",
    r"nabywca", r"klant\s*:", r"to\s*:", r"kunde\s*:", r"ship\s+to", r"attn\s*:",
]
CURRENCY_LABEL = [r"w[äa]hrung", r"currency", r"devise", r"valuta", r"waluta", r"moneda"]
# Legal forms that mark a line as a company name.
LEGAL_FORMS = (
    r"\b(?:GmbH(?:\s*&\s*Co\.?\s*KG)?|AG|KG|OHG|e\.?\s?K\.|UG|B\.?V\.?|N\.?V\.?|Ltd\.?|Limited|LLC|L\.L\.C\.|Inc\.?|"
    r"Corp(?:oration)?\.?|PLC|LLP|S\.?A\.?S\.?|SARL|S\.?A\.?R\.?L\.?|S\.?A\.?|S\.?r\.?l\.?|S\.?p\.?A\.?|"
    r"Sp\.?\s*z\s*o\.?\s*o\.?|Oy|AB|A/S|ApS|AS|Pvt\.?\s*Ltd\.?|Co\.)(?=\W|$)"
)
