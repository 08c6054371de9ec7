"""HubSpot as a CRM: fetch a won deal as a canonical Deal, write the ERP order number back, flag failures, poll.

Implements `crm_sync.connectors.base.CRMAdapter` over the CRM v3 object API, as HubSpot documents it:

  fetch_deal          GET  /crm/v3/objects/deals/{id}?properties=…&associations=companies,contacts,line_items
                      (the associated ids come with the deal, keyed "companies", "contacts", "line items"; when
                      HubSpot pages them, the rest is read from the v4 associations list),
                      POST /crm/v3/objects/line_items/batch/read (100 ids a call),
                      GET  /crm/v3/objects/companies/{primary company} and /contacts/{first contact}
  write_order_number  PATCH /crm/v3/objects/deals/{id}  {order number, sync status "Created", error cleared}
  flag_deal           PATCH /crm/v3/objects/deals/{id}  {sync status "Failed", the reason cut to 65,536 characters}
  list_won_deals      POST /crm/v3/objects/deals/search  dealstage IN won stages AND hs_lastmodifieddate GT since,
                      sorted by hs_lastmodifieddate ascending, paged with `after`

The primary contact: HubSpot deals have no primary contact of their own, so it is the first associated contact.
Custom deal and company properties (payment terms, business unit, …) are named by `portal_properties()`; the
writeback properties by HUBSPOT_ORDER_NUMBER_PROPERTY / _SYNC_STATUS_ / _SYNC_ERROR_PROPERTY.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from crm_sync.connectors.base import WonDeal
from handoff_project.integration.canonical import Deal
from handoff_project.integration.errors import NotFoundError, PermanentError
from handoff_project.integration.events import event_context

from . import mappers
from .client import SEARCH_PAGE_MAX, HubSpotClient
from .mappers import PortalProperties

SYSTEM = "hubspot"
DEAL_PROPERTIES = ["dealname", "dealstage", "pipeline", "amount", "closedate", "deal_currency_code",
                   "hs_lastmodifieddate", "createdate"]  # fmt: skip
LINE_ITEM_PROPERTIES = ["name", "description", "quantity", "price", "amount", "hs_discount_percentage", "discount",
                        "hs_sku", "hs_product_id", "hs_line_item_currency_code", "hs_position_on_quote"]  # fmt: skip
COMPANY_PROPERTIES = ["name", "domain", "website", "address", "address2", "city", "zip", "state", "country", "phone"]
CONTACT_PROPERTIES = ["email", "firstname", "lastname", "phone", "mobilephone"]
SEARCH_PROPERTIES = ["dealname", "dealstage", "hs_lastmodifieddate"]
# A single-line text property holds 65,536 characters when written through the CRM (HubSpot knowledge base,
# "Property field types in HubSpot").
TEXT_PROPERTY_MAX = 65_536
# When neither the deal nor its lines name a currency (a single-currency portal).
DEFAULT_CURRENCY = "USD"


def portal_properties() -> PortalProperties:
    """The portal's custom property names (settings may override each; an empty name means "not read")."""
    defaults = PortalProperties()
    return PortalProperties(**{
        name: getattr(settings, f"HUBSPOT_{name.upper()}_PROPERTY", getattr(defaults, name))
        for name in ("payment_terms", "business_unit", "selling_company", "contract_reference", "vat_number")
    })  # fmt: skip


class HubSpotAdapter:
    system = SYSTEM

    def __init__(self, client_factory=HubSpotClient):
        self._client_factory = client_factory

    def fetch_deal(self, crm_id: str) -> Deal:
        crm_id = _checked_id(crm_id)
        names = portal_properties()
        deal_properties = [*DEAL_PROPERTIES, *(p for p in (names.payment_terms, names.business_unit,
                                                           names.selling_company, names.contract_reference) if p)]
        with event_context(crm_record_id=crm_id), self._client_factory() as hubspot:
            deal = hubspot.get("deals", crm_id, properties=deal_properties,
                               associations=["companies", "contacts", "line_items"])  # fmt: skip
            company_id = (mappers.primary_company_id(deal)
                          or next(iter(self._all_associated(hubspot, deal, "companies", "companies")), ""))
            if not company_id:
                raise PermanentError(
                    f"HubSpot deal {crm_id} has no associated company. Associate the customer's company with the "
                    "deal in HubSpot, then re-queue the handoff.",
                    system=SYSTEM,
                )
            line_ids = self._all_associated(hubspot, deal, "line_items", "line items", "line_items")
            line_items = hubspot.batch_read("line_items", line_ids, properties=LINE_ITEM_PROPERTIES) if line_ids else []
            company = hubspot.get("companies", company_id,
                                  properties=[*COMPANY_PROPERTIES, *([names.vat_number] if names.vat_number else [])])
            contact_ids = self._all_associated(hubspot, deal, "contacts", "contacts")
            contact = hubspot.get("contacts", contact_ids[0], properties=CONTACT_PROPERTIES) if contact_ids else None
        return mappers.deal_from_hubspot(deal, line_items, company, contact, names=names,
                                         default_currency=getattr(settings, "HUBSPOT_DEFAULT_CURRENCY",
                                                                  DEFAULT_CURRENCY))  # fmt: skip

    def _all_associated(self, hubspot: HubSpotClient, deal: dict, to_type: str, *keys: str) -> list[str]:
        """The ids embedded in the deal; all of them from the v4 list when HubSpot says there are more pages."""
        embedded = deal.get("associations") or {}
        if any(((embedded.get(key) or {}).get("paging") or {}).get("next") for key in keys):
            return [str(a["toObjectId"]) for a in hubspot.associated_ids("deals", str(deal["id"]), to_type)]
        return mappers.associated_ids(deal, *keys)

    def write_order_number(self, crm_id: str, order_number: str) -> None:
        crm_id = _checked_id(crm_id)
        with event_context(crm_record_id=crm_id, erp_order_number=order_number), self._client_factory() as hubspot:
            hubspot.update("deals", crm_id, {
                settings.HUBSPOT_ORDER_NUMBER_PROPERTY: order_number,
                settings.HUBSPOT_SYNC_STATUS_PROPERTY: "Created",
                settings.HUBSPOT_SYNC_ERROR_PROPERTY: "",  # HubSpot clears a property set to ""
            })  # fmt: skip

    def flag_deal(self, crm_id: str, message: str) -> None:
        """Sync status "Failed" with the reason; raises the kernel's errors like every other call."""
        crm_id = _checked_id(crm_id)
        with event_context(crm_record_id=crm_id), self._client_factory() as hubspot:
            hubspot.update("deals", crm_id, {
                settings.HUBSPOT_SYNC_STATUS_PROPERTY: "Failed",
                settings.HUBSPOT_SYNC_ERROR_PROPERTY: (message or "")[:TEXT_PROPERTY_MAX],
            })  # fmt: skip

    def list_won_deals(self, *, since: dt.datetime | None, limit: int = 200) -> list[WonDeal]:
        filters = [{"propertyName": "dealstage", "operator": "IN", "values": sorted(won_stages())}]
        if since is not None:
            filters.append({"propertyName": "hs_lastmodifieddate", "operator": "GT",
                            "value": mappers.to_epoch_ms(since)})
        body = {"filterGroups": [{"filters": filters}], "properties": SEARCH_PROPERTIES,
                "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]}  # fmt: skip
        found: list[WonDeal] = []
        after = None
        with self._client_factory() as hubspot:
            while len(found) < limit:
                page = hubspot.search("deals", {**body, "limit": min(SEARCH_PAGE_MAX, limit - len(found)),
                                                **({"after": after} if after else {})})  # fmt: skip
                found.extend(mappers.won_deal_from_search_result(r) for r in page.get("results", []))
                after = ((page.get("paging") or {}).get("next") or {}).get("after")
                if not after or not page.get("results"):
                    break
        return found[:limit]


def won_stages() -> set[str]:
    """HUBSPOT_WON_STAGES: the pipeline stage ids that count as won."""
    return {stage.strip() for stage in settings.HUBSPOT_WON_STAGES if stage.strip()}


def _checked_id(crm_id: str) -> str:
    text = str(crm_id).strip()
    if not text.isdigit():
        raise NotFoundError(f"{crm_id!r} is not a HubSpot record id (HubSpot ids are numbers); check the webhook "
                            "payload or the handoff's CRM id", system=SYSTEM)  # fmt: skip
    return text
