"""What the NetSuite emulator holds and how it saves a sales order: master data in NetSuite's record shapes, the
validation NetSuite does on submit, pricing, tax and numbering. HTTP lives in sandbox.py.

Records (handoff_project.sandbox.store, system "netsuite"): customers (with their itemPricing sublist), items (typed:
inventoryItem for hardware groups, serviceSaleItem for services, nonInventorySaleItem otherwise, each with its
price sublist), currencies, terms, units, tax codes (salesTaxItem), sales orders, and the external ids taken.
Numbers are stored as strings and rendered as JSON numbers (mappers.to_json).

Emulation choices, where no NetSuite document says what NetSuite answers:
  * a unit of measure carries `decimals` (0 = whole quantities only) and a fractional quantity for it is refused
    with a USER_ERROR; so is a ship date before today. Standard NetSuite accepts both unless a script or workflow
    of the account forbids them; the emulator refuses them (with messages of its own) so that the pipeline's
    self-healing meets the refusal it has to heal;
  * tax is determined the SuiteTax way, from the customer's country (and region, when a tax code names one), not
    taken from the request;
  * tranId is "SO" + a running number; internal ids of transactions run from 7001.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from handoff_project.sandbox import store
from handoff_project.sandbox.models import SandboxRecord

from .mappers import BASE_PRICE_LEVEL, CUSTOM_PRICE_LEVEL, EXTERNAL_ID, ref_id

SYSTEM = "netsuite"
CUSTOMERS, ITEMS, CURRENCIES, TERMS, UNITS, TAX_CODES = "customers", "items", "currencies", "terms", "units", "tax_codes"
ORDERS, EXTERNAL_IDS, NONCES = "sales_orders", "external_ids", "nonces"
# NetSuite's own currency records in a US account, in the order it creates them; USD (1) is the base currency.
KNOWN_CURRENCIES = (("USD", "USA"), ("GBP", "British pound"), ("CAD", "Canadian Dollar"), ("EUR", "Euro"))
CENT = Decimal("0.01")


class Refused(Exception):
    """NetSuite refused the request; `details` are o:errorDetails entries, `status` the HTTP status."""

    def __init__(self, status: int, *details: dict):
        super().__init__("; ".join(d["detail"] for d in details))
        self.status, self.details = status, list(details)


def error(code: str, detail: str, path: str = "") -> dict:
    entry = {"detail": detail, "o:errorCode": code}
    if path:
        entry["o:errorPath"] = path
    return entry


def invalid_reference(value, path: str) -> dict:
    """Oracle's documented answer to a reference that does not exist ("Error Handling in REST Web Services")."""
    field = path.rpartition(".")[2]
    return error("INVALID_CONTENT", f"Error while accessing resource: You have entered an Invalid Field Value {value} "
                                    f"for the following field: {field}", path)


# ---- master data -----------------------------------------------------------------------------------------------


def seed_master_data(data: dict) -> dict:
    """Load handoff_project.demo.erp_world.master_data("netsuite") into NetSuite's shapes; idempotent (same ids are
    updated). `reset: true` forgets everything first (number ranges keep counting). Returns what it holds."""
    if not isinstance(data, dict):
        raise ValueError("master data must be a JSON object")
    known = {"customers", "items", "customer_prices", "payment_terms", "tax_codes", "units", "reset"}
    if set(data) - known:
        raise ValueError(f"unknown keys {sorted(set(data) - known)}; use {', '.join(sorted(known))}")
    with transaction.atomic():
        if data.get("reset"):
            SandboxRecord.objects.filter(system=SYSTEM).exclude(collection=store.COUNTERS).delete()
        for code, _name in KNOWN_CURRENCIES:
            _currency_id(code)
        for terms in data.get("payment_terms") or []:
            store.put(SYSTEM, TERMS, _id(terms), {"id": _id(terms), "name": terms.get("name", ""),
                                                    "daysUntilNetDue": int(terms.get("days") or 0)})
        for unit in data.get("units") or []:
            store.put(SYSTEM, UNITS, _id(unit), {"id": _id(unit), "unitName": unit.get("name", ""),
                                                  "decimals": int(unit.get("decimals", 0))})
        for tax in data.get("tax_codes") or []:
            store.put(SYSTEM, TAX_CODES, _id(tax), {"id": _id(tax), "itemId": tax.get("name", ""),
                                                     "country": tax.get("country", ""), "region": tax.get("region", ""),
                                                     "rate": str(_number(tax.get("rate") or 0, "rate"))})
        for customer in data.get("customers") or []:
            _seed_customer(customer)
        for item in data.get("items") or []:
            _seed_item(item)
        for price in data.get("customer_prices") or []:
            _seed_customer_price(price)
    return {name: store.count(SYSTEM, name) for name in (CUSTOMERS, ITEMS, TERMS, UNITS, TAX_CODES, ORDERS)}


def _seed_customer(customer: dict) -> None:
    key = _id(customer)
    existing = store.get(SYSTEM, CUSTOMERS, key) or {}
    address = ", ".join(p for p in (customer.get("street"), customer.get("city"), customer.get("region"),
                                    customer.get("postal_code"), customer.get("country")) if p)
    store.put(SYSTEM, CUSTOMERS, key, {
        "id": key, "entityId": f"CUST{key}", "companyName": customer.get("name", ""), "isPerson": False,
        "currency": {"id": _currency_id(customer.get("currency") or "USD")}, "defaultAddress": address,
        "country": customer.get("country", ""), "region": customer.get("region", ""),
        "vatRegNumber": customer.get("vat_id", ""), "itemPricing": existing.get("itemPricing", [])})


def _seed_item(item: dict) -> None:
    key = _id(item)
    group = str(item.get("group") or "")
    record_type = "inventoryItem" if group.startswith("HW") else "serviceSaleItem" if group.startswith("SV") \
        else "nonInventorySaleItem"
    cost = str(_number(item["cost"], "cost")) if item.get("cost") not in (None, "") else None
    record = {"id": key, "recordType": record_type, "itemId": item.get("description", key),
              "displayName": item.get("description", ""), "salesDescription": item.get("description", ""),
              "saleUnit": {"id": str(item.get("unit") or "")}, "class": group, "price": []}
    if cost is not None:
        record["cost"] = cost
        if record_type == "inventoryItem":
            record["averageCost"] = cost
    if item.get("price") not in (None, ""):
        record["price"] = [{"currencyPage": {"id": _currency_id(item.get("currency") or "USD")},
                            "priceLevel": {"id": BASE_PRICE_LEVEL, "refName": "Base Price"},
                            "quantity": {"value": "0"}, "price": str(_number(item["price"], "price"))}]
    store.put(SYSTEM, ITEMS, key, record)


def _seed_customer_price(price: dict) -> None:
    customer = store.get(SYSTEM, CUSTOMERS, str(price["customer"]))
    if customer is None:
        raise ValueError(f"customer price for unknown customer {price['customer']!r}")
    row = {"item": {"id": str(price["item"])}, "level": {"id": CUSTOM_PRICE_LEVEL, "refName": "Custom"},
           "currency": {"id": _currency_id(price.get("currency") or "USD")}, "price": str(_number(price["price"], "price"))}
    rows = [r for r in customer["itemPricing"] if (ref_id(r["item"]), ref_id(r["currency"])) !=
            (ref_id(row["item"]), ref_id(row["currency"]))]
    store.put(SYSTEM, CUSTOMERS, customer["id"], {**customer, "itemPricing": [*rows, row]})


def _currency_id(code: str) -> str:
    """The internal id of the currency with ISO `code`, creating the record the first time (NetSuite's order)."""
    code = str(code).upper()
    for record in store.all_of(SYSTEM, CURRENCIES):
        if record["symbol"] == code:
            return record["id"]
    names = dict(KNOWN_CURRENCIES)
    key = str(store.count(SYSTEM, CURRENCIES) + 1)
    store.put(SYSTEM, CURRENCIES, key, {"id": key, "name": names.get(code, code), "symbol": code,
                                        "isBaseCurrency": code == "USD", "isInactive": False, "exchangeRate": "1"})
    return key


def _id(record: dict) -> str:
    value = str(record.get("id", "") if isinstance(record, dict) else "").strip()
    if not value.isdigit():
        raise ValueError(f"NetSuite internal ids are numbers; got {value!r}")
    return value


def _number(value, what: str) -> Decimal:
    if isinstance(value, float):
        raise ValueError(f"{what} must be a string or an integer, not a float")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{what} must be a number, got {value!r}") from None


# ---- a sales order submitted -----------------------------------------------------------------------------------


def save_sales_order(body) -> dict:
    """Validate `body` as NetSuite does on submit and store the order, all or nothing; raise Refused."""
    order = build_sales_order(body)
    try:
        with transaction.atomic():
            order["id"] = str(store.next_number(SYSTEM, "transaction", 7001))
            order["tranId"] = f"SO{store.next_number(SYSTEM, 'salesorder', 10001)}"
            if order["externalId"]:  # the unique key makes a second order with this external id fail here
                SandboxRecord.objects.create(system=SYSTEM, collection=EXTERNAL_IDS, key=order["externalId"],
                                             data={"type": "salesOrder", "id": order["id"]})
            store.put(SYSTEM, ORDERS, order["id"], order)
    except IntegrityError:  # taken by an earlier order, or by one saved at this very moment
        raise Refused(400, error("DUP_RCRD", "Error while accessing a resource. This record already exists.")) from None
    return order


def build_sales_order(body) -> dict:
    if not isinstance(body, dict):
        raise Refused(400, error("INVALID_CONTENT", "The request body must be a JSON object."))
    problems: list[dict] = []
    customer = _reference(body, "entity", CUSTOMERS, problems, required=True)
    currency_id = ref_id(body.get("currency")) or (customer or {}).get("currency", {}).get("id", "1")
    currency = store.get(SYSTEM, CURRENCIES, currency_id)
    if currency is None:
        problems.append(invalid_reference(currency_id, "currency"))
    terms = _reference(body, "terms", TERMS, problems)
    external = str(body.get("externalId") or "")
    if external and not EXTERNAL_ID.match(external):
        problems.append(error("INVALID_CONTENT", f"Invalid external ID {external!r}: use letters, numbers, "
                                                 "underscore (_) and hyphen (-).", "externalId"))
    ship_date = _ship_date(body.get("shipDate"), problems)
    rows = (body.get("item") or {}).get("items") if isinstance(body.get("item"), dict) else None
    if not rows:
        problems.append(error("USER_ERROR", "You must enter at least one line item for this transaction.", "item"))
    lines = [_line(i, row, customer, currency_id, problems) for i, row in enumerate(rows or [])]
    if problems:
        raise Refused(400, *problems)
    subtotal = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    rate = _tax_rate(customer)
    tax = (subtotal * rate / 100).quantize(CENT, ROUND_HALF_UP)
    now = timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {
        "externalId": external, "otherRefNum": str(body.get("otherRefNum") or ""), "memo": str(body.get("memo") or ""),
        "entity": {"id": customer["id"], "refName": f"{customer['entityId']} {customer['companyName']}"},
        "currency": {"id": currency["id"], "refName": currency["name"]}, "exchangeRate": "1",
        "terms": {"id": terms["id"], "refName": terms["name"]} if terms else None,
        "tranDate": timezone.localdate().isoformat(), "shipDate": ship_date.isoformat() if ship_date else None,
        "orderStatus": {"id": "B", "refName": "Pending Fulfillment"},
        "subtotal": str(subtotal), "taxTotal": str(tax), "total": str(subtotal + tax),
        "createdDate": now, "lastModifiedDate": now, "lines": lines,
    }


def _reference(body: dict, field: str, collection: str, problems: list, *, required=False) -> dict | None:
    value = body.get(field)
    if value in (None, ""):
        if required:
            problems.append(error("FIELD_PARAM_REQD", f"Please enter a value for [{field}]", field))
        return None
    record = store.get(SYSTEM, collection, ref_id(value)) if ref_id(value) else None
    if record is None:
        problems.append(invalid_reference(ref_id(value) or value, field))
    return record


def _ship_date(value, problems: list) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(error("INVALID_CONTENT", f"Invalid date value {value!r} for the following field: shipDate; "
                                                 "use the format yyyy-MM-dd.", "shipDate"))
        return None
    if day < timezone.localdate():
        problems.append(error("USER_ERROR", f"Error while accessing a resource. The ship date {day.isoformat()} lies "
                                            "in the past; enter today or a later date.", "shipDate"))
    return day


def _line(index: int, row, customer: dict | None, currency_id: str, problems: list) -> dict:
    path = f"item.items[{index}]"
    row = row if isinstance(row, dict) else {}
    item = store.get(SYSTEM, ITEMS, ref_id(row.get("item"))) if ref_id(row.get("item")) else None
    if item is None:
        problems.append(invalid_reference(ref_id(row.get("item")) or row.get("item"), f"{path}.item"))
    quantity = _decimal(row.get("quantity"))
    if quantity is None or quantity <= 0:
        problems.append(error("INVALID_CONTENT", f"Invalid quantity {row.get('quantity')!r}: enter a positive "
                                                 "number.", f"{path}.quantity"))
    unit = None
    if row.get("units") not in (None, ""):
        unit = store.get(SYSTEM, UNITS, ref_id(row.get("units")))
        if unit is None:
            problems.append(invalid_reference(ref_id(row.get("units")) or row.get("units"), f"{path}.units"))
    if unit and quantity and unit["decimals"] == 0 and quantity != quantity.to_integral_value():
        problems.append(error("USER_ERROR", f"Error while accessing a resource. The quantity {quantity} is not valid "
                                            f"for the unit {unit['unitName']}: it takes whole numbers only.",
                              f"{path}.quantity"))
    rate, level = _decimal(row.get("rate")), CUSTOM_PRICE_LEVEL
    if rate is None and item is not None and customer is not None:
        rate, level = price_for(customer, item, currency_id)
        if rate is None:
            problems.append(error("USER_ERROR", f"Error while accessing a resource. Item {item['itemId']} has no "
                                                "price in this currency; enter a rate.", f"{path}.rate"))
    if item is None or quantity is None or rate is None:
        return {}
    return {"line": index + 1, "item": {"id": item["id"], "refName": item["itemId"]}, "quantity": str(quantity),
            "rate": str(rate), "amount": str((quantity * rate).quantize(CENT, ROUND_HALF_UP)),
            "description": str(row.get("description") or item["salesDescription"]),
            "units": {"id": unit["id"], "refName": unit["unitName"]} if unit else None,
            "price": {"id": level, "refName": "Custom" if level == CUSTOM_PRICE_LEVEL else "Base Price"}}


def price_for(customer: dict, item: dict, currency_id: str) -> tuple[Decimal | None, str]:
    """How NetSuite prices a line without a rate: the customer's item pricing, else the item's base price."""
    for row in customer.get("itemPricing", []):
        if ref_id(row["item"]) == item["id"] and ref_id(row["currency"]) == currency_id:
            return Decimal(row["price"]), CUSTOM_PRICE_LEVEL
    for row in item.get("price", []):
        if ref_id(row["currencyPage"]) == currency_id and ref_id(row["priceLevel"]) == BASE_PRICE_LEVEL:
            return Decimal(row["price"]), BASE_PRICE_LEVEL
    return None, ""


def _tax_rate(customer: dict) -> Decimal:
    codes = [t for t in store.all_of(SYSTEM, TAX_CODES) if t["country"] == customer.get("country")]
    exact = [t for t in codes if t["region"] and t["region"] == customer.get("region")]
    chosen = (exact or [t for t in codes if not t["region"]] or [None])[0]
    return Decimal(chosen["rate"]) if chosen else Decimal(0)


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def order_by_external_id(external: str) -> dict | None:
    taken = store.get(SYSTEM, EXTERNAL_IDS, external)
    return store.get(SYSTEM, ORDERS, taken["id"]) if taken and taken.get("id") else None
