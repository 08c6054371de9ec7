"""SAP S/4HANA behind the ERP adapter contract (erp_orders/connectors/base.py): find, create, price.

Which SAP APIs, and how they are used:

* Orders — API_SALES_ORDER_SRV (OData V2), entity set A_SalesOrder.
  - `find_order_by_reference`: `GET A_SalesOrder?$filter=PurchaseOrderByCustomer eq '<ref>'`. Our idempotency
    reference travels in PurchaseOrderByCustomer (the customer's PO number, ≤ 35 characters), which SAP does not
    keep unique: SAP happily creates a second order with the same value, so the caller must ask before it creates.
    Should SAP already hold duplicates, the oldest (lowest number) is the answer.
  - `create_order`: CSRF token fetch + one POST deep insert (header, partners, items, pricing elements). A deep
    insert is one LUW in SAP: the whole order is created or nothing is.
* Prices — API_SLSPRICINGCONDITIONRECORD_SRV (OData V2; "Sales Pricing Condition Record"), entity set
  A_SlsPrcgCndnRecdValidity (the validity of a condition record, carrying its key fields: ConditionType,
  SalesOrganization, DistributionChannel, Customer, Material, ConditionValidityStartDate/EndDate) expanded with its
  one-to-one navigation `to_SlsPrcgConditionRecord` (A_SlsPrcgConditionRecord: ConditionRateValue,
  ConditionCurrency / ConditionRateValueUnit, ConditionQuantity, ConditionIsDeleted). One query fetches the PR00
  records valid today in our sales area for the material, both the customer-specific one (condition table 305,
  Customer = the sold-to) and the material's general one (table 304, Customer empty); the customer-specific record
  wins, as in SAP's PR00 access sequence. Scales, price lists and customer price groups are not evaluated, so this
  is the list/agreed price, not a full pricing simulation; `quantity` is accepted for the contract and for scales
  later.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from handoff_project.integration.canonical import CreatedOrder, Money, OrderRequest
from handoff_project.integration.errors import PermanentError

from . import mappers
from .client import PRICING_SERVICE, SALES_ORDER_SERVICE, SapClient
from .master_data import PRODUCT_SERVICE

ORDER_LOOKUP_FIELDS = "SalesOrder,PurchaseOrderByCustomer,SoldToParty,TotalNetAmount,TransactionCurrency,CreationDate"


class SapAdapter:
    system = "sap"
    reference_max_length = mappers.MAX_LENGTH["PurchaseOrderByCustomer"]

    def __init__(self, client_factory=SapClient):
        # A new client (session, cookies, CSRF token) per operation: settings are read when it is used, and nothing
        # stale survives between steps that may run minutes apart on different workers.
        self._client_factory = client_factory

    def find_order_by_reference(self, reference: str) -> CreatedOrder | None:
        options = {
            "$filter": f"PurchaseOrderByCustomer eq {mappers.odata_string_literal(reference)}",
            "$select": ORDER_LOOKUP_FIELDS,
        }
        with self._client_factory() as client:
            payload = client.get(SALES_ORDER_SERVICE, "A_SalesOrder", options, action="look up orders by reference")
        orders = [o for o in _results(payload) if o.get("PurchaseOrderByCustomer") == reference]
        if not orders:
            return None
        oldest = min(orders, key=lambda o: _order_sort_key(o.get("SalesOrder", "")))
        return mappers.created_order_from_entity(oldest, found_existing=True)

    def create_order(self, order: OrderRequest) -> CreatedOrder:
        body = mappers.order_to_deep_insert(order, settings.SAP_SALES_ORG)
        with self._client_factory() as client:
            payload = client.post_json(SALES_ORDER_SERVICE, "A_SalesOrder", body, action="create the sales order")
        try:
            return mappers.created_order_from_response(payload)
        except ValueError as exc:
            raise PermanentError(
                f"SAP answered the create of {order.reference} without a readable order ({exc}); "
                "look the order up by its reference before re-queueing.",
                system=self.system,
            ) from exc

    def get_price(self, *, customer: str, material: str, quantity: Decimal, currency: str) -> Money | None:
        today = timezone.localdate()
        area = settings.SAP_SALES_ORG
        literal = mappers.odata_string_literal
        conditions = [
            f"ConditionType eq {literal(mappers.PRICE_CONDITION)}",
            f"SalesOrganization eq {literal(area['SalesOrganization'])}",
            f"DistributionChannel eq {literal(area['DistributionChannel'])}",
            f"Material eq {literal(material)}",
            f"(Customer eq {literal(customer)} or Customer eq '')",
            f"ConditionValidityStartDate le {mappers.odata_datetime_literal(today)}",
            f"ConditionValidityEndDate ge {mappers.odata_datetime_literal(today)}",
        ]
        options = {"$filter": " and ".join(conditions), "$expand": "to_SlsPrcgConditionRecord"}
        with self._client_factory() as client:
            payload = client.get(PRICING_SERVICE, "A_SlsPrcgCndnRecdValidity", options, action="read the price")
        return mappers.price_from_condition_validities(_results(payload), customer=customer, currency=currency)


    def get_unit_cost(self, *, material: str, currency: str) -> Money | None:
        """The material's cost from its valuation (API_PRODUCT_SRV A_ProductValuation): the standard price for
        standard-priced materials (procedure S), else the moving average price, per PriceUnitQty units. The first
        valuation area with a price in `currency` answers; None when there is none."""
        options = {"$filter": f"Product eq {mappers.odata_string_literal(material)}",
                   "$select": "Product,ValuationArea,InventoryValuationProcedure,StandardPrice,MovingAveragePrice,PriceUnitQty,Currency"}
        with self._client_factory() as client:
            payload = client.get(PRODUCT_SERVICE, "A_ProductValuation", options, action="read the material's cost")
        return mappers.cost_from_valuations(_results(payload), currency=currency)

    def ping(self) -> None:
        with self._client_factory() as client:
            client.get(SALES_ORDER_SERVICE, "A_SalesOrder", {"$top": "1", "$select": "SalesOrder"}, action="check that SAP answers")


def _results(payload: dict) -> list[dict]:
    try:
        return mappers.results(payload)
    except ValueError as exc:
        raise PermanentError(f"SAP answered a query with something that is not an OData collection ({exc}).",
                             system="sap") from exc


def _order_sort_key(number: str):
    return (0, int(number)) if number.isdigit() else (1, number)
