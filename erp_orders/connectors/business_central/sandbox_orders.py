"""Business Central's sales order rules as the emulator applies them: a header, then lines one by one, each checked,
priced and totalled the way BC does it, answered in BC's own error codes and texts.

Texts come from Microsoft's documentation (API v2.0 "Error Codes" page: "A customerNumber or a customerID must be
provided.", "The <table> does not exist. Identification fields and values: …", "The length of the string is …",
"You may not enter numbers manually…") and from BC's base application (codeunit 5402 Unit of Measure Management:
"The value 2.5 in field Quantity is of lower precision than expected…", raised when a quantity does not fit the
unit's Qty. Rounding Precision). A requested delivery date before the work date is refused with a dialog error in
BC's wording — standard BC accepts such a date; the emulator refuses it because the companies we serve do (an
extension's rule), and the pipeline heals it.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from handoff_project.sandbox import store

from . import sandbox_data as data
from .sandbox_query import BcError

HEADER_PROPERTIES = (
    "id", "number", "externalDocumentNumber", "orderDate", "postingDate", "customerId", "customerNumber",
    "customerName", "billToName", "billToCustomerId", "billToCustomerNumber", "shipToName", "shipToContact",
    "sellToAddressLine1", "sellToAddressLine2", "sellToCity", "sellToCountry", "sellToState", "sellToPostCode",
    "billToAddressLine1", "billToAddressLine2", "billToCity", "billToCountry", "billToState", "billToPostCode",
    "shipToAddressLine1", "shipToAddressLine2", "shipToCity", "shipToCountry", "shipToState", "shipToPostCode",
    "shortcutDimension1Code", "shortcutDimension2Code", "currencyId", "currencyCode", "pricesIncludeTax",
    "paymentTermsId", "shipmentMethodId", "salesperson", "partialShipping", "requestedDeliveryDate",
    "discountAmount", "discountAppliedBeforeTax", "totalAmountExcludingTax", "totalTaxAmount",
    "totalAmountIncludingTax", "fullyShipped", "status", "lastModifiedDateTime", "phoneNumber", "email",
)
LINE_PROPERTIES = (
    "id", "documentId", "sequence", "itemId", "accountId", "lineType", "lineObjectNumber", "description",
    "unitOfMeasureId", "unitOfMeasureCode", "quantity", "unitPrice", "discountAmount", "discountPercent",
    "discountAppliedBeforeTax", "amountExcludingTax", "taxCode", "taxPercent", "totalTaxAmount", "amountIncludingTax",
    "invoiceDiscountAllocation", "netAmount", "netTaxAmount", "netAmountIncludingTax", "shipmentDate",
    "shippedQuantity", "invoicedQuantity", "invoiceQuantity", "shipQuantity", "itemVariantId",
)
_HEADER_READ_ONLY = {"id", "customerName", "pricesIncludeTax", "totalAmountExcludingTax", "totalTaxAmount",
                     "totalAmountIncludingTax", "fullyShipped", "status", "lastModifiedDateTime"}
_TEXT_LIMITS = {"externalDocumentNumber": 35, "shipToName": 100, "shipToContact": 100, "shipToAddressLine1": 100,
                "shipToAddressLine2": 50, "shipToCity": 30, "shipToState": 30, "shipToPostCode": 20,
                "shipToCountry": 10, "phoneNumber": 30, "email": 80}
_CENT = Decimal("0.01")
ORDER_NUMBER_START = 101001


def _not_found(table: str, identification: str) -> BcError:
    return BcError(400, "Internal_RecordNotFound",
                   f"The {table} does not exist. Identification fields and values: {identification}")


def _check_properties(body, known, type_name: str) -> None:
    if not isinstance(body, dict):
        raise BcError(400, "BadRequest", "Invalid Request Body")
    for name in body:
        if name.startswith("@odata."):
            continue
        if name not in known:
            raise BcError(400, "BadRequest", f"The property '{name}' does not exist on type 'Microsoft.NAV."
                          f"{type_name}'. Make sure to only use property names that are defined by the type.")


def _text(body: dict, name: str) -> str:
    value = str(body.get(name) or "")
    limit = _TEXT_LIMITS.get(name)
    if limit and len(value) > limit:
        raise BcError(400, "Application_StringExceededLength", f"The length of the string is {len(value)}, but it "
                      f"must be less than or equal to {limit} characters. Value: {value}")
    return value


def _date(value) -> dt.date | None:
    if value in (None, "", data.EMPTY_DATE):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise BcError(400, "BadRequest", "Unable to convert value to Date") from None


def _decimal(value, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise BcError(400, "BadRequest", f"Cannot convert the literal '{value}' to the expected type 'Edm.Decimal' "
                      f"of property '{name}'.") from None


def _shown_date(day: dt.date) -> str:
    return day.strftime("%m/%d/%Y")  # the US company's date format in messages


def _check_requested_date(value) -> str:
    requested, today = _date(value), timezone.localdate()
    if requested and requested < today:
        raise BcError(400, "Application_DialogException", f"Requested Delivery Date {_shown_date(requested)} is "
                      f"before the work date {_shown_date(today)}.")
    return requested.isoformat() if requested else data.EMPTY_DATE


def new_etag() -> str:
    inner = f"'20;{secrets.randbelow(10 ** 19):019d}1;00;'"
    return f'W/"{base64.b64encode(inner.encode()).decode()}"'


def next_order_number() -> str:
    """S-ORD101001, S-ORD101002, …: the row lock makes concurrent creates wait, so no number is given twice."""
    return f"S-ORD{store.next_number(data.SYSTEM, 'sales_order', ORDER_NUMBER_START)}"


# ---- the header ----------------------------------------------------------------------------------------------------


def create_header(body) -> dict:
    """Check a POST salesOrders body, fill BC's defaults from the customer, number it and store it."""
    _check_properties(body, HEADER_PROPERTIES, "salesOrder")
    if body.get("number"):
        raise BcError(400, "Application_DialogException", "You may not enter numbers manually. If you want to enter "
                      "numbers manually, please activate Manual Nos. in No. Series S-ORD.")
    for name in _HEADER_READ_ONLY & set(body):
        raise BcError(400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only")
    customer = _customer(body)
    today = timezone.localdate().isoformat()
    order = {name: "" for name in HEADER_PROPERTIES}
    order.update({
        "id": str(uuid.uuid4()), "orderDate": str(_date(body.get("orderDate")) or today), "postingDate": today,
        "customerId": customer["id"], "customerNumber": customer["number"], "customerName": customer["displayName"],
        "billToName": customer["displayName"], "billToCustomerId": customer["id"],
        "billToCustomerNumber": customer["number"], "shipToName": customer["displayName"],
        **{f"{part}{suffix}": customer.get(source, "") for part in ("sellTo", "billTo", "shipTo")
           for suffix, source in (("AddressLine1", "addressLine1"), ("AddressLine2", "addressLine2"),
                                  ("City", "city"), ("Country", "country"), ("State", "state"),
                                  ("PostCode", "postalCode"))},
        "currencyId": data.NO_GUID, "currencyCode": _currency(body.get("currencyCode")), "pricesIncludeTax": False,
        "paymentTermsId": _payment_terms(body.get("paymentTermsId"), customer), "shipmentMethodId": data.NO_GUID,
        "partialShipping": True, "requestedDeliveryDate": _check_requested_date(body.get("requestedDeliveryDate")),
        "discountAppliedBeforeTax": True, "fullyShipped": True, "status": "Draft",
        "externalDocumentNumber": _text(body, "externalDocumentNumber"),
    })
    for name in _TEXT_LIMITS:
        if name in body:
            order[name] = _text(body, name)
    order.update({"salesOrderLines": [], "_etag": new_etag(), "lastModifiedDateTime": data.now_iso()})
    _total(order)
    with transaction.atomic():
        order["number"] = next_order_number()
        data.put(data.ORDERS, order["id"], order)
    return order


def update_header(order: dict, body) -> dict:
    """PATCH salesOrders({id}): the writable header fields the connector changes (reference, dates, ship-to)."""
    _check_properties(body, HEADER_PROPERTIES, "salesOrder")
    for name, value in body.items():
        if name.startswith("@odata."):
            continue
        if name == "requestedDeliveryDate":
            order[name] = _check_requested_date(value)
        elif name in _TEXT_LIMITS:
            order[name] = _text(body, name)
        else:
            raise BcError(400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only")
    return save(order)


def save(order: dict) -> dict:
    order["_etag"], order["lastModifiedDateTime"] = new_etag(), data.now_iso()
    _total(order)
    data.put(data.ORDERS, order["id"], order)
    return order


def _customer(body: dict) -> dict:
    number, customer_id = str(body.get("customerNumber") or ""), str(body.get("customerId") or "")
    if not number and not customer_id:
        raise BcError(400, "Application_DialogException", "A customerNumber or a customerID must be provided.")
    customer = data.record(data.CUSTOMERS, number.upper()) if number else data.by_id(data.CUSTOMERS, customer_id)
    if customer is None:
        raise _not_found("Customer", f"No.='{number}'" if number else f"SystemId='{{{customer_id}}}'")
    return customer


def _currency(code) -> str:
    code = str(code or "").upper()
    if code and code != data.LOCAL_CURRENCY:
        raise _not_found("Currency", f"Code='{code}'")
    return data.LOCAL_CURRENCY  # the API shows the local currency's code for a blank Currency Code


def _payment_terms(terms_id, customer: dict) -> str:
    if not terms_id:
        return customer.get("paymentTermsId") or data.NO_GUID
    try:
        terms_id = str(uuid.UUID(str(terms_id)))
    except ValueError:
        raise BcError(400, "Application_InvalidGUID", "Invalid format of GUID string. The correct format of the GUID "
                      "string is: CDEF7890-ABCD-0123-1234-567890ABCDEF where 0-9, A-F symbolizes hexadecimal "
                      "digits.") from None
    if data.by_id(data.TERMS, terms_id) is None:
        raise _not_found("Payment Terms", f"SystemId='{{{terms_id}}}'")
    return terms_id


# ---- lines -----------------------------------------------------------------------------------------------------------


def add_line(order: dict, body) -> dict:
    """Check a POST salesOrderLines body against the item, its unit and the tax group; price, total and store it."""
    _check_properties(body, LINE_PROPERTIES, "salesOrderLine")
    kind = str(body.get("lineType") or "Item")
    if kind not in ("Item", "Comment"):
        raise BcError(400, "Application_EvaluateException", f'The value "{kind}" cannot be evaluated into type '
                      "Option.")
    line = {name: "" for name in LINE_PROPERTIES}
    line.update({"id": str(uuid.uuid4()), "documentId": order["id"], "sequence": 10000 * (len(order["salesOrderLines"]) + 1),
                 "lineType": kind, "itemId": data.NO_GUID, "accountId": data.NO_GUID, "unitOfMeasureId": data.NO_GUID,
                 "itemVariantId": data.NO_GUID, "discountAppliedBeforeTax": False, "_etag": new_etag()})
    if kind == "Item":
        line.update(_item_line(order, body))
    else:
        line["description"] = str(body.get("description") or "")
    order["salesOrderLines"].append(line)
    save(order)  # adding a line changes the header's totals, so its etag
    return line


def _item_line(order: dict, body: dict) -> dict:
    number, item_id = str(body.get("lineObjectNumber") or ""), str(body.get("itemId") or "")
    item = data.record(data.ITEMS, number.upper()) if number else data.by_id(data.ITEMS, item_id)
    if item is None:
        raise _not_found("Item", f"No.='{number}'")
    unit_code = str(body.get("unitOfMeasureCode") or item["baseUnitOfMeasureCode"]).upper()
    unit = data.record(data.UNITS, unit_code)
    if unit is None or unit_code != item["baseUnitOfMeasureCode"]:
        raise _not_found("Item Unit of Measure", f"Item No.='{item['number']}',Code='{unit_code}'")
    quantity = _decimal(body.get("quantity", 0), "quantity")
    if quantity != quantity.quantize(Decimal(1).scaleb(-int(unit["_decimals"]))):
        raise BcError(400, "Application_DialogException", f"The value {quantity.normalize():f} in field Quantity is of "
                      "lower precision than expected. Note: Default rounding precision of 0.00001 is used if a "
                      "rounding precision is not defined.")
    tax_code = str(body.get("taxCode") or item.get("taxGroupCode") or "").upper()
    tax = data.record(data.TAX_GROUPS, tax_code) if tax_code else None
    if tax_code and tax is None:
        raise _not_found("Tax Group", f"Code='{tax_code}'")
    price = (_decimal(body["unitPrice"], "unitPrice") if body.get("unitPrice") not in (None, "")
             else _list_or_customer_price(order["customerNumber"], item))
    discount = _decimal(body.get("discountPercent") or 0, "discountPercent")
    gross = (quantity * price).quantize(_CENT, ROUND_HALF_UP)
    net = (gross * (100 - discount) / 100).quantize(_CENT, ROUND_HALF_UP)
    rate = data.decimal(tax["_rate"]) if tax else Decimal(0)
    tax_amount = (net * rate / 100).quantize(_CENT, ROUND_HALF_UP)
    shipment = order["requestedDeliveryDate"] if order["requestedDeliveryDate"] != data.EMPTY_DATE else order["orderDate"]
    return {
        "itemId": item["id"], "lineObjectNumber": item["number"],
        "description": str(body.get("description") or item["displayName"]), "unitOfMeasureId": unit["id"],
        "unitOfMeasureCode": unit_code, "quantity": quantity, "unitPrice": price, "discountAmount": gross - net,
        "discountPercent": discount, "amountExcludingTax": net, "taxCode": tax_code, "taxPercent": rate,
        "totalTaxAmount": tax_amount, "amountIncludingTax": net + tax_amount, "invoiceDiscountAllocation": 0,
        "netAmount": net, "netTaxAmount": tax_amount, "netAmountIncludingTax": net + tax_amount,
        "shipmentDate": shipment, "shippedQuantity": 0, "invoicedQuantity": 0, "invoiceQuantity": quantity,
        "shipQuantity": quantity,
    }


def _list_or_customer_price(customer: str, item: dict) -> Decimal:
    """No unitPrice sent: the customer's price list line (lowest, blank currency) else the item's unit price."""
    prices = [data.decimal(line["Unit_Price"]) for line in data.records(data.PRICE_LINES)
              if (line["SourceType"], line["SourceNo"], line["Asset_No"], line["CurrencyCode"])
              == ("Customer", customer, item["number"], "")]
    return min(prices) if prices else data.decimal(item["unitPrice"])


def _total(order: dict) -> None:
    lines = [line for line in order.get("salesOrderLines", []) if line.get("lineType") == "Item"]
    net = sum((data.decimal(line["amountExcludingTax"]) for line in lines), Decimal("0"))
    tax = sum((data.decimal(line["totalTaxAmount"]) for line in lines), Decimal("0"))
    order.update({"discountAmount": Decimal(0), "totalAmountExcludingTax": net, "totalTaxAmount": tax,
                  "totalAmountIncludingTax": net + tax, "fullyShipped": not lines})


# ---- rendering -------------------------------------------------------------------------------------------------------


def render_line(line: dict) -> dict:
    return {"@odata.etag": line["_etag"], **{k: v for k, v in data.public(line).items() if k in LINE_PROPERTIES}}


def render_order(order: dict, *, lines: bool = False) -> dict:
    shown = {"@odata.etag": order["_etag"],
             **{k: v for k, v in data.public(order).items() if k in HEADER_PROPERTIES}}
    if lines:
        shown["salesOrderLines"] = [render_line(line) for line in order.get("salesOrderLines", [])]
    return shown
