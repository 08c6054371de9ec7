"""What the SAP emulator does with a sales order: check a deep insert, price it, number it, render it.

A deep insert is checked the way SAP Gateway and SD would, in two passes:
  1. shape — every property must exist in the real $metadata, strings within MaxLength, Edm.Decimal as strings,
     Edm.DateTime as /Date(ms)/ (Gateway's technical exception /IWBEP/CX_MGW_TECH_EXCEPTION);
  2. business — sold-to and ship-to are known business partners, materials exist, payment terms exist, quantities
     are positive and whole where the unit takes no decimals, the requested delivery date is not in the past. Every finding goes into `errordetails`, the first one is the error's code and message.
The message texts follow SAP's wording; their numbers (V1/…) are the emulator's own, not a catalogue of SAP's.
The emulator does NOT refuse a second order with the same PurchaseOrderByCustomer — neither does SAP.

Pricing: a PR00 condition sent with the item wins (a manual price), else the PR00 condition record (customer-specific,
then the material's general one); K007/K004/K005 are percentage discounts (always applied as negative).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import quote

from django.db import transaction
from django.utils import timezone

from handoff_project.sandbox import store

from .mappers import format_odata_date, parse_odata_datetime
from .sandbox_odata import ODataError, bad_request, render, schema

SYSTEM = "sap"
ORDERS, PARTNERS, MATERIALS, PRICES, TERMS, COUNTERS, UNITS = (
    "sales_orders", "business_partners", "materials", "prices", "payment_terms", "counters", "units")
CENT = Decimal("0.01")
PERCENT_CONDITIONS = {"K004", "K005", "K007"}
PRICE_CONDITIONS = {"PR00", "PPR0"}
_NAVIGATIONS = {  # which navigations a deep insert may carry, and the entity type of their children
    "A_SalesOrderType": {"to_Item": "A_SalesOrderItemType", "to_Partner": "A_SalesOrderHeaderPartnerType"},
    "A_SalesOrderItemType": {"to_PricingElement": "A_SalesOrderItemPrElementType"},
    "A_SalesOrderHeaderPartnerType": {},
    "A_SalesOrderItemPrElementType": {},
}


def next_number(counter: str, start: int) -> int:
    """The next number of an SAP number range (handoff_project.sandbox.store.next_number). Call inside the
    transaction that stores the numbered object."""
    return store.next_number(SYSTEM, counter, start)


# ---- pass 1: shape -------------------------------------------------------------------------------------------------


def children(value, where: str) -> list:
    if isinstance(value, dict) and isinstance(value.get("results"), list):
        value = value["results"]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise bad_request(f"Navigation property {where} must be a list of entities or {{\"results\": [...]}}")
    return value


def check_shape(entity: dict, type_name: str, where: str = "A_SalesOrder") -> None:
    info = schema()[type_name]
    for name, value in entity.items():
        if name == "__metadata":
            continue
        if name in _NAVIGATIONS[type_name]:
            for child in children(value, f"{where}/{name}"):
                check_shape(child, _NAVIGATIONS[type_name][name], f"{where}/{name}")
            continue
        prop = info.properties.get(name)
        if prop is None:
            raise bad_request(f"Property '{name}' is invalid for {type_name}", details=[(
                "/IWBEP/CX_MGW_TECH_EXCEPTION", f"Property '{name}' is invalid", name)])
        if value is not None and not _fits(prop, value):
            raise bad_request(f"Property '{name}' has an invalid value: {value!r} ({prop['type']}"
                              f"{', MaxLength ' + str(prop['max_length']) if prop['max_length'] else ''})",
                              details=[("/IWBEP/CX_MGW_TECH_EXCEPTION", f"Invalid value for {name}", name)])


def _fits(prop: dict, value) -> bool:
    kind = prop["type"]
    if kind == "Edm.String":
        return isinstance(value, str) and (prop["max_length"] is None or len(value) <= prop["max_length"])
    if kind == "Edm.Decimal":  # OData V2 JSON: decimals are strings; a JSON number is refused
        return isinstance(value, str) and _decimal(value) is not None
    if kind in ("Edm.DateTime", "Edm.DateTimeOffset"):
        try:
            return isinstance(value, str) and parse_odata_datetime(value) is not None
        except ValueError:
            return False
    if kind == "Edm.Boolean":
        return isinstance(value, bool)
    return True


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


# ---- pass 2: business rules, pricing -------------------------------------------------------------------------------


def build_order(body: dict, *, user: str) -> dict:
    """The order SAP would save for this deep insert (without its number), or ODataError(400) with every finding."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be one A_SalesOrder entity")
    check_shape(body, "A_SalesOrderType")
    findings: list[tuple[str, str, str]] = []
    header = {k: v for k, v in body.items() if k not in ("to_Item", "to_Partner", "__metadata")}
    for name in ("SalesOrderType", "SalesOrganization", "DistributionChannel", "OrganizationDivision", "SoldToParty"):
        if not header.get(name):
            findings.append(("V1/201", f"Enter a value for {name}", name))
    sold_to = header.get("SoldToParty") or ""
    if sold_to and not store.get(SYSTEM, PARTNERS, sold_to):
        area = "/".join(header.get(k, "") for k in ("SalesOrganization", "DistributionChannel", "OrganizationDivision"))
        findings.append(("V1/302", f"Sold-to party {sold_to} is not defined for sales area {area}", "SoldToParty"))
    terms = header.get("CustomerPaymentTerms") or ""
    if terms and not store.get(SYSTEM, TERMS, terms):
        findings.append(("V1/123", f"Payment terms {terms} do not exist", "CustomerPaymentTerms"))
    partners = _partners(children(body.get("to_Partner", []), "to_Partner"), sold_to, findings)
    items = children(body.get("to_Item", []), "to_Item")
    if not items:
        findings.append(("V1/351", "Enter at least one item with a material", "to_Item"))
    today = timezone.localdate()
    header.setdefault("TransactionCurrency", "USD")
    header.setdefault("RequestedDeliveryDate", format_odata_date(today))
    requested = parse_odata_datetime(header["RequestedDeliveryDate"])
    if requested is not None and requested.date() < today:
        findings.append(("V1/521", f"The requested delivery date {requested.date():%m/%d/%Y} lies in the past",
                         "RequestedDeliveryDate"))
    priced = [_item(item, position, header, findings) for position, item in enumerate(items, 1)]
    numbers = [i["SalesOrderItem"] for i in priced]
    if len(set(numbers)) != len(numbers):
        findings.append(("V1/352", "Item numbers must be unique within the sales order", "SalesOrderItem"))
    if findings:
        code, message, _ = findings[0]
        raise ODataError(400, code, message, findings)
    now = timezone.now()
    header.update({
        "CreationDate": format_odata_date(today), "CreatedByUser": user[:12], "LastChangeDate": format_odata_date(today),
        "LastChangeDateTime": format_odata_date(now)[:-2] + "+0000)/", "SalesOrderDate": header.get("SalesOrderDate")
        or format_odata_date(today), "PricingDate": header.get("PricingDate") or format_odata_date(today),
        "TotalNetAmount": format(sum((Decimal(i["NetAmount"]) for i in priced), Decimal("0.00")), "f"),
        "OverallSDProcessStatus": "A", "OverallTotalDeliveryStatus": "A", "OverallSDDocumentRejectionSts": "A",
        "TotalCreditCheckStatus": "A",
    })
    return {**header, "items": priced, "partners": partners, "etag_time": now.isoformat()}


def _partners(given: list[dict], sold_to: str, findings: list) -> list[dict]:
    by_function = {"AG": {"PartnerFunction": "AG", "Customer": sold_to}}
    for partner in given:
        function = partner.get("PartnerFunction") or ""
        if not function:
            findings.append(("V1/305", "Enter the partner function of every partner", "PartnerFunction"))
            continue
        if function in ("WE", "RE", "RG", "AG") and partner.get("Customer") and not store.get(
                SYSTEM, PARTNERS, partner["Customer"]):
            label = {"WE": "Ship-to party", "RE": "Bill-to party", "RG": "Payer", "AG": "Sold-to party"}[function]
            findings.append(("V1/303", f"{label} {partner['Customer']} does not exist", "Customer"))
        if function == "AP" and not partner.get("ContactPerson"):
            findings.append(("V1/304", "Enter the contact person for partner function AP", "ContactPerson"))
        by_function[function] = dict(partner)
    for function in ("WE", "RE", "RG"):  # SAP proposes the sold-to for the partners not given
        by_function.setdefault(function, {"PartnerFunction": function, "Customer": sold_to})
    return [{"Customer": "", "Supplier": "", "Personnel": "", "ContactPerson": "", **p} for p in by_function.values()]


def _item(item: dict, position: int, header: dict, findings: list) -> dict:
    number = item.get("SalesOrderItem") or str(10 * position)
    material = store.get(SYSTEM, MATERIALS, item.get("Material") or "")
    if not item.get("Material"):
        findings.append(("V1/392", f"Item {number}: enter a material", "Material"))
    elif material is None:
        findings.append(("V1/392", f"Material {item['Material']} does not exist", "Material"))
    quantity = _decimal(item.get("RequestedQuantity"))
    if quantity is None or quantity <= 0:
        findings.append(("V1/450", f"Item {number}: the quantity must be greater than zero", "RequestedQuantity"))
        quantity = Decimal(0)
    unit = item.get("RequestedQuantityUnit") or (material or {}).get("BaseUnit", "PC")
    unit_record = store.get(SYSTEM, UNITS, unit)
    if unit_record is not None and quantity != quantity.to_integral_value() and not unit_record.get("Decimals"):
        findings.append(("V1/458", f"Item {number}: unit {unit} does not allow decimal places (quantity {quantity:f})",
                         "RequestedQuantity"))
    elements, net = price(item, quantity, unit, header)
    return {
        **{k: v for k, v in item.items() if k != "to_PricingElement"},
        "SalesOrderItem": number, "HigherLevelItem": "0", "SalesOrderItemCategory": "TAN",
        "SalesOrderItemText": item.get("SalesOrderItemText") or (material or {}).get("ProductDescription", "")[:40],
        "PurchaseOrderByCustomer": header.get("PurchaseOrderByCustomer", ""), "RequestedQuantityUnit": unit,
        "MaterialGroup": (material or {}).get("MaterialGroup", ""), "TransactionCurrency": header["TransactionCurrency"],
        "NetAmount": format(net, "f"), "PricingDate": header.get("PricingDate") or format_odata_date(timezone.localdate()),
        "CustomerPaymentTerms": header.get("CustomerPaymentTerms", ""), "SDProcessStatus": "A", "DeliveryStatus": "A",
        "pricing_elements": elements,
    }


def condition_record(material: str, customer: str, header: dict) -> dict | None:
    """The PR00 record SAP's access sequence would find: customer/material first, then material."""
    area = (header.get("SalesOrganization", ""), header.get("DistributionChannel", ""))
    candidates = [p for p in store.all_of(SYSTEM, PRICES)
                  if p["Material"] == material and (p["SalesOrganization"], p["DistributionChannel"]) == area
                  and p["ConditionType"] in PRICE_CONDITIONS and p["Customer"] in (customer, "")]
    candidates.sort(key=lambda p: (p["Customer"] == "", p["ConditionCurrency"] != header.get("TransactionCurrency")))
    return candidates[0] if candidates else None


def price(item: dict, quantity: Decimal, unit: str, header: dict) -> tuple[list[dict], Decimal]:
    given = children(item.get("to_PricingElement", []), "to_PricingElement")
    manual = next((e for e in given if e.get("ConditionType") in PRICE_CONDITIONS), None)
    source = manual or condition_record(item.get("Material", ""), header.get("SoldToParty", ""), header) or {}
    rate = _decimal(source.get("ConditionRateValue")) or Decimal(0)
    per = _decimal(source.get("ConditionQuantity")) or Decimal(1)
    currency = source.get("ConditionCurrency") or header["TransactionCurrency"]
    gross = (quantity * rate / per).quantize(CENT, ROUND_HALF_UP)
    elements = [_element("010", source.get("ConditionType", "PR00"), "C", quantity, rate, currency, per, unit, gross,
                         header, manual is not None, source.get("ConditionRecord", ""))]
    net = gross
    for step, element in enumerate((e for e in given if e.get("ConditionType") in PERCENT_CONDITIONS), start=2):
        percent = -abs(_decimal(element.get("ConditionRateValue")) or Decimal(0))
        amount = (gross * percent / 100).quantize(CENT, ROUND_HALF_UP)
        net += amount
        elements.append(_element(f"{step}0".zfill(3), element["ConditionType"], "A", gross, percent, "", Decimal(0), "",
                                 amount, header, True, ""))
    return elements, net


def _element(step, kind, calculation, base, rate, currency, per, unit, amount, header, manual, record) -> dict:
    return {
        "PricingProcedureStep": step, "PricingProcedureCounter": "001", "ConditionType": kind,
        "ConditionCalculationType": calculation, "ConditionBaseValue": format(base, "f"),
        "ConditionRateValue": format(rate.quantize(Decimal("1E-9")), "f"), "ConditionCurrency": currency,
        "ConditionQuantity": format(per.quantize(Decimal(1)), "f") if per else "0", "ConditionQuantityUnit": unit,
        "ConditionAmount": format(amount, "f"), "TransactionCurrency": header["TransactionCurrency"],
        "ConditionOrigin": "C" if manual else "A", "ConditionIsManuallyChanged": manual, "ConditionRecord": record,
    }


def save_new_order(order: dict) -> dict:
    """Number and store the order in one transaction (the number range row stays locked until commit)."""
    with transaction.atomic():
        number = str(next_number("sales_order", 1))
        order = {**order, "SalesOrder": number,
                 "items": [{**i, "SalesOrder": number} for i in order["items"]],
                 "partners": [{**p, "SalesOrder": number} for p in order["partners"]]}
        store.put(SYSTEM, ORDERS, number, order)
    return order


# ---- rendering -----------------------------------------------------------------------------------------------------


def etag(order: dict) -> str:
    moment = order.get("etag_time", "").replace("+00:00", "Z")
    return f"W/\"datetimeoffset'{quote(moment, safe='')}'\""


def flat(values: dict, type_name: str) -> dict:
    """Every property of the entity type, SAP's empty value where we hold nothing."""
    info = schema()[type_name]
    return {name: values.get(name, info.default(name)) for name in info.properties}


def render_order(order: dict, root: str, expand: list[list[str]], select=()) -> dict:
    uri = f"{root}A_SalesOrder('{order['SalesOrder']}')"
    values = flat(order, "A_SalesOrderType")

    def items(deeper):
        return "many", [render_item(order, i, root, deeper) for i in order["items"]]

    def partners(_deeper):
        return "many", [render(flat(p, "A_SalesOrderHeaderPartnerType"),
                               uri=f"{root}A_SalesOrderHeaderPartner(SalesOrder='{order['SalesOrder']}',"
                                   f"PartnerFunction='{p['PartnerFunction']}')",
                               type_name="API_SALES_ORDER_SRV.A_SalesOrderHeaderPartnerType",
                               properties=list(schema()["A_SalesOrderHeaderPartnerType"].properties),
                               navigations=_empty("A_SalesOrderHeaderPartnerType", {"to_SalesOrder"}), expand=[])
                        for p in order["partners"]]

    navigations = _empty("A_SalesOrderType", set())
    navigations.update({"to_Item": items, "to_Partner": partners})
    return render(values, uri=uri, type_name="API_SALES_ORDER_SRV.A_SalesOrderType", properties=list(values),
                  navigations=navigations, expand=expand, select=select, etag=etag(order))


def render_item(order: dict, item: dict, root: str, expand: list[list[str]]) -> dict:
    key = f"SalesOrder='{order['SalesOrder']}',SalesOrderItem='{item['SalesOrderItem']}'"
    uri = f"{root}A_SalesOrderItem({key})"

    def pricing(_deeper):
        type_name = "A_SalesOrderItemPrElementType"
        return "many", [render(flat({**e, "SalesOrder": order["SalesOrder"], "SalesOrderItem": item["SalesOrderItem"]},
                                    type_name),
                               uri=f"{root}A_SalesOrderItemPrElement({key},PricingProcedureStep="
                                   f"'{e['PricingProcedureStep']}',PricingProcedureCounter='001')",
                               type_name=f"API_SALES_ORDER_SRV.{type_name}",
                               properties=list(schema()[type_name].properties),
                               navigations=_empty(type_name, {"to_SalesOrder", "to_SalesOrderItem"}), expand=[])
                        for e in item["pricing_elements"]]

    navigations = _empty("A_SalesOrderItemType", {"to_SalesOrder"})
    navigations["to_PricingElement"] = pricing
    values = flat(item, "A_SalesOrderItemType")
    return render(values, uri=uri, type_name="API_SALES_ORDER_SRV.A_SalesOrderItemType", properties=list(values),
                  navigations=navigations, expand=expand)


def _empty(type_name: str, single: set[str]) -> dict:
    """Navigations this emulator keeps nothing under: empty collections (or null for a to-one)."""
    return {name: (lambda _d, one=name in single: ("one", None) if one else ("many", []))
            for name in schema()[type_name].navigations}
