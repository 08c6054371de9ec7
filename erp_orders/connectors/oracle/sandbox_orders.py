"""What the Oracle emulator does with a sales order: check a composite create, price it, number it, render it.

A POST to salesOrdersForOrderHub is checked the way ADF and Order Management would, in two passes:
  1. shape — every attribute must be one of the resource's (header, lines, billToCustomer, shipToCustomer), strings
     within their column length (JBO-27010), the required ones present (JBO-27014), numbers numeric, flags booleans;
  2. business — the source system and business unit are set up, the buying and ship-to parties exist, items, units
     of measure, payment terms and tax classification codes exist, quantities are positive and have no more decimals
     than the unit allows, no requested ship date lies before today, and the source order (SourceTransactionSystem +
     SourceTransactionId) is new — unless a higher SourceTransactionRevisionNumber makes it a revision.
Every finding goes into `o:errorDetails`. Message wording follows Order Management's style; the FOM- numbers are the
emulator's own (client.ERROR_CODES lists them), not a catalogue of Oracle's.

Pricing: with FreezePriceFlag true the line keeps the UnitSellingPrice (and UnitListPrice) the source sent; otherwise
the item's price comes from the customer's price list, then the general segment price list (sandbox_pricing).
ExtendedAmount = OrderedQuantity × UnitSellingPrice, rounded to cents. The whole order is stored in one database
transaction, as Oracle commits a composite create: all of it or nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from handoff_project.sandbox import store
from handoff_project.sandbox.models import SandboxRecord

from . import sandbox_pricing as pricing
from .mappers import MAX_LENGTH, oracle_datetime, parse_oracle_datetime, plain_number, to_decimal
from .sandbox_adf import AdfError, Node, bad_request

SYSTEM = "oracle"
ORDERS, PARTIES, ITEMS, UOMS, TERMS, TAXES, SETUP, COUNTERS, SOURCE_ORDERS = (
    "sales_orders", "parties", "items", "units_of_measure", "payment_terms", "tax_classifications", "setup",
    "counters", "source_orders")
CENT = Decimal("0.01")
HEADER = {"SourceTransactionNumber", "SourceTransactionSystem", "SourceTransactionId", "SourceTransactionRevisionNumber",
          "BusinessUnitId", "BusinessUnitName", "BuyingPartyId", "BuyingPartyName", "BuyingPartyNumber",
          "BuyingPartyContactId", "BuyingPartyContactName", "BuyingPartyContactNumber", "CustomerPONumber",
          "TransactionOn", "TransactionalCurrencyCode", "TransactionalCurrencyName", "TransactionTypeCode",
          "TransactionType", "RequestedShipDate", "RequestedArrivalDate", "RequestedFulfillmentOrganizationCode",
          "RequestedFulfillmentOrganizationId", "RequestedFulfillmentOrganizationName", "RequestingBusinessUnitId",
          "RequestingBusinessUnitName", "FreezePriceFlag", "FreezeShippingChargeFlag", "FreezeTaxFlag",
          "SubmittedFlag", "Comments", "PackingInstructions", "ShippingInstructions", "PartialShipAllowedFlag",
          "ShipsetFlag", "SalespersonId", "Salesperson"}
LINE = {"SourceTransactionLineId", "SourceTransactionLineNumber", "SourceTransactionScheduleId", "SourceScheduleNumber",
        "TransactionCategoryCode", "TransactionLineTypeCode", "ProductId", "ProductNumber", "ProductDescription",
        "OrderedQuantity", "OrderedUOMCode", "OrderedUOM", "UnitListPrice", "UnitSellingPrice", "RequestedShipDate",
        "RequestedArrivalDate", "PaymentTermsCode", "PaymentTerms", "TaxClassificationCode", "TaxClassification",
        "Comments", "CustomerPONumber", "CustomerPOLineNumber", "RequestedFulfillmentOrganizationCode",
        "RequestedFulfillmentOrganizationName", "ShipmentPriority", "FOBPoint", "FreightTerms",
        "ShippingInstructions", "PackingInstructions"}
SHIP_TO = {"PartyId", "PartyNumber", "PartyName", "SiteId", "ContactId", "ContactNumber", "ContactName", "AddressLine1",
           "AddressLine2", "City", "State", "PostalCode", "Country", "County", "Province"}
BILL_TO = {"CustomerAccountId", "AccountNumber", "PartyName", "SiteUseId", "ContactId", "ContactNumber", "ContactName",
           "AddressLine1", "City", "State", "PostalCode", "Country"}
CHILDREN = {"lines": LINE, "shipToCustomer": SHIP_TO, "billToCustomer": BILL_TO}
NUMBERS = {"HeaderId", "BusinessUnitId", "BuyingPartyId", "SourceTransactionRevisionNumber", "ChangeVersionNumber",
           "LineId", "LineNumber", "FulfillLineId", "FulfillLineNumber", "ProductId", "OrderedQuantity", "UnitListPrice",
           "UnitSellingPrice", "ExtendedAmount", "PartyId", "CustomerAccountId"}
FLAGS = {"FreezePriceFlag", "FreezeShippingChargeFlag", "FreezeTaxFlag", "SubmittedFlag", "PartialShipAllowedFlag",
         "ShipsetFlag"}
REQUIRED = ("SourceTransactionNumber", "SourceTransactionSystem", "SourceTransactionId", "BusinessUnitName",
            "BuyingPartyNumber", "TransactionalCurrencyCode")


def next_number(counter: str, start: int) -> int:
    """The next number of a number range (handoff_project.sandbox.store.next_number: no number is given twice)."""
    return store.next_number(SYSTEM, counter, start)


# ---- pass 1: shape -------------------------------------------------------------------------------------------------


def check_shape(entity: dict, allowed: set[str], where: str, findings: list) -> None:
    for name, value in entity.items():
        if name in CHILDREN and where == "":
            continue
        if name not in allowed:
            findings.append(("", f"The attribute {name} isn't valid for {where or 'the sales order'}.", f"{where}/{name}"))
        elif name in NUMBERS:
            if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)) or _number(value) is None:
                findings.append(("", f"The value {value!r} of attribute {name} isn't a number.", f"{where}/{name}"))
        elif name in FLAGS and not isinstance(value, bool):
            findings.append(("", f"The value {value!r} of attribute {name} must be true or false.", f"{where}/{name}"))
        elif name in MAX_LENGTH and isinstance(value, str) and len(value) > MAX_LENGTH[name]:
            findings.append(("JBO-27010", f"Attribute set with value {value} for {name} in {where or 'SalesOrder'} has "
                                          f"invalid precision/scale (at most {MAX_LENGTH[name]} characters).",
                             f"{where}/{name}"))


def _number(value) -> Decimal | None:
    try:
        return to_decimal(value)
    except ValueError:
        return None


def _rows(body: dict, accessor: str) -> list[dict]:
    value = body.get(accessor) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise bad_request(f"The child {accessor} must be a list of objects.", path=f"/{accessor}")
    return value


# ---- pass 2: business rules, pricing -------------------------------------------------------------------------------


def build_order(body: dict, *, user: str) -> dict:
    """The order Oracle would store for this create (without its numbers), or AdfError(400) with every finding."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be one salesOrdersForOrderHub resource item.")
    findings: list[tuple[str, str, str]] = []
    check_shape(body, HEADER, "", findings)
    children = {accessor: _rows(body, accessor) for accessor in CHILDREN}
    for accessor, rows in children.items():
        for index, row in enumerate(rows):
            check_shape(row, CHILDREN[accessor], f"/{accessor}/{index}", findings)
    if findings:
        raise AdfError(400, findings)
    # the store keeps JSON: a decimal number is kept as its string (typed() turns it back)
    header = {k: plain_number(v) if isinstance(v, Decimal) else v for k, v in body.items() if k not in CHILDREN}
    for name in REQUIRED:
        if header.get(name) in (None, ""):
            findings.append(("JBO-27014", f"Attribute {name} in SalesOrder is required.", f"/{name}"))
    if not children["lines"]:
        findings.append(("JBO-27014", "Attribute lines in SalesOrder is required: add at least one order line.", "/lines"))
    setup = store.get(SYSTEM, SETUP, "order_management") or {}
    system, unit = header.get("SourceTransactionSystem"), header.get("BusinessUnitName")
    if system and system not in setup.get("source_systems", []):
        findings.append(("FOM-1072050", f"The source system {system} isn't defined in Order Management. Define it in "
                                        "Manage Upstream and Fulfillment Source Systems.", "/SourceTransactionSystem"))
    if unit and unit not in setup.get("business_units", []):
        findings.append(("FOM-1072050", f"The business unit {unit} isn't valid for order management.", "/BusinessUnitName"))
    party = _party(header.get("BuyingPartyNumber"), "FOM-1072001", "buying party", "/BuyingPartyNumber", findings)
    currency = str(header.get("TransactionalCurrencyCode") or "")
    if currency and (len(currency) != 3 or not currency.isalpha() or not currency.isupper()):
        findings.append(("FOM-1072060", f"The currency {currency} isn't valid.", "/TransactionalCurrencyCode"))
    today = timezone.localdate()
    _not_in_past(header.get("RequestedShipDate"), today, "/RequestedShipDate", findings)
    ship_to = [_ship_to(row, i, findings) for i, row in enumerate(children["shipToCustomer"])]
    freeze = header.get("FreezePriceFlag") is True
    lines = [_line(row, i, header, freeze, today, findings) for i, row in enumerate(children["lines"])]
    keys = [line["SourceTransactionLineId"] for line in lines]
    if len(set(keys)) != len(keys):
        findings.append(("FOM-1072013", "Each order line needs its own SourceTransactionLineId.", "/lines"))
    if findings:
        raise AdfError(400, findings)
    now = timezone.now()
    header.setdefault("SourceTransactionRevisionNumber", 1)
    header.update({
        "BuyingPartyId": party["PartyId"], "BuyingPartyName": party["PartyName"], "CreatedBy": user,
        "CreationDate": oracle_datetime(now), "LastUpdateDate": oracle_datetime(now), "LastUpdatedBy": user,
        "TransactionOn": header.get("TransactionOn") or oracle_datetime(now), "ChangeVersionNumber": 1,
        "StatusCode": "OPEN" if header.get("SubmittedFlag") else "DOO_DRAFT",
        "Status": "Processing" if header.get("SubmittedFlag") else "Draft",
    })
    bill_to = {"AccountNumber": party.get("AccountNumber", party["PartyNumber"]), "PartyName": party["PartyName"],
               "City": party.get("City", ""), "Country": party.get("Country", "")}
    return {**header, "lines": lines, "billToCustomer": [bill_to],
            "shipToCustomer": ship_to or [{"PartyNumber": party["PartyNumber"], "PartyId": party["PartyId"],
                                           "PartyName": party["PartyName"]}]}


def _party(number, code: str, role: str, path: str, findings: list) -> dict:
    party = store.get(SYSTEM, PARTIES, str(number or "")) if number else None
    if number and party is None:
        findings.append((code, f"The {role} with party number {number} doesn't exist or isn't active.", path))
    return party or {"PartyId": None, "PartyName": "", "PartyNumber": str(number or "")}


def _ship_to(row: dict, index: int, findings: list) -> dict:
    party = _party(row.get("PartyNumber"), "FOM-1072002", "ship-to party", f"/shipToCustomer/{index}/PartyNumber",
                   findings)
    return {**row, "PartyId": party["PartyId"], "PartyName": party["PartyName"]}


def _not_in_past(value, today: dt.date, path: str, findings: list) -> None:
    try:
        moment = parse_oracle_datetime(value)
    except ValueError:
        findings.append(("", f"The value {value} of attribute {path.rsplit('/', 1)[-1]} isn't a date.", path))
        return
    if moment is not None and moment.date() < today:
        findings.append(("FOM-1072030", f"The requested ship date {moment.date():%m/%d/%Y} is in the past. Enter a "
                                        "date that's today or later.", path))


def _line(row: dict, index: int, header: dict, freeze: bool, today: dt.date, findings: list) -> dict:
    where = f"/lines/{index}"
    item = store.get(SYSTEM, ITEMS, str(row.get("ProductNumber") or "")) if row.get("ProductNumber") else None
    if not row.get("ProductNumber"):
        findings.append(("JBO-27014", "Attribute ProductNumber in OrderLine is required.", f"{where}/ProductNumber"))
    elif item is None:
        findings.append(("FOM-1072010", f"The item {row['ProductNumber']} isn't valid for the business unit "
                                        f"{header.get('BusinessUnitName', '')}.", f"{where}/ProductNumber"))
    quantity = _number(row.get("OrderedQuantity"))
    if quantity is None or quantity <= 0:
        findings.append(("FOM-1072013", f"The ordered quantity of line {index + 1} must be greater than zero.",
                         f"{where}/OrderedQuantity"))
        quantity = Decimal(0)
    uom_code = row.get("OrderedUOMCode") or (item or {}).get("PrimaryUOMCode", "")
    uom = store.get(SYSTEM, UOMS, uom_code) if uom_code else None
    if uom_code and uom is None:
        findings.append(("FOM-1072011", f"The unit of measure {uom_code} isn't valid.", f"{where}/OrderedUOMCode"))
    elif uom is not None and -quantity.normalize().as_tuple().exponent > int(uom.get("DecimalPrecision", 0)):
        findings.append(("FOM-1072012", f"The quantity {plain_number(quantity)} has more decimal places than the unit "
                                        f"of measure {uom_code} allows ({uom.get('DecimalPrecision', 0)}). Enter a "
                                        "whole number.", f"{where}/OrderedQuantity"))
    terms = row.get("PaymentTerms")
    if terms and store.get(SYSTEM, TERMS, terms) is None:
        findings.append(("FOM-1072020", f"The payment terms {terms} aren't valid.", f"{where}/PaymentTerms"))
    tax = row.get("TaxClassificationCode")
    if tax and store.get(SYSTEM, TAXES, tax) is None:
        findings.append(("FOM-1072021", f"The tax classification code {tax} isn't valid.", f"{where}/TaxClassificationCode"))
    _not_in_past(row.get("RequestedShipDate"), today, f"{where}/RequestedShipDate", findings)
    selling, listed = _price(row, header, freeze, where, findings)
    number = index + 1
    return {
        **row, "SourceTransactionLineId": str(row.get("SourceTransactionLineId") or number), "LineNumber": number,
        "FulfillLineNumber": 1, "ProductId": (item or {}).get("ItemId"), "OrderedUOMCode": uom_code,
        "ProductDescription": row.get("ProductDescription") or (item or {}).get("ItemDescription", ""),
        "OrderedUOM": (uom or {}).get("UnitOfMeasure", ""), "OrderedQuantity": plain_number(quantity),
        "UnitListPrice": plain_number(listed), "UnitSellingPrice": plain_number(selling),
        "ExtendedAmount": format((quantity * selling).quantize(CENT, ROUND_HALF_UP), "f"),
        "TransactionCategoryCode": row.get("TransactionCategoryCode") or "ORDER", "StatusCode": "AWAIT_SHIP",
        "Status": "Awaiting Shipping",
    }


def _price(row: dict, header: dict, freeze: bool, where: str, findings: list) -> tuple[Decimal, Decimal]:
    given = _number(row.get("UnitSellingPrice"))
    if freeze and given is not None:
        return given, _number(row.get("UnitListPrice")) or given
    found = pricing.list_price(header.get("BuyingPartyNumber", ""), row.get("ProductNumber", ""),
                               header.get("TransactionalCurrencyCode", ""))
    if found is None and row.get("ProductNumber"):
        findings.append(("FOM-1072070", f"Pricing couldn't find a price for item {row['ProductNumber']} in "
                                        f"{header.get('TransactionalCurrencyCode', '')}.", f"{where}/UnitSellingPrice"))
    return (found or Decimal(0)), (found or Decimal(0))


# ---- storing -----------------------------------------------------------------------------------------------------


def save_order(order: dict) -> dict:
    """Number and store a new order, or revise the one this source order already is; refuse a duplicate."""
    key = f"{order['SourceTransactionSystem']}:{order['SourceTransactionId']}"
    with transaction.atomic():
        existing = SandboxRecord.objects.select_for_update().filter(system=SYSTEM, collection=SOURCE_ORDERS, key=key).first()
        if existing is not None:
            return _revise(store.get(SYSTEM, ORDERS, existing.data["HeaderId"]), order)
        header_id = str(next_number("header_id", 300000210000001))
        order = {**order, "HeaderId": header_id, "OrderNumber": str(next_number("order_number", 104501)),
                 "OrderKey": key}
        for line in order["lines"]:
            line["LineId"] = line["FulfillLineId"] = str(next_number("line_id", 300000210500001))
        try:
            with transaction.atomic():  # the unique key is the source order's identity, as in DOO_SOURCE_ORDERS
                SandboxRecord.objects.create(system=SYSTEM, collection=SOURCE_ORDERS, key=key, data={"HeaderId": header_id})
        except IntegrityError:
            raise _duplicate(order) from None
        store.put(SYSTEM, ORDERS, header_id, order)
    return order


def _revise(current: dict, order: dict) -> dict:
    revision = int(_number(order.get("SourceTransactionRevisionNumber")) or 1)
    if revision <= int(current.get("SourceTransactionRevisionNumber") or 1):
        raise _duplicate(order)
    lines = [{**line, "LineId": str(next_number("line_id", 300000210500001))} for line in order["lines"]]
    revised = {**order, "lines": [{**line, "FulfillLineId": line["LineId"]} for line in lines],
               **{k: current[k] for k in ("HeaderId", "OrderNumber", "OrderKey", "CreationDate", "CreatedBy")},
               "ChangeVersionNumber": int(current.get("ChangeVersionNumber", 1)) + 1}
    store.put(SYSTEM, ORDERS, current["HeaderId"], revised)
    return revised


def _duplicate(order: dict) -> AdfError:
    return AdfError(400, [("FOM-1072040", f"The source order {order['SourceTransactionId']} from source system "
                                          f"{order['SourceTransactionSystem']} already exists. To change it, send a "
                                          "higher SourceTransactionRevisionNumber.", "/SourceTransactionId")])


# ---- rendering -----------------------------------------------------------------------------------------------------


def typed(values: dict) -> dict:
    """Stored attributes with the numeric ones as numbers again (the store keeps Decimals as strings)."""
    return {k: (_number(v) if k in NUMBERS and v not in (None, "") else v) for k, v in values.items()}


def order_node(order: dict, root: str) -> Node:
    href = f"{root}salesOrdersForOrderHub/{order['HeaderId']}"
    header = typed({k: v for k, v in order.items() if k not in CHILDREN})
    lines = [Node(typed(line), f"{href}/child/lines/{line['LineId']}", "lines") for line in order["lines"]]
    parties = {accessor: [Node(typed(row), f"{href}/child/{accessor}/{i + 1}", accessor)
                          for i, row in enumerate(order.get(accessor) or [])]
               for accessor in ("billToCustomer", "shipToCustomer")}
    return Node(header, href, "salesOrdersForOrderHub", {"lines": lines, **parties})
