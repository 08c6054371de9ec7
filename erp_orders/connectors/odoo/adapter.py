"""Odoo behind the ERP adapter contract (erp_orders/connectors/base.py): find, create, price, cost, ping.

How the External API is used (JSON-RPC `execute_kw`, one Odoo database transaction per call):

* `find_order_by_reference`: `sale.order.search_read([("client_order_ref", "=", ref), ("state", "!=", "cancel")],
  order="id asc", limit=1)`. Odoo does not keep client_order_ref unique, so the caller asks before it creates; of
  several orders the oldest (lowest id) is the answer; cancelled orders do not count.
* `create_order`: one `sale.order.create` with every line as a one2many command. Odoo runs one `execute_kw` in one
  database transaction and commits only when the whole call succeeded (odoo/service/model.py), so header and lines
  are created together or not at all. Then `action_confirm` turns the quotation into a sales order (a won deal is a
  confirmed order), and a `read` gives back its number (`name`, "S00042") and total.

  Confirmation is a second call, so it can fail after the create (a lock, an outage, a lost answer). We keep the
  quotation and let the retry confirm it, rather than cancelling and deleting it: the quotation is complete (it is
  not a partial order), a lost answer to the *create* leaves exactly such a quotation behind anyway (we cannot delete
  what we never learnt the id of), and a confirmation whose answer was lost may have happened, when deleting would be
  refused. So: `find_order_by_reference` confirms a quotation it finds (event `erp_order_confirmed`), and the order
  it returns is always a sales order. A failed confirmation is logged (`erp_order_not_confirmed`) and raised.
* Prices: the customer's pricelist (`res.partner.property_product_pricelist`) and its rules for the product
  (`product.pricelist.item`: fixed prices and list-price discounts, product variant or template, minimum quantity,
  validity dates); no rule → the product's list price (`product.product.lst_price`). Formula rules are not evaluated.
* Cost: `product.product.standard_price` in the company currency (`cost_currency_id`); no conversion.
* Currency: Odoo takes an order's currency from its pricelist. When the customer's pricelist is in another currency
  than the deal, the order gets a pricelist in the deal's currency (the first one Odoo lists); none → refused.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from handoff_project.integration.canonical import CreatedOrder, Money, OrderRequest
from handoff_project.integration.errors import IntegrationError, PermanentError
from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome

from . import mappers
from .client import OdooClient

SALE_ORDER = "sale.order"
PRODUCT_FIELDS = ["id", "lst_price", "currency_id", "product_tmpl_id", "standard_price", "cost_currency_id"]
PRICELIST_ITEM_FIELDS = ["id", "applied_on", "product_id", "product_tmpl_id", "min_quantity", "compute_price",
                         "fixed_price", "percent_price", "base", "currency_id"]


class OdooAdapter:
    system = "odoo"
    reference_max_length = mappers.REFERENCE_MAX_LENGTH

    def __init__(self, client_factory=OdooClient):
        # A new client (and sign-in) per operation: settings are read when it is used, and no uid outlives a step.
        self._client_factory = client_factory

    # ---- orders ------------------------------------------------------------------------------------------------------

    def find_order_by_reference(self, reference: str) -> CreatedOrder | None:
        domain = [["client_order_ref", "=", reference], ["state", "!=", "cancel"]]
        with self._client_factory() as client:
            records = client.execute_kw(SALE_ORDER, "search_read", [domain],
                                        {"fields": mappers.ORDER_FIELDS, "order": "id asc", "limit": 1},
                                        action="look up orders by reference")
            records = [r for r in _records(records) if r.get("client_order_ref") == reference]
            if not records:
                return None
            oldest = records[0]
            if oldest.get("state") in mappers.QUOTATION_STATES:
                self._confirm(client, oldest["id"], reference)
                record_event("erp_order_confirmed", outcome=Outcome.SUCCESS, system=self.system,
                             message=f"Odoo held quotation {oldest.get('name')} for {reference} from an earlier attempt "
                                     "whose confirmation did not finish; confirmed it as the sales order.")
                oldest = self._read_order(client, oldest["id"])
        return _created(oldest, reference, found_existing=True)

    def create_order(self, order: OrderRequest) -> CreatedOrder:
        with self._client_factory() as client:
            values = mappers.order_to_create_values(order, pricelist_id=self._pricelist_for(client, order))
            order_id = client.execute_kw(SALE_ORDER, "create", [values], action="create the sales order")
            if not isinstance(order_id, int) or isinstance(order_id, bool):
                raise PermanentError(
                    f"Odoo answered the create of {order.reference} with {order_id!r} instead of a record id; look the "
                    "order up by its reference before re-queueing.", system=self.system)
            try:
                self._confirm(client, order_id, order.reference)
            except IntegrationError as exc:
                record_event("erp_order_not_confirmed", outcome=Outcome.ERP_ERROR, system=self.system,
                             message=f"Odoo created sale.order {order_id} for {order.reference} but did not confirm it "
                                     f"({exc}); it stays a quotation, and the next attempt finds it by its reference "
                                     "and confirms it.", data={"sale_order_id": order_id})
                raise
            return _created(self._read_order(client, order_id), order.reference)

    def _confirm(self, client: OdooClient, order_id: int, reference: str) -> None:
        client.execute_kw(SALE_ORDER, "action_confirm", [[order_id]], action=f"confirm the sales order for {reference}")

    def _read_order(self, client: OdooClient, order_id: int) -> dict:
        records = _records(client.execute_kw(SALE_ORDER, "read", [[order_id]], {"fields": mappers.ORDER_FIELDS},
                                             action="read the sales order back"))
        if not records:
            raise PermanentError(f"Odoo has no sale.order {order_id} right after creating it; look the order up by "
                                 "its reference before re-queueing.", system=self.system)
        return records[0]

    def _pricelist_for(self, client: OdooClient, order: OrderRequest) -> int | None:
        """None when the customer's own pricelist is in the order's currency (Odoo picks it itself), else the id of a
        pricelist in that currency."""
        own = self._customer_pricelist(client, order.sold_to)
        if own and self._pricelist_currency(client, mappers.many2one_id(own)) == order.currency:
            return None
        found = _records(client.execute_kw("product.pricelist", "search_read", [[["currency_id.name", "=", order.currency]]],
                                           {"fields": ["id", "name"], "order": "id asc", "limit": 1},
                                           action=f"find a pricelist in {order.currency}"))
        if not found:
            if not own:
                return None  # no pricelist at all: the company currency applies, as in Odoo without pricelists
            raise PermanentError(
                f"Odoo has no pricelist in {order.currency} for order {order.reference}, and the customer's pricelist "
                f"is in another currency. Create a pricelist in {order.currency} in Odoo (Sales › Products › "
                "Pricelists), then re-queue.", system=self.system)
        return found[0]["id"]

    def _pricelist_currency(self, client: OdooClient, pricelist_id: int | None) -> str:
        if pricelist_id is None:
            return ""
        pricelist = _first(client.execute_kw("product.pricelist", "read", [[pricelist_id]], {"fields": ["currency_id"]},
                                             action="read the customer's pricelist"))
        return mappers.many2one_name((pricelist or {}).get("currency_id"))

    # ---- prices and cost ---------------------------------------------------------------------------------------------

    def get_price(self, *, customer: str, material: str, quantity: Decimal, currency: str) -> Money | None:
        with self._client_factory() as client:
            product = self._product(client, material)
            if product is None:
                return None
            pricelist = mappers.many2one_id(self._customer_pricelist(client, customer))
            price = self._pricelist_price(client, pricelist, product, quantity) if pricelist is not None else None
        return price or mappers.list_price(product)

    def _pricelist_price(self, client: OdooClient, pricelist: int, product: dict, quantity: Decimal) -> Money | None:
        now = mappers.odoo_datetime(timezone.now())
        template = mappers.many2one_id(product.get("product_tmpl_id"))
        domain = [
            ["pricelist_id", "=", pricelist],
            ["min_quantity", "<=", mappers.wire_float(quantity)],
            "|", ["product_id", "=", product["id"]], "&", ["product_id", "=", False], ["product_tmpl_id", "=", template],
            "|", ["date_start", "=", False], ["date_start", "<=", now],
            "|", ["date_end", "=", False], ["date_end", ">=", now],
        ]
        items = _records(client.execute_kw("product.pricelist.item", "search_read", [domain],
                                           {"fields": PRICELIST_ITEM_FIELDS}, action="read the customer's prices"))
        return mappers.price_from_pricelist_items(items, product=product, quantity=quantity)

    def _customer_pricelist(self, client: OdooClient, customer: str):
        """res.partner.property_product_pricelist: `[id, name]`, or false (also for a customer Odoo does not have)."""
        partner = _first(client.execute_kw("res.partner", "read", [[mappers.record_id(customer, "customer")]],
                                           {"fields": ["property_product_pricelist"]}, action="read the customer"))
        return (partner or {}).get("property_product_pricelist") or False

    def get_unit_cost(self, *, material: str, currency: str) -> Money | None:
        with self._client_factory() as client:
            product = self._product(client, material)
        return mappers.unit_cost(product) if product else None

    def _product(self, client: OdooClient, material: str) -> dict | None:
        return _first(client.execute_kw("product.product", "read", [[mappers.record_id(material, "product")]],
                                        {"fields": PRODUCT_FIELDS}, action="read the product"))

    def ping(self) -> None:
        with self._client_factory() as client:
            client.execute_kw(SALE_ORDER, "search", [[]], {"limit": 1}, action="check that Odoo answers")


def _records(answer) -> list[dict]:
    if not isinstance(answer, list) or not all(isinstance(r, dict) for r in answer):
        raise PermanentError(f"Odoo answered a read with something that is not a list of records ({type(answer).__name__}).",
                             system="odoo")
    return answer


def _first(answer) -> dict | None:
    records = _records(answer)
    return records[0] if records else None


def _created(record: dict, reference: str, *, found_existing: bool = False) -> CreatedOrder:
    try:
        return mappers.created_order_from_record(record, found_existing=found_existing)
    except ValueError as exc:
        raise PermanentError(f"Odoo answered for {reference} without a readable order ({exc}); look the order up by "
                             "its reference before re-queueing.", system="odoo") from exc
