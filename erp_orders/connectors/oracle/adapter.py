"""Oracle Fusion Cloud Order Management behind the ERP adapter contract (erp_orders/connectors/base.py).

Which Oracle REST resources ("REST API for Oracle Fusion Cloud SCM"), and how they are used:

* Orders — Sales Orders for Order Hub, `salesOrdersForOrderHub`.
  - `find_order_by_reference`: `GET salesOrdersForOrderHub?q=SourceTransactionNumber='<ref>' and
    SourceTransactionSystem='<ORACLE_SOURCE_SYSTEM>'`. Order Management identifies a source order by its source
    system and source transaction (DOO_SOURCE_ORDERS' key adds the revision number), so a second plain create with
    the same reference is refused; the pipeline asks first anyway, and should Oracle hold several orders for the
    reference (revisions, or orders from before the key was enforced) the oldest is the answer.
  - `create_order`: one composite POST of header, lines and ship-to. ADF commits a composite create as one
    transaction, so Oracle creates the whole order or nothing; no compensation is needed. Oracle documents that a
    504 after the POST may still end in a created order: the error is transient and the retry looks it up first.
* Prices — Price Lists, `priceLists` and its child `items` (expanded with `charges`): the customer's own price list
  first, then the general segment price list (mappers.GENERAL_PRICE_LIST). A simplification: Oracle Pricing picks a
  customer's price list through pricing profiles, segments and strategies, and prices the order with its pricing
  algorithm; we read the list price by price list name (mappers.customer_price_list_name) instead.
* Cost — Item Costs, `itemCosts` (perpetual average cost per cost organization and cost book), queried by item
  number; the first row in the order's currency wins. Oracle documents that this resource answers for items that use
  the perpetual average cost method only: a standard-costed item has no row here and the cost is None.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from handoff_project.integration.canonical import CreatedOrder, Money, OrderRequest
from handoff_project.integration.errors import PermanentError

from . import mappers
from .client import ITEM_COSTS, ORDERS, PRICE_LISTS, OracleClient

ORDER_LOOKUP_FIELDS = ("HeaderId,OrderNumber,SourceTransactionNumber,SourceTransactionSystem,CreationDate,"
                       "TransactionalCurrencyCode;lines:ExtendedAmount")


class OracleAdapter:
    system = "oracle"
    reference_max_length = mappers.MAX_LENGTH["SourceTransactionNumber"]

    def __init__(self, client_factory=OracleClient):
        # A new client per operation: settings are read when it is used, and no connection outlives the step.
        self._client_factory = client_factory

    def find_order_by_reference(self, reference: str) -> CreatedOrder | None:
        params = {
            "q": mappers.q_all(SourceTransactionNumber=reference, SourceTransactionSystem=settings.ORACLE_SOURCE_SYSTEM),
            "fields": ORDER_LOOKUP_FIELDS, "onlyData": "true", "limit": "500",
        }
        with self._client_factory() as client:
            payload = client.get(ORDERS, params, action="look up orders by reference")
        orders = [o for o in _items(payload) if o.get("SourceTransactionNumber") == reference]
        if not orders:
            return None
        return _created(mappers.oldest(orders), reference, found_existing=True)

    def create_order(self, order: OrderRequest) -> CreatedOrder:
        body = mappers.order_to_payload(order, source_system=settings.ORACLE_SOURCE_SYSTEM,
                                        business_unit=settings.ORACLE_BUSINESS_UNIT, ordered_at=timezone.now())
        with self._client_factory() as client:
            created = client.post(ORDERS, body, action="create the sales order")
        return _created(created, order.reference)

    def get_price(self, *, customer: str, material: str, quantity: Decimal, currency: str) -> Money | None:
        """The customer's price list price, else the general list's; `quantity` is kept for tiers later."""
        names = [mappers.customer_price_list_name(customer), mappers.GENERAL_PRICE_LIST]
        params = {"q": f"{mappers.q_any('PriceListName', names)} and StatusCode='APPROVED'",
                  "fields": "PriceListId,PriceListName,CurrencyCode", "onlyData": "true"}
        with self._client_factory() as client:
            lists = _items(client.get(PRICE_LISTS, params, action="read the price lists"))
            # the customer's list first; within a list name, one in the deal's currency first
            lists.sort(key=lambda p: (names.index(p.get("PriceListName")) if p.get("PriceListName") in names else 9,
                                      p.get("CurrencyCode") != currency.upper()))
            for price_list in lists:
                items = _items(client.get(
                    f"{PRICE_LISTS}/{price_list['PriceListId']}/child/items",
                    {"q": mappers.q_all(Item=material), "expand": "charges", "onlyData": "true"},
                    action="read the price list items"))
                price = mappers.price_from_price_list_items(items, currency=price_list["CurrencyCode"],
                                                            today=timezone.localdate())
                if price is not None:
                    return price
        return None

    def get_unit_cost(self, *, material: str, currency: str) -> Money | None:
        params = {"q": mappers.q_all(ItemNumber=material), "onlyData": "true",
                  "fields": "ItemNumber,CostOrganizationName,CostBook,UnitCost,CurrencyCode"}
        with self._client_factory() as client:
            rows = _items(client.get(ITEM_COSTS, params, action="read the item cost"))
        return mappers.cost_from_item_costs(rows, currency=currency)

    def ping(self) -> None:
        with self._client_factory() as client:
            client.get(ORDERS, {"limit": "1", "fields": "HeaderId", "onlyData": "true"}, action="check that Oracle answers")


def _items(payload: dict) -> list[dict]:
    try:
        return mappers.collection_items(payload)
    except ValueError as exc:
        raise PermanentError(f"Oracle answered a query with something that is not an ADF collection ({exc}).",
                             system="oracle") from exc


def _created(resource: dict, reference: str, *, found_existing: bool = False) -> CreatedOrder:
    try:
        return mappers.created_order_from_resource(resource, found_existing=found_existing)
    except ValueError as exc:
        raise PermanentError(
            f"Oracle answered for {reference} without a readable sales order ({exc}); look the order up by its "
            "reference in Order Management before re-queueing.", system="oracle") from exc
