"""The Business Central emulator's master data: one company with customers, items, payment terms, units of measure,
tax groups and a sales price list, stored in the API v2.0 shapes (handoff_project.sandbox.store).

`seed_master_data` takes the ERP-neutral demo seed (handoff_project/demo/erp_world.py: master_data) and is
idempotent: records keep their GUIDs (derived from the number or code) and are updated in place. Values BC keeps
but the API does not show (a unit's quantity rounding precision, a tax group's rate) are stored under keys starting
with "_" and never rendered. Decimals are stored as strings (the JSON field would make floats of numbers) and become
JSON numbers again when rendered (`public`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from handoff_project.sandbox import store
from handoff_project.sandbox.models import SandboxRecord

from .mappers import EMPTY_DATE

SYSTEM = "business_central"
CUSTOMERS, ITEMS, TERMS, UNITS, TAX_GROUPS = "customers", "items", "payment_terms", "units_of_measure", "tax_groups"
PRICE_LINES, ORDERS, COUNTERS, TOKENS = "price_list_lines", "sales_orders", "counters", "access_tokens"
LOCAL_CURRENCY = "USD"
COMPANY_NAME = "CRONUS USA, Inc."
PRICE_LIST = "S00001"
NO_GUID = "00000000-0000-0000-0000-000000000000"
_NAMESPACE = uuid.UUID("5c3d6f0e-8a41-4b8e-9d7a-2f6b1c0e9a53")
# Properties that are Edm.Decimal in the API (stored as strings, rendered as numbers).
DECIMALS = frozenset({
    "unitPrice", "unitCost", "inventory", "quantity", "discountAmount", "discountPercent", "amountExcludingTax",
    "taxPercent", "totalTaxAmount", "amountIncludingTax", "invoiceDiscountAllocation", "netAmount", "netTaxAmount",
    "netAmountIncludingTax", "shippedQuantity", "invoicedQuantity", "invoiceQuantity", "shipQuantity",
    "totalAmountExcludingTax", "totalAmountIncludingTax", "Unit_Price", "Minimum_Quantity", "Line_Discount_Percent",
})


def guid(kind: str, key: str) -> str:
    """A stable GUID per record, so seeding twice keeps every id."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


def now_iso() -> str:
    return timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def company() -> dict:
    return {"id": settings.BUSINESS_CENTRAL_COMPANY_ID, "systemVersion": "25.1.27498.0", "name": COMPANY_NAME,
            "displayName": COMPANY_NAME, "businessProfileId": ""}


def general_ledger_setup() -> dict:
    return {"id": guid("generalLedgerSetup", "1"), "allowPostingFrom": EMPTY_DATE, "allowPostingTo": EMPTY_DATE,
            "additionalReportingCurrency": "", "localCurrencyCode": LOCAL_CURRENCY, "localCurrencySymbol": "$",
            "lastModifiedDateTime": now_iso()}


def records(collection: str) -> list[dict]:
    return store.all_of(SYSTEM, collection)


def record(collection: str, key: str) -> dict | None:
    return store.get(SYSTEM, collection, key)


def by_id(collection: str, record_id: str) -> dict | None:
    found = [r for r in records(collection) if r.get("id") == record_id]
    return found[0] if found else None


def public(data: dict) -> dict:
    """A stored record as the API shows it: without the hidden values, decimals as Decimal (JSON numbers)."""
    return {k: (Decimal(v) if k in DECIMALS and isinstance(v, str) else v)
            for k, v in data.items() if not k.startswith("_")}


def decimal(value) -> Decimal:
    return Decimal(str(value if value not in (None, "") else 0))


def put(collection: str, key: str, data: dict) -> dict:
    """Store a record, every Decimal (also in lists of lines) as its exact string."""
    return store.put(SYSTEM, collection, key, storable(data))


def storable(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def seed_master_data(data: dict) -> dict:
    """Load handoff_project.demo.erp_world.master_data("business_central"); returns how many of each it holds."""
    if not isinstance(data, dict):
        raise ValueError("master data must be a JSON object")
    unknown = set(data) - {"customers", "items", "customer_prices", "payment_terms", "tax_codes", "units", "reset"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    with transaction.atomic():
        if data.get("reset"):
            SandboxRecord.objects.filter(system=SYSTEM).exclude(collection__in=(COUNTERS, TOKENS)).delete()
        for unit in data.get("units") or []:
            _seed_unit(unit)
        for terms in data.get("payment_terms") or []:
            _seed_terms(terms)
        for tax in data.get("tax_codes") or []:
            _seed_tax_group(tax)
        for customer in data.get("customers") or []:
            _seed_customer(customer)
        for item in data.get("items") or []:
            _seed_item(item)
        for price in data.get("customer_prices") or []:
            _seed_customer_price(price)
    return {name: store.count(SYSTEM, name) for name in (CUSTOMERS, ITEMS, TERMS, UNITS, TAX_GROUPS, PRICE_LINES,
                                                         ORDERS)}


def _code(record_in: dict, field: str, max_length: int) -> str:
    value = str(record_in.get(field, "")).strip()
    if not value or len(value) > max_length:
        raise ValueError(f"{field} must be 1 to {max_length} characters, got {value!r}")
    return value


def _seed_unit(unit: dict) -> None:
    code = _code(unit, "id", 10).upper()
    put(UNITS, code, {"id": guid("unitOfMeasure", code), "code": code, "displayName": unit.get("name", code),
                      "internationalStandardCode": "", "symbol": "", "lastModifiedDateTime": now_iso(),
                      "_decimals": int(unit.get("decimals", 0))})


def _seed_terms(terms: dict) -> None:
    code = _code(terms, "id", 10).upper()
    put(TERMS, code, {"id": guid("paymentTerm", code), "code": code, "displayName": terms.get("name", code),
                      "dueDateCalculation": f"{int(terms.get('days', 0))}D", "discountDateCalculation": "",
                      "discountPercent": 0, "calculateDiscountOnCreditMemos": False,
                      "lastModifiedDateTime": now_iso()})


def _seed_tax_group(tax: dict) -> None:
    code = _code(tax, "id", 20).upper()
    put(TAX_GROUPS, code, {"id": guid("taxGroup", code), "code": code, "displayName": tax.get("name", code),
                           "taxType": "Sales Tax" if tax.get("country") == "US" else "VAT",
                           "lastModifiedDateTime": now_iso(), "_rate": decimal(tax.get("rate"))})


def _seed_customer(customer: dict) -> None:
    number = _code(customer, "id", 20).upper()
    currency = str(customer.get("currency") or LOCAL_CURRENCY).upper()
    put(CUSTOMERS, number, {
        "id": guid("customer", number), "number": number, "displayName": customer.get("name", number),
        "type": "Company", "addressLine1": customer.get("street", ""), "addressLine2": "",
        "city": customer.get("city", ""), "state": customer.get("region", ""), "country": customer.get("country", ""),
        "postalCode": customer.get("postal_code", ""), "phoneNumber": "", "email": "", "website": "",
        "taxLiable": customer.get("country") == "US", "taxRegistrationNumber": customer.get("vat_id", ""),
        "currencyId": NO_GUID, "currencyCode": "" if currency == LOCAL_CURRENCY else currency,
        "paymentTermsId": NO_GUID, "shipmentMethodId": NO_GUID, "paymentMethodId": NO_GUID, "blocked": " ",
        "lastModifiedDateTime": now_iso()})


def _seed_item(item: dict) -> None:
    number = _code(item, "id", 20).upper()
    unit = str(item.get("unit") or "PCS").upper()
    put(ITEMS, number, {
        "id": guid("item", number), "number": number, "displayName": item.get("description", number),
        "type": "Inventory" if str(item.get("group", "")).startswith("HW") else "Service",
        "itemCategoryId": NO_GUID, "itemCategoryCode": item.get("group", ""), "blocked": False, "gtin": "",
        "inventory": 0, "unitPrice": decimal(item.get("price")), "priceIncludesTax": False,
        "unitCost": decimal(item.get("cost")), "taxGroupId": NO_GUID, "taxGroupCode": "",
        "baseUnitOfMeasureId": guid("unitOfMeasure", unit), "baseUnitOfMeasureCode": unit,
        "lastModifiedDateTime": now_iso()})


def _seed_customer_price(price: dict) -> None:
    customer, item = _code(price, "customer", 20).upper(), _code(price, "item", 20).upper()
    currency = str(price.get("currency") or LOCAL_CURRENCY).upper()
    key = f"{customer}|{item}|{currency}"
    existing = record(PRICE_LINES, key)
    line_no = existing["Line_No"] if existing else 10000 * (store.count(SYSTEM, PRICE_LINES) + 1)
    stored_item = record(ITEMS, item) or {}
    put(PRICE_LINES, key, {
        "Price_List_Code": PRICE_LIST, "Line_No": line_no, "SourceType": "Customer", "SourceNo": customer,
        "CurrencyCode": "" if currency == LOCAL_CURRENCY else currency, "StartingDate": EMPTY_DATE,
        "EndingDate": EMPTY_DATE, "Asset_Type": "Item", "Asset_No": item, "Product_No": item,
        "Description": stored_item.get("displayName", ""), "Variant_Code": "",
        "Unit_of_Measure_Code": stored_item.get("baseUnitOfMeasureCode", ""), "Minimum_Quantity": 0,
        "Amount_Type": "Price", "Unit_Price": decimal(price.get("price")), "Allow_Line_Disc": True,
        "Line_Discount_Percent": 0, "Allow_Invoice_Disc": True, "PriceIncludesVAT": False})
