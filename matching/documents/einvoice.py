"""Structured e-invoices, read exactly: UBL 2.1 (Peppol BIS 3, EN 16931) Invoice and CreditNote, UN/CEFACT CII
D16B (EN 16931, XRechnung, Factur-X / ZUGFeRD 2.x) and ZUGFeRD 1.0 CrossIndustryDocument.

Elements are addressed by local name, so the namespace prefixes a sender chose do not matter. The mapping of each
field follows EN 16931's business terms (BT-1 invoice number, BT-106 line total, BT-109 total without VAT, BT-110
VAT total in the invoice currency, BT-112 total with VAT, BT-115 amount due, BT-13 purchase order reference, BT-20
payment terms, BT-31 seller VAT identifier). Every value read from the XML has confidence 0.99: it is what the
sender's system stated, not a guess.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from .model import ExtractedField, ExtractedInvoice, ExtractedLine, ExtractionError
from .normalize import collapse, parse_xml_date

XML_CONFIDENCE = 0.99
UBL_ROOTS = {"Invoice", "CreditNote"}
CII_ROOT, ZUGFERD1_ROOT = "CrossIndustryInvoice", "CrossIndustryDocument"


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def children(node: Element | None, name: str) -> list[Element]:
    return [c for c in node if local(c.tag) == name] if node is not None else []


def child(node: Element | None, path: str) -> Element | None:
    """Follow a '/'-separated path of local names, first match at each step."""
    for name in path.split("/"):
        found = children(node, name)
        if not found:
            return None
        node = found[0]
    return node


def text_at(node: Element | None, path: str) -> str:
    found = child(node, path)
    return collapse(found.text) if found is not None and found.text else ""


def decimal_at(node: Element | None, path: str) -> Decimal | None:
    value = text_at(node, path)
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def parse_root(data: bytes) -> Element:
    try:
        return ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise ExtractionError(f"The XML cannot be read: {exc}") from exc


def syntax_of(root: Element) -> str | None:
    name = local(root.tag)
    if name in UBL_ROOTS:
        return "ubl"
    if name == CII_ROOT:
        return "cii"
    if name == ZUGFERD1_ROOT:
        return "zugferd1"
    return None


def extract_xml(data: bytes, *, fmt_prefix: str = "") -> ExtractedInvoice:
    """Read a UBL or CII invoice; `fmt_prefix` names the container (e.g. 'facturx-pdf/')."""
    root = parse_root(data)
    syntax = syntax_of(root)
    if syntax == "ubl":
        fields, lines = _ubl(root)
    elif syntax in ("cii", "zugferd1"):
        fields, lines = _cii(root, zugferd1=syntax == "zugferd1")
    else:
        raise ExtractionError(
            f"This XML is a {local(root.tag)}, not an invoice in UBL 2.1 or UN/CEFACT CII; "
            "upload the invoice itself (Order-X purchase orders and other messages are not invoices)."
        )
    return ExtractedInvoice(
        format=f"{fmt_prefix}{syntax}",
        fields={name: ExtractedField(value, XML_CONFIDENCE, "xml") for name, value in fields.items()
                if value not in (None, "")},
        lines=tuple(lines),
    )


# ---- UBL 2.1 -------------------------------------------------------------------------------------------------------


def _ubl_party_name(party: Element | None) -> str:
    return text_at(party, "Party/PartyLegalEntity/RegistrationName") or text_at(party, "Party/PartyName/Name")


def _ubl_vat(party: Element | None) -> str:
    for scheme in children(child(party, "Party"), "PartyTaxScheme"):
        if text_at(scheme, "TaxScheme/ID").upper() in ("VAT", "") and text_at(scheme, "CompanyID"):
            return text_at(scheme, "CompanyID")
    return ""


def _ubl(root: Element) -> tuple[dict, list[ExtractedLine]]:
    credit = local(root.tag) == "CreditNote"
    currency = text_at(root, "DocumentCurrencyCode")
    totals = child(root, "LegalMonetaryTotal")
    tax_total = None
    for total in children(root, "TaxTotal"):
        amount = child(total, "TaxAmount")
        if amount is not None and (not currency or amount.get("currencyID", currency) == currency):
            tax_total = decimal_at(total, "TaxAmount")
            break
    due = parse_xml_date(text_at(root, "DueDate"))
    if due is None:
        for means in children(root, "PaymentMeans"):
            due = due or parse_xml_date(text_at(means, "PaymentDueDate"))
    supplier, customer = child(root, "AccountingSupplierParty"), child(root, "AccountingCustomerParty")
    fields = {
        "invoice_number": text_at(root, "ID"),
        "type_code": text_at(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode") or ("381" if credit else "380"),
        "issue_date": parse_xml_date(text_at(root, "IssueDate")),
        "due_date": due,
        "seller_name": _ubl_party_name(supplier),
        "seller_vat": _ubl_vat(supplier),
        "buyer_name": _ubl_party_name(customer),
        "currency": currency,
        "line_total": decimal_at(totals, "LineExtensionAmount"),
        "tax_basis_total": decimal_at(totals, "TaxExclusiveAmount"),
        "tax_total": tax_total,
        "grand_total": decimal_at(totals, "TaxInclusiveAmount"),
        "due_payable": decimal_at(totals, "PayableAmount"),
        "po_reference": text_at(root, "OrderReference/ID"),
        "payment_terms": text_at(root, "PaymentTerms/Note"),
    }
    lines = []
    for line in children(root, "CreditNoteLine" if credit else "InvoiceLine"):
        quantity = child(line, "CreditedQuantity" if credit else "InvoicedQuantity")
        price, base = decimal_at(line, "Price/PriceAmount"), decimal_at(line, "Price/BaseQuantity")
        lines.append(ExtractedLine(
            line_id=text_at(line, "ID"),
            description=text_at(line, "Item/Name") or text_at(line, "Item/Description"),
            quantity=_decimal(quantity.text) if quantity is not None else None,
            unit=quantity.get("unitCode", "") if quantity is not None else "",
            unit_price=price / base if price is not None and base not in (None, 0) else price,
            amount=decimal_at(line, "LineExtensionAmount"),
            product_code=text_at(line, "Item/SellersItemIdentification/ID"),
            po_line_reference=text_at(line, "OrderLineReference/LineID"),
            confidence=XML_CONFIDENCE,
        ))
    return fields, lines


# ---- CII (D16B and ZUGFeRD 1.0) ------------------------------------------------------------------------------------


def _cii(root: Element, *, zugferd1: bool) -> tuple[dict, list[ExtractedLine]]:
    if zugferd1:
        document, transaction = child(root, "HeaderExchangedDocument"), child(root, "SpecifiedSupplyChainTradeTransaction")
        agreement_name, settlement_name = "ApplicableSupplyChainTradeAgreement", "ApplicableSupplyChainTradeSettlement"
        summation_name = "SpecifiedTradeSettlementMonetarySummation"
    else:
        document, transaction = child(root, "ExchangedDocument"), child(root, "SupplyChainTradeTransaction")
        agreement_name, settlement_name = "ApplicableHeaderTradeAgreement", "ApplicableHeaderTradeSettlement"
        summation_name = "SpecifiedTradeSettlementHeaderMonetarySummation"
    agreement, settlement = child(transaction, agreement_name), child(transaction, settlement_name)
    summation = child(settlement, summation_name)
    currency = text_at(settlement, "InvoiceCurrencyCode")
    terms = children(settlement, "SpecifiedTradePaymentTerms")
    issued = child(document, "IssueDateTime/DateTimeString")
    fields = {
        "invoice_number": text_at(document, "ID"),
        "type_code": text_at(document, "TypeCode"),
        "issue_date": parse_xml_date(issued.text, issued.get("format")) if issued is not None else None,
        "due_date": _first_date(terms, "DueDateDateTime/DateTimeString"),
        "seller_name": text_at(agreement, "SellerTradeParty/Name"),
        "seller_vat": _cii_vat(child(agreement, "SellerTradeParty")),
        "buyer_name": text_at(agreement, "BuyerTradeParty/Name"),
        "currency": currency,
        "line_total": decimal_at(summation, "LineTotalAmount"),
        "tax_basis_total": decimal_at(summation, "TaxBasisTotalAmount"),
        "tax_total": _amount_in_currency(children(summation, "TaxTotalAmount"), currency),
        "grand_total": decimal_at(summation, "GrandTotalAmount"),
        "due_payable": decimal_at(summation, "DuePayableAmount"),
        "po_reference": text_at(agreement, "BuyerOrderReferencedDocument/IssuerAssignedID"),
        "payment_terms": " ".join(t for t in (text_at(term, "Description") for term in terms) if t),
    }
    return fields, [_cii_line(item, zugferd1) for item in children(transaction, "IncludedSupplyChainTradeLineItem")]


def _cii_line(item: Element, zugferd1: bool) -> ExtractedLine:
    agreement = child(item, "SpecifiedSupplyChainTradeAgreement" if zugferd1 else "SpecifiedLineTradeAgreement")
    delivery = child(item, "SpecifiedSupplyChainTradeDelivery" if zugferd1 else "SpecifiedLineTradeDelivery")
    settlement = child(item, "SpecifiedSupplyChainTradeSettlement" if zugferd1 else "SpecifiedLineTradeSettlement")
    summation = "SpecifiedTradeSettlementMonetarySummation" if zugferd1 else "SpecifiedTradeSettlementLineMonetarySummation"
    net = child(agreement, "NetPriceProductTradePrice")
    if net is None:  # an Element with no children is falsy, so no `or` here
        net = child(agreement, "GrossPriceProductTradePrice")
    price, basis = decimal_at(net, "ChargeAmount"), decimal_at(net, "BasisQuantity")
    quantity = child(delivery, "BilledQuantity")
    return ExtractedLine(
        line_id=text_at(item, "AssociatedDocumentLineDocument/LineID"),
        description=text_at(item, "SpecifiedTradeProduct/Name"),
        quantity=_decimal(quantity.text) if quantity is not None else None,
        unit=quantity.get("unitCode", "") if quantity is not None else "",
        unit_price=price / basis if price is not None and basis not in (None, 0) else price,
        amount=decimal_at(child(settlement, summation), "LineTotalAmount"),
        product_code=text_at(item, "SpecifiedTradeProduct/SellerAssignedID"),
        po_line_reference=text_at(agreement, "BuyerOrderReferencedDocument/LineID"),
        confidence=XML_CONFIDENCE,
    )


def _cii_vat(party: Element | None) -> str:
    registrations = children(party, "SpecifiedTaxRegistration")
    for registration in registrations:
        identifier = child(registration, "ID")
        if identifier is not None and identifier.get("schemeID", "").upper() == "VA":
            return collapse(identifier.text)
    return ""


def _amount_in_currency(nodes: list[Element], currency: str) -> Decimal | None:
    for node in nodes:
        if not currency or node.get("currencyID", currency) == currency:
            return _decimal(node.text)
    return _decimal(nodes[0].text) if nodes else None


def _first_date(nodes: list[Element], path: str):
    for node in nodes:
        found = child(node, path)
        if found is not None and found.text:
            return parse_xml_date(found.text, found.get("format"))
    return None


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(collapse(text)) if text and text.strip() else None
    except InvalidOperation:
        return None
