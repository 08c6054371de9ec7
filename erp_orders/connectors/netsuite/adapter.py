"""NetSuite behind the ERP adapter contract (erp_orders/connectors/base.py), over SuiteTalk REST web services.

* Orders — record `salesOrder`.
  - `create_order`: one POST /salesOrder carrying the header and the whole item sublist. NetSuite saves a record
    with its sublists as one unit (the record's submit either succeeds as a whole or returns errors and saves
    nothing), so no compensation is ever needed: the order exists completely or not at all. NetSuite answers 204
    with the new record's Location; a GET of that record gives the number a person sees (`tranId`) and the total.
  - The reference travels in `externalId`. NetSuite keeps external ids unique across the whole Transaction record
    group (Oracle: "Shared Internal and External IDs"), so a second create with the same reference is refused with
    DUP_RCRD; that is exactly the lost-response case (the first create was committed, its answer lost), so
    `create_order` then reads the existing order and returns it with found_existing=True.
  - `find_order_by_reference`: GET /salesOrder/eid:<reference> (external ids address a record wherever an internal
    id can, Oracle: "Using External IDs"). Because of that uniqueness there can never be several orders with one
    reference; "several matches → the oldest" cannot arise in NetSuite.
* Prices — the customer's item pricing sublist (customer/<id>/itemPricing: item, level, currency, price) first, as
  NetSuite prices a line for that customer; else the item's pricing sublist (<item type>/<id>/price: currencyPage,
  priceLevel, quantity, price) at the Base Price level and the quantity break that applies. Price rules, pricing
  groups and promotions are not evaluated: this is the list/agreed price, not a full price calculation.
* Cost — the item record's averageCost (inventory items), else its purchase price `cost`; both are kept in the
  company's base currency, so a cost is only given for the base currency.
* Items are typed records (inventoryItem, serviceSaleItem, …) and an internal id belongs to exactly one type (ids are
  shared within the Item record group); `_item` asks the types in turn and the first that knows the id answers.
* Currencies — the order carries ISO codes; NetSuite wants the currency record's internal id, found by
  GET /currency?q=symbol IS "<ISO>" (record collection filtering).
"""

from __future__ import annotations

from decimal import Decimal

from handoff_project.integration.canonical import CreatedOrder, Money, OrderRequest
from handoff_project.integration.errors import DuplicateError, NotFoundError, PermanentError, RemoteValidationError
from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome

from . import mappers
from .client import SYSTEM, NetSuiteClient

# Record types a sales order line can carry, the common ones first.
ITEM_RECORD_TYPES = ("inventoryItem", "nonInventorySaleItem", "nonInventoryResaleItem", "serviceSaleItem",
                     "serviceResaleItem", "assemblyItem", "kitItem", "otherChargeSaleItem")


class NetSuiteAdapter:
    system = SYSTEM
    reference_max_length = mappers.EXTERNAL_ID_MAX_LENGTH

    def __init__(self, client_factory=NetSuiteClient):
        # A new client per operation: settings are read when it is used, nothing stale survives between steps.
        self._client_factory = client_factory

    def find_order_by_reference(self, reference: str) -> CreatedOrder | None:
        with self._client_factory() as client:
            return self._find(client, reference)

    def create_order(self, order: OrderRequest) -> CreatedOrder:
        with self._client_factory() as client:
            currency = self._currency(client, order.currency)
            if currency is None:
                raise RemoteValidationError(
                    f"NetSuite has no currency {order.currency} (no currency record with that symbol). Add the "
                    "currency in NetSuite or fix the deal's currency, then re-queue.", system=SYSTEM)
            body = mappers.sales_order_body(order, currency_id=currency["id"])
            try:
                internal_id = client.create("salesOrder", body, action="create the sales order")
            except DuplicateError as duplicate:
                return self._existing_after_duplicate(client, order.reference, duplicate)
            record = client.get(f"salesOrder/{internal_id}", action="read the new sales order")
        try:
            return mappers.created_order_from_record(record, currency=order.currency)
        except ValueError as exc:
            raise PermanentError(f"NetSuite created sales order {internal_id} for {order.reference} but its record "
                                 f"cannot be read ({exc}); look it up in NetSuite before re-queueing.",
                                 system=SYSTEM) from exc

    def get_price(self, *, customer: str, material: str, quantity: Decimal, currency: str) -> Money | None:
        with self._client_factory() as client:
            found = self._currency(client, currency)
            if found is None:
                return None
            currency_id = found["id"]
            pricing = client.get(f"customer/{customer}/itemPricing", {"expandSubResources": "true"},
                                 action=f"read the item pricing of customer {customer}")
            price, level = mappers.customer_price(mappers.items(pricing), item=material, currency_id=currency_id)
            if price is None:
                item = self._item(client, material)
                if item is None:
                    return None
                rows = client.get(f"{item[0]}/{material}/price", {"expandSubResources": "true"},
                                  action=f"read the prices of item {material}")
                # the price level the customer's pricing line points at, else the Base Price
                price = mappers.item_price(mappers.items(rows), currency_id=currency_id, quantity=quantity,
                                           level=level or mappers.BASE_PRICE_LEVEL)
        return Money(price, currency) if price is not None else None

    def get_unit_cost(self, *, material: str, currency: str) -> Money | None:
        with self._client_factory() as client:
            found = self._currency(client, currency)
            if found is None or not found.get("isBaseCurrency"):
                return None  # NetSuite keeps item costs in the base currency only; we do not convert
            item = self._item(client, material)
        cost = mappers.unit_cost(item[1]) if item else None
        return Money(cost, currency) if cost is not None else None

    def ping(self) -> None:
        with self._client_factory() as client:
            client.get("salesOrder", {"limit": "1"}, action="check that NetSuite answers")

    # ---- helpers ------------------------------------------------------------------------------------------------

    def _find(self, client: NetSuiteClient, reference: str) -> CreatedOrder | None:
        try:
            record = client.get(f"salesOrder/eid:{mappers.external_id(reference)}",
                                action=f"look up the sales order with external id {reference}")
        except NotFoundError:
            return None
        currency = client.get(f"currency/{mappers.ref_id(record.get('currency'))}",
                              action="read the order's currency") if mappers.ref_id(record.get("currency")) else {}
        try:
            return mappers.created_order_from_record(record, currency=currency.get("symbol") or None,
                                                     found_existing=True)
        except ValueError as exc:
            raise PermanentError(f"NetSuite holds a sales order with external id {reference} whose record cannot be "
                                 f"read ({exc}); check it in NetSuite.", system=SYSTEM) from exc

    def _existing_after_duplicate(self, client: NetSuiteClient, reference: str, duplicate: DuplicateError):
        existing = self._find(client, reference)
        if existing is None:  # another kind of transaction holds the external id: that needs a person
            raise DuplicateError(
                f"{duplicate.message} No sales order has the external id {reference}, so another transaction in "
                "NetSuite holds it. Find that transaction in NetSuite and clear its external id, then re-queue.",
                system=SYSTEM, vendor_code=duplicate.vendor_code, http_status=duplicate.http_status,
                detail=duplicate.detail, reason=duplicate.reason) from duplicate
        record_event("erp_duplicate_reference", outcome=Outcome.SUCCESS, system=SYSTEM,
                     message=f"NetSuite already has sales order {existing.order_number} with external id {reference} "
                             f"({duplicate.vendor_code}); returning it instead of creating another")
        return existing

    def _currency(self, client: NetSuiteClient, code: str) -> dict | None:
        """The currency record with ISO symbol `code` ({"id", "symbol", "isBaseCurrency", …}), or None."""
        found = mappers.items(client.get("currency", {"q": f'symbol IS "{code.upper()}"'},
                                         action=f"look up currency {code}"))
        if not found:
            return None
        return client.get(f"currency/{found[0]['id']}", action=f"read currency {code}")

    def _item(self, client: NetSuiteClient, internal_id: str) -> tuple[str, dict] | None:
        """(record type, item record) of the item with this internal id, or None when no item type has it."""
        for record_type in ITEM_RECORD_TYPES:
            try:
                return record_type, client.get(f"{record_type}/{internal_id}", action=f"read item {internal_id}")
            except NotFoundError:
                continue
        return None
