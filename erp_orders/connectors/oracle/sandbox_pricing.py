"""The Oracle emulator's pricing and costing resources: Price Lists (`priceLists`, child `items` with `charges`) and
Item Costs (`itemCosts`), in the attributes Oracle's REST API documents.

A price list here is a segment price list (PriceListTypeCode SEGMENT, approved, one currency) whose items carry one
sale-price charge (PricingChargeDefinitionCode QP_SALE_PRICE, CalculationMethodCode PRICE, BasePrice). The seed builds
the general list (mappers.GENERAL_PRICE_LIST) from the items' prices and one list per customer with negotiated prices
(mappers.customer_price_list_name). Item costs are one row per item in one cost organization and cost book.
The views are wired by sandbox.py (its `api` wrapper does the fault gate, Basic auth and ADF errors).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from handoff_project.sandbox import store

from .mappers import GENERAL_PRICE_LIST, SALE_PRICE, customer_price_list_name, parse_oracle_datetime, to_decimal
from .sandbox_adf import AdfError, Node, collection

SYSTEM = "oracle"
PRICE_LISTS, ITEM_COSTS = "price_lists", "item_costs"
LIST_START = "2000-01-01T00:00:00+00:00"
COST_ORGANIZATION, COST_BOOK = "US1 Cost Organization", "US1 Primary Cost Book"


def seed_price_lists(items: list[dict], customer_prices: list[dict], *, business_unit: str, next_number) -> None:
    """Approved segment price lists: the general one from the items' prices, one per customer with its own prices."""
    general = [(i["id"], i.get("unit", ""), i["price"], i.get("currency", "USD"))
               for i in items if i.get("price") not in (None, "")]
    lists = {(GENERAL_PRICE_LIST, c): [g for g in general if g[3] == c] for c in {g[3] for g in general}}
    units = {i["id"]: i.get("unit", "") for i in items}
    for price in customer_prices:
        key = (customer_price_list_name(price["customer"]), price.get("currency", "USD"))
        lists.setdefault(key, []).append((price["item"], units.get(price["item"], ""), price["price"], key[1]))
    for (name, currency), rows in lists.items():
        _seed_price_list(name, currency, rows, business_unit=business_unit, next_number=next_number)


def _seed_price_list(name: str, currency: str, rows, *, business_unit: str, next_number) -> None:
    key = f"{name}|{currency}"
    existing = store.get(SYSTEM, PRICE_LISTS, key) or {"items": []}
    list_id = existing.get("PriceListId") or str(next_number("price_list_id", 300100001))
    known = {i["Item"]: i for i in existing["items"]}
    items = []
    for item, unit, price, _currency in rows:
        old = known.get(item, {})
        item_id = old.get("PriceListItemId") or str(next_number("price_list_item_id", 300100500001))
        items.append({"PriceListItemId": item_id, "PriceListId": list_id, "Item": item, "ItemLevelCode": "ITEM",
                      "PricingUOMCode": unit, "LineTypeCode": "ORA_BUY", "PrimaryPricingUOM": "Y",
                      "charges": [{"PriceListChargeId": old.get("charges", [{}])[0].get("PriceListChargeId")
                                   or str(next_number("price_list_charge_id", 300100900001)),
                                   "PricingChargeDefinitionCode": SALE_PRICE, "PricingChargeDefinition": "Sale Price",
                                   "ChargeTypeCode": "ORA_SALE", "ChargeSubtypeCode": "ORA_PRICE",
                                   "PriceTypeCode": "ONE_TIME", "CalculationMethodCode": "PRICE",
                                   "CalculationMethod": "Price", "BasePrice": format(Decimal(str(price)), "f"),
                                   "StartDate": LIST_START, "EndDate": None, "CanAdjustFlag": True}]})
    store.put(SYSTEM, PRICE_LISTS, key, {
        "PriceListId": list_id, "PriceListName": name, "PriceListDescription": f"{name} ({currency})",
        "PriceListTypeCode": "SEGMENT", "PriceListType": "Segment price list", "BusinessUnit": business_unit,
        "CurrencyCode": currency, "StatusCode": "APPROVED", "Status": "Approved", "StartDate": LIST_START,
        "EndDate": None, "PricingChargeDefinitionCode": SALE_PRICE, "LineTypeCode": "ORA_BUY",
        "CalculationMethodCode": "PRICE", "items": items})


def seed_item_costs(items: list[dict]) -> None:
    for item in items:
        if item.get("cost") in (None, ""):
            continue
        store.put(SYSTEM, ITEM_COSTS, item["id"], {
            "CostOrganizationName": COST_ORGANIZATION, "CostOrganizationCode": "US1_COST_ORG", "CostBook": COST_BOOK,
            "CostBookCode": "US1_PRIMARY", "ItemNumber": item["id"], "UnitCost": format(Decimal(str(item["cost"])), "f"),
            "CurrencyCode": item.get("currency", "USD"), "UOMCode": item.get("unit", "")})


def list_price(party_number: str, item: str, currency: str) -> Decimal | None:
    """What Order Management's pricing would find when the source sends no price: customer list, then general."""
    today = timezone.localdate()
    for name in (customer_price_list_name(party_number), GENERAL_PRICE_LIST):
        price_list = store.get(SYSTEM, PRICE_LISTS, f"{name}|{currency}")
        for row in (price_list or {}).get("items", []):
            charge = row["charges"][0] if row["Item"] == item else None
            start = parse_oracle_datetime(charge["StartDate"]) if charge else None
            if charge and (start is None or start.date() <= today):
                return to_decimal(charge["BasePrice"])
    return None


def _list_node(price_list: dict, root: str) -> Node:
    href = f"{root}priceLists/{price_list['PriceListId']}"
    items = [_item_node(i, href) for i in price_list["items"]]
    return Node({k: v for k, v in price_list.items() if k != "items"} | {"PriceListId": int(price_list["PriceListId"])},
                href, "priceLists", {"items": items})


def _item_node(item: dict, list_href: str) -> Node:
    href = f"{list_href}/child/items/{item['PriceListItemId']}"
    charges = [Node({**c, "PriceListChargeId": int(c["PriceListChargeId"]), "BasePrice": Decimal(c["BasePrice"])},
                    f"{href}/child/charges/{c['PriceListChargeId']}", "charges") for c in item["charges"]]
    values = {k: v for k, v in item.items() if k != "charges"}
    return Node(values | {"PriceListItemId": int(item["PriceListItemId"]), "PriceListId": int(item["PriceListId"])},
                href, "items", {"charges": charges})


def price_lists(request, root: str) -> dict:
    nodes = [_list_node(p, root) for p in store.all_of(SYSTEM, PRICE_LISTS)]
    return collection(request, nodes, href=f"{root}priceLists", name="priceLists",
                      queryable={"PriceListId", "PriceListName", "PriceListTypeCode", "CurrencyCode", "StatusCode",
                                 "BusinessUnit", "StartDate", "EndDate"})


def price_list_items(request, root: str, price_list_id: str) -> dict:
    found = next((p for p in store.all_of(SYSTEM, PRICE_LISTS) if p["PriceListId"] == price_list_id), None)
    if found is None:
        raise AdfError(404, [("", f"The price list {price_list_id} doesn't exist.", "")])
    node = _list_node(found, root)
    return collection(request, node.children["items"], href=f"{node.href}/child/items", name="items",
                      queryable={"PriceListItemId", "PriceListId", "Item", "ItemLevelCode", "PricingUOMCode",
                                 "LineTypeCode", "PrimaryPricingUOM"})


def item_costs(request, root: str) -> dict:
    nodes = [Node({**c, "UnitCost": Decimal(c["UnitCost"])}, f"{root}itemCosts/{c['ItemNumber']}", "itemCosts")
             for c in store.all_of(SYSTEM, ITEM_COSTS)]
    return collection(request, nodes, href=f"{root}itemCosts", name="itemCosts",
                      queryable={"ItemNumber", "CostOrganizationName", "CostOrganizationCode", "CostBook",
                                 "CostBookCode", "CurrencyCode"})
