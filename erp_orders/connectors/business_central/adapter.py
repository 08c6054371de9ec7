"""Dynamics 365 Business Central behind the ERP adapter contract (erp_orders/connectors/base.py).

Which Business Central APIs, and how they are used (standard API v2.0 unless said otherwise):

* `find_order_by_reference`: `GET salesOrders?$filter=externalDocumentNumber eq '<ref>'&$expand=salesOrderLines`.
  Business Central does not keep the External Document No. unique, so the caller asks before it creates; several
  matches → the oldest (lowest number of the order number series). Orders without lines are not counted: the
  connector never finishes an order without its lines (ordering.py), and an incomplete one of ours carries the
  reference with PENDING_MARK appended, which this query does not match. Note that BC moves an order out of
  salesOrders once it is fully shipped and invoiced (it becomes a posted invoice): from then on the lookup no longer
  finds it. The pipeline asks right before it creates, minutes after the deal was won, so that does not bite here.
* `create_order`: the payment terms code → its id (`paymentTerms?$filter=code eq '…'`; the salesOrder takes
  `paymentTermsId` only), then header, lines and completion as ordering.py describes, with compensation.
* `get_price`: the customer-specific price from the sales price lists — read from page 7002 "Sales Price List Lines"
  published as an OData V4 web service (settings.BUSINESS_CENTRAL_PRICE_LIST_SERVICE, default
  "SalesPriceListLines"; API v2.0 has no price list resource) — else the item's `unitPrice` (`items?$filter=number
  eq '…'`). If the web service is not published, the list price is used and that is logged once.
* `get_unit_cost`: the item's `unitCost` (Item "Unit Cost", the average/standard cost in the local currency).
* Amounts without a currency (item prices and costs, blank-currency price lines) are in the company's local
  currency: `generalLedgerSetup.localCurrencyCode`.
* `ping`: `GET companies({id})`.

Identifiers are the crosswalk's: customer numbers ("C10000"), item numbers ("1000-PLAT"), payment terms codes
("30 DAYS"), tax group codes ("TAXABLE"), unit of measure codes ("PCS"). The API takes numbers for customer and item
directly; codes are resolved to GUIDs only where it insists, and every lookup is cached for the adapter's lifetime.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from handoff_project.integration.canonical import CreatedOrder, Money, OrderRequest
from handoff_project.integration.errors import (
    ConfigurationError,
    NotFoundError,
    PermanentError,
    Reason,
    RemoteValidationError,
)
from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome

from . import mappers, ordering
from .client import SYSTEM, BusinessCentralClient

DEFAULT_PRICE_LIST_SERVICE = "SalesPriceListLines"
ITEM_FIELDS = "id,number,displayName,unitPrice,unitCost,baseUnitOfMeasureCode"


class BusinessCentralAdapter:
    system = SYSTEM
    # externalDocumentNumber is Text[35]; one character is kept for PENDING_MARK while an order is being built.
    reference_max_length = mappers.EXTERNAL_DOCUMENT_NUMBER_LENGTH - len(mappers.PENDING_MARK)

    def __init__(self, client_factory=BusinessCentralClient):
        self._client_factory = client_factory
        self._items: dict[str, dict | None] = {}
        self._terms: dict[str, str | None] = {}
        self._local_currency = ""
        self._company_name = ""
        self._price_lists_published: bool | None = None

    # ---- orders --------------------------------------------------------------------------------------------------------

    def find_order_by_reference(self, reference: str) -> CreatedOrder | None:
        with self._client_factory() as client:
            orders = self._orders_with_reference(client, reference)
        complete = [o for o in orders if o.get("externalDocumentNumber") == reference and o.get("salesOrderLines")]
        if not complete:
            return None
        oldest = min(complete, key=lambda o: mappers.number_sort_key(str(o.get("number", ""))))
        return mappers.created_order(oldest, found_existing=True)

    def create_order(self, order: OrderRequest) -> CreatedOrder:
        with self._client_factory() as client:
            terms_id = self._payment_terms_id(client, order.payment_terms_key)
            try:
                return ordering.create_order(client, order, payment_terms_id=terms_id)
            except ValueError as exc:  # an answer we cannot read, or a reference too long for the field
                raise PermanentError(f"Business Central order {order.reference}: {exc}", system=SYSTEM) from exc

    # ---- prices and costs ----------------------------------------------------------------------------------------------

    def get_price(self, *, customer: str, material: str, quantity: Decimal, currency: str) -> Money | None:
        with self._client_factory() as client:
            item = self._item(client, material)
            if item is None:
                return None
            local = self._currency(client)
            lines = self._price_list_lines(client, material)
            agreed = mappers.best_customer_price(lines, customer=customer, item=material, quantity=quantity,
                                                 currency=currency, local_currency=local, today=timezone.localdate())
            if agreed is not None:
                return Money(agreed, currency)
            return mappers.money_or_none(item.get("unitPrice"), local)

    def get_unit_cost(self, *, material: str, currency: str) -> Money | None:
        with self._client_factory() as client:
            item = self._item(client, material)
            return mappers.money_or_none(item.get("unitCost"), self._currency(client)) if item else None

    def ping(self) -> None:
        with self._client_factory() as client:
            client.get("", action="check that Business Central answers")

    # ---- lookups, cached for the adapter's lifetime --------------------------------------------------------------------

    @staticmethod
    def _orders_with_reference(client, reference: str) -> list[dict]:
        payload = client.get("salesOrders", {"$filter": mappers.equals_filter(externalDocumentNumber=reference),
                                             "$expand": "salesOrderLines"}, action="look up orders by reference")
        return _records(payload)

    def _payment_terms_id(self, client, code: str) -> str:
        if code not in self._terms:
            payload = client.get("paymentTerms", {"$filter": mappers.equals_filter(code=code), "$select": "id,code"},
                                 action="look up the payment terms")
            found = [t for t in _records(payload) if str(t.get("code", "")).upper() == code.upper()]
            self._terms[code] = str(found[0]["id"]) if found else None
        if self._terms[code] is None:
            hint = ("Fix the Crosswalk › Payment terms entry for Business Central or the deal's terms, then re-queue.")
            raise RemoteValidationError(
                f"Business Central rejected the order: it has no payment terms with code '{code}' (paymentTerms "
                f"lookup found none). {hint}", system=SYSTEM, reason=Reason.INVALID_PAYMENT_TERMS,
                recommended_resolution=hint)
        return self._terms[code]

    def _item(self, client, number: str) -> dict | None:
        if number not in self._items:
            payload = client.get("items", {"$filter": mappers.equals_filter(number=number), "$select": ITEM_FIELDS},
                                 action=f"read item {number}")
            found = [i for i in _records(payload) if str(i.get("number", "")) == number]
            self._items[number] = found[0] if found else None
        return self._items[number]

    def _currency(self, client) -> str:
        if not self._local_currency:
            setup = _records(client.get("generalLedgerSetup", action="read the local currency"))
            code = str(setup[0].get("localCurrencyCode") or "") if setup else ""
            if len(code) != 3:
                raise ConfigurationError("Business Central's General Ledger Setup has no local currency code "
                                         f"({code!r}); set LCY Code in Business Central.", system=SYSTEM)
            self._local_currency = code
        return self._local_currency

    def _price_list_lines(self, client, item: str) -> list[dict]:
        if self._price_lists_published is False:
            return []
        service = getattr(settings, "BUSINESS_CENTRAL_PRICE_LIST_SERVICE", "") or DEFAULT_PRICE_LIST_SERVICE
        if not self._company_name:
            self._company_name = str(client.get("", action="read the company name").get("name") or "")
        try:
            payload = client.get_published(self._company_name, service,
                                           {"$filter": mappers.equals_filter(Asset_Type="Item", Asset_No=item)},
                                           action="read the sales price list lines")
        except NotFoundError:
            self._price_lists_published = False
            record_event("erp_price_lists_unavailable", outcome=Outcome.INFO, system=SYSTEM,
                         message=f"Business Central has no web service '{service}' (page 7002 Sales Price List Lines "
                                 "published as OData V4); customer-specific prices are not read and the items' unit "
                                 "prices are used. Publish the page under that name on the Web Services page.")
            return []
        self._price_lists_published = True
        return _records(payload)


def _records(payload) -> list[dict]:
    try:
        return mappers.collection(payload)
    except ValueError as exc:
        raise PermanentError(f"Business Central answered a query with something that is not an OData collection "
                             f"({exc}).", system=SYSTEM) from exc
