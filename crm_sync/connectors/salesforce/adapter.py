"""Salesforce as a CRM: fetch a won Opportunity as a canonical Deal, write the ERP order number back, flag failures.

Implements `crm_sync.connectors.base.CRMAdapter`. HTTP goes through `client.SalesforceClient`; mapping through
`mappers`. Every call runs inside `event_context(crm_record_id=…)` so its HTTP events are filed under the deal.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from crm_sync.connectors.base import WonDeal

from handoff_project.integration.canonical import Deal
from handoff_project.integration.errors import NotFoundError, PermanentError
from handoff_project.integration.events import event_context

from .client import SalesforceClient
from .ids import is_record_id
from .mappers import deal_from_salesforce, parse_datetime

OPPORTUNITY_FIELDS = [
    "Id", "Name", "AccountId", "StageName", "IsWon", "CloseDate", "Amount", "CurrencyIsoCode",
    "Payment_Terms__c", "ContractId", "Contract_Reference__c", "LastModifiedDate",
]  # fmt: skip
LINE_ITEM_FIELDS = [
    "Id", "OpportunityId", "Product2Id", "ProductCode", "Name", "Quantity", "UnitPrice", "ListPrice", "Discount",
    "Description", "SortOrder", "Product2.Name", "Product2.ProductCode", "Product2.QuantityUnitOfMeasure",
]  # fmt: skip
CONTACT_FIELDS = ["Id", "FirstName", "LastName", "Email", "Phone"]

# The custom fields on Opportunity the integration writes (created by the Salesforce admin; see the README).
ORDER_NUMBER_FIELD = "ERP_Order_Number__c"
SYNC_STATUS_FIELD = "ERP_Sync_Status__c"
SYNC_ERROR_FIELD = "ERP_Sync_Error__c"
SYNC_ERROR_MAX = 255  # a Text(255) field


class SalesforceAdapter:
    system = "salesforce"

    def __init__(self, client_factory=SalesforceClient):
        self._client_factory = client_factory

    def fetch_deal(self, crm_id: str) -> Deal:
        crm_id = _checked_id(crm_id)
        with event_context(crm_record_id=crm_id), self._client_factory() as sf:
            fields = [*OPPORTUNITY_FIELDS, *_routing_fields()]
            opportunity = _one(
                sf.query(f"SELECT {', '.join(fields)} FROM Opportunity WHERE Id = {soql_quote(crm_id)}"),
                f"Salesforce has no Opportunity {crm_id} (deleted, or not visible to the integration user)",
            )
            if not opportunity.get("AccountId"):
                raise PermanentError(
                    f"Opportunity {crm_id} has no Account. Set the Account on the opportunity in Salesforce, "
                    "then re-queue the handoff.",
                    system=self.system,
                )
            line_items = sf.query(
                f"SELECT {', '.join(LINE_ITEM_FIELDS)} FROM OpportunityLineItem "
                f"WHERE OpportunityId = {soql_quote(crm_id)} ORDER BY SortOrder"
            )
            # GET without a field list: the org may lack optional fields (DunsNumber, *CountryCode); the mapper
            # uses what is there.
            account = sf.get("Account", opportunity["AccountId"])
            contact = self._primary_contact(sf, crm_id)
        return deal_from_salesforce(
            opportunity,
            line_items,
            account,
            contact,
            default_currency=getattr(settings, "SALESFORCE_DEFAULT_CURRENCY", "USD"),
            business_unit_field=settings.SALESFORCE_BUSINESS_UNIT_FIELD,
            selling_company_field=settings.SALESFORCE_SELLING_COMPANY_FIELD,
        )

    def _primary_contact(self, sf: SalesforceClient, crm_id: str) -> dict | None:
        roles = sf.query(
            "SELECT Id, ContactId, Role, IsPrimary FROM OpportunityContactRole "
            f"WHERE OpportunityId = {soql_quote(crm_id)} AND IsPrimary = true LIMIT 1"
        )
        if not roles or not roles[0].get("ContactId"):
            return None
        return sf.get("Contact", roles[0]["ContactId"], fields=CONTACT_FIELDS)

    def write_order_number(self, crm_id: str, order_number: str) -> None:
        crm_id = _checked_id(crm_id)
        with event_context(crm_record_id=crm_id, erp_order_number=order_number), self._client_factory() as sf:
            sf.update(
                "Opportunity",
                crm_id,
                {ORDER_NUMBER_FIELD: order_number, SYNC_STATUS_FIELD: "Created", SYNC_ERROR_FIELD: None},
            )

    def list_won_deals(self, *, since, limit: int = 200) -> list[WonDeal]:
        """Won opportunities changed after `since`, oldest change first (SOQL on IsWon and LastModifiedDate)."""
        where = "IsWon = true"
        if since is not None:
            where += f" AND LastModifiedDate > {soql_datetime(since)}"
        with self._client_factory() as sf:
            rows = sf.query(f"SELECT Id, Name, LastModifiedDate FROM Opportunity WHERE {where} "
                            f"ORDER BY LastModifiedDate ASC LIMIT {int(limit)}")
        return [WonDeal(r["Id"], r.get("Name") or "", parse_datetime(r.get("LastModifiedDate"))) for r in rows]

    def flag_deal(self, crm_id: str, message: str) -> None:
        """Set ERP_Sync_Status__c = Failed with the reason; raises the kernel's errors like every other call."""
        crm_id = _checked_id(crm_id)
        with event_context(crm_record_id=crm_id), self._client_factory() as sf:
            sf.update(
                "Opportunity",
                crm_id,
                {SYNC_STATUS_FIELD: "Failed", SYNC_ERROR_FIELD: (message or "")[:SYNC_ERROR_MAX]},
            )


def _routing_fields() -> list[str]:
    """The org's custom fields that carry business unit and selling company (settings; empty: not read)."""
    return [f for f in (settings.SALESFORCE_BUSINESS_UNIT_FIELD, settings.SALESFORCE_SELLING_COMPANY_FIELD) if f]


def soql_datetime(moment) -> str:
    """A SOQL dateTime literal (unquoted, UTC): 2026-12-02T16:00:00.000Z."""
    utc = moment.astimezone(dt.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def soql_quote(value: str) -> str:
    """A SOQL string literal: backslashes and quotes escaped, as SOQL requires."""
    escaped = str(value).replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{escaped}'"


def _checked_id(crm_id: str) -> str:
    if not is_record_id(crm_id):
        raise NotFoundError(
            f"{crm_id!r} is not a Salesforce record id (15 or 18 letters and digits); check the webhook payload",
            system="salesforce",
        )
    return crm_id


def _one(records: list[dict], missing: str) -> dict:
    if not records:
        raise NotFoundError(missing, system="salesforce", vendor_code="NOT_FOUND")
    return records[0]
