"""Resolve a canonical deal into an ERP order request through the crosswalks (the ten rows of the seed field table).

Every resolution is logged with its rule and confidence. What cannot be resolved becomes a `Failure` (a typed
exception for a team), collected for the whole deal so a person sees every problem at once, not one per retry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.conf import settings

from crosswalk.models import MaterialGroupLeadTime, MappingStatus
from crosswalk.resolvers import Resolution, log_resolution, resolve
from exceptions_queue.models import ExceptionType, Team
from handoff_project.integration.canonical import Deal, OrderLine, OrderRequest

REFERENCE_PREFIX = {"salesforce": "SF", "hubspot": "HS", "pipedrive": "PD"}


@dataclass
class Failure:
    type: str
    message: str
    field: str = ""
    detail: dict = dataclass_field(default_factory=dict)
    team: str = ""


def erp_reference(crm_system: str, crm_record_id: str, max_length: int = 35) -> str:
    """The idempotency reference the ERP stores with the order ("SF-006…", "HS-1234", "PD-88").

    Never cut silently: a cut reference could point at another deal's order, so one too long for the ERP is refused."""
    reference = f"{REFERENCE_PREFIX.get(crm_system, crm_system[:4].upper())}-{crm_record_id}"
    if len(reference) > max_length:
        raise ValueError(f"the reference {reference!r} is longer than the {max_length} characters the ERP keeps")
    return reference


def resolve_deal(deal: Deal, *, handoff_id: int, erp_system: str = "sap", reference_max_length: int = 35,
                 overridden=frozenset()) -> tuple[OrderRequest | None, list[Failure]]:
    """`overridden`: fields a person accepted as they are (e.g. "ship_to" after an address override)."""
    failures: list[Failure] = []

    def logged(kind: str, text: str, context: dict, field_name: str) -> Resolution:
        resolution = resolve(kind, text, {**context, "erp_system": erp_system})
        log_resolution(resolution, handoff_id=handoff_id, field_name=field_name)
        return resolution

    account = deal.account
    customer = logged(
        "customer",
        account.name,
        {
            "crm_account_id": account.crm_id,
            "vat_id": account.vat_id,
            "duns": account.duns,
            "city": (account.billing_address.city or deal.ship_to.city),
            "country": (account.billing_address.country or deal.ship_to.country),
        },
        "account",
    )
    if not customer.accepted:
        failures.append(_customer_failure(account.name, customer))

    failures.extend(_missing_fields(deal))
    ship_to_party = ""
    if customer.accepted and not deal.ship_to.is_empty and deal.ship_to.country:
        address = logged("address", deal.ship_to.street, {
            "country": deal.ship_to.country, "region": deal.ship_to.region, "city": deal.ship_to.city,
            "postal_code": deal.ship_to.postal_code, "street": deal.ship_to.street,
            "business_partner": customer.match.key}, "ship_to")
        if address.accepted:
            ship_to_party = address.match.key  # a known ship-to; "" for a valid one-time address
        elif "ship_to" not in overridden:
            failures.append(_address_failure(deal, address))

    terms_text = deal.payment_terms.text if deal.payment_terms else ""
    if not terms_text:
        terms_text = settings.HANDOFF_RULES["default_payment_terms"]
    terms = logged("payment_terms", terms_text, {}, "payment_terms" if deal.payment_terms else "payment_terms (default)")
    if not terms.accepted:
        failures.append(
            Failure(
                ExceptionType.MISSING_FIELD,
                f"Payment terms {terms_text!r} have no crosswalk entry. Add it in Crosswalk › Payment terms, "
                "or correct the deal's terms, then re-queue.",
                field="payment_terms",
                team=Team.MASTER_DATA,
            )
        )

    lines = []
    for line in deal.lines:
        product = logged(
            "product",
            line.description,
            {"crm_product_id": line.crm_product_id, "product_code": line.product_code},
            f"lines[{line.line_number}].product",
        )
        if not product.accepted:
            failures.append(_product_failure(line.line_number, line.description, product))
            continue
        data = product.match.data
        tax = logged(
            "tax_code",
            "",
            {"country": deal.ship_to.country, "region": deal.ship_to.region, "material_tax_class": data["tax_class"]},
            f"lines[{line.line_number}].tax_code",
        )
        if not tax.accepted and not deal.ship_to.is_empty:
            failures.append(
                Failure(
                    ExceptionType.MISSING_FIELD,
                    f"No tax code for ship-to {deal.ship_to.country}{'-' + deal.ship_to.region if deal.ship_to.region else ''} "
                    f"and material tax class {data['tax_class']} (line {line.line_number}). Add a Crosswalk › Tax code entry, then re-queue.",
                    field=f"lines[{line.line_number}].tax_code",
                    team=Team.MASTER_DATA,
                )
            )
        lines.append(
            OrderLine(
                line_number=line.line_number,
                material=product.match.key,
                description=line.description,
                quantity=line.quantity,
                unit=data.get("unit") or line.unit or "EA",
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                tax_code=tax.match.key if tax.accepted else "",
                material_tax_class=data["tax_class"],
                material_group=data.get("material_group", ""),
                requested_delivery_date=_delivery_date(deal.closed_on, data.get("material_group", ""), erp_system),
            )
        )

    contact_person = ""
    if deal.primary_contact and deal.primary_contact.email:
        contact = logged("contact", deal.primary_contact.email, {}, "primary_contact")
        contact_person = contact.match.key if contact.accepted else ""
    contract_document = ""
    if deal.contract_reference:
        contract = logged("contract", deal.contract_reference, {}, "contract_reference")
        contract_document = contract.match.key if contract.accepted else ""

    if failures:
        return None, failures
    dates = [line.requested_delivery_date for line in lines if line.requested_delivery_date]
    return (
        OrderRequest(
            reference=erp_reference(deal.crm_system, deal.crm_id, reference_max_length),
            sold_to=customer.match.key,
            ship_to=ship_to_party or customer.match.data.get("ship_to_party") or customer.match.key,
            ship_to_address=deal.ship_to,
            currency=deal.currency,
            lines=tuple(lines),
            payment_terms_key=terms.match.key,
            requested_delivery_date=max(dates) if dates else None,
            contact_person=contact_person,
            contract_reference=contract_document,
            customer_reference=deal.name[:35],
        ),
        [],
    )


def _missing_fields(deal: Deal) -> list[Failure]:
    failures = []
    if deal.ship_to.is_empty or not deal.ship_to.country:
        failures.append(
            Failure(
                ExceptionType.MISSING_FIELD,
                "The deal has no ship-to address (street, city, postal code and country). Add the shipping address "
                "on the CRM account, then re-queue.",
                field="ship_to",
            )
        )
    if not deal.lines:
        failures.append(Failure(ExceptionType.MISSING_FIELD, "The deal has no line items; nothing to order.", field="lines"))
    for line in deal.lines:
        if line.quantity <= 0:
            failures.append(
                Failure(
                    ExceptionType.MISSING_FIELD,
                    f"Line {line.line_number} ({line.description}) has quantity {line.quantity}; it must be above zero.",
                    field=f"lines[{line.line_number}].quantity",
                )
            )
    return failures


def _customer_failure(name: str, resolution: Resolution) -> Failure:
    best = resolution.candidates[0] if resolution.candidates else None
    hint = (
        f" Closest: {best.label} ({best.key}) at {best.confidence:.0%} — {best.reason}."
        if best
        else " No similar business partner exists."
    )
    return Failure(
        ExceptionType.CUSTOMER_NOT_FOUND,
        f"Customer {name!r} is not mapped to an ERP business partner with enough confidence "
        f"({resolution.confidence:.0%} < {resolution.threshold:.0%}).{hint} Confirm the match or create the "
        "business partner, add it to Crosswalk › Customers, then re-queue.",
        field="account",
        detail=resolution.as_dict(),
    )


def _product_failure(line_number: int, text: str, resolution: Resolution) -> Failure:
    best = resolution.candidates[0] if resolution.candidates else None
    hint = (
        f" Closest material: {best.key} ({best.label}) at {best.confidence:.0%}."
        if best
        else " No similar material is mapped."
    )
    return Failure(
        ExceptionType.PRODUCT_NOT_MAPPED,
        f"Line {line_number}: product {text!r} is not mapped to a material "
        f"({resolution.confidence:.0%} < {resolution.threshold:.0%}).{hint} Map it in Crosswalk › Products, then re-queue.",
        field=f"lines[{line_number}].product",
        detail=resolution.as_dict(),
    )


def _address_failure(deal: Deal, resolution: Resolution) -> Failure:
    errors = (resolution.match.data.get("errors") if resolution.match else None) or {}
    problems = ", ".join(f"{name.replace('_', ' ')} {what}" for name, what in sorted(errors.items())) or resolution.rule
    nearest = resolution.candidates[0] if resolution.candidates else None
    hint = f" Nearest known ship-to: {nearest.label} ({nearest.key}), {nearest.reason}." if nearest else " The customer has no known ship-to address."
    return Failure(
        ExceptionType.ADDRESS_VALIDATION,
        f"The ship-to address {deal.ship_to.one_line()!r} does not validate for {deal.ship_to.country} "
        f"({problems}; confidence {resolution.confidence:.0%} < {resolution.threshold:.0%}).{hint} "
        "Pick the right ship-to, or correct the address on the CRM account, then re-queue.",
        field="ship_to",
        detail=resolution.as_dict(),
        team=Team.LOGISTICS,
    )


def _delivery_date(closed_on: dt.date | None, material_group: str, erp_system: str = "sap") -> dt.date | None:
    if closed_on is None:
        return None
    row = MaterialGroupLeadTime.objects.filter(material_group=material_group, status=MappingStatus.ACTIVE,
                                               erp_system=erp_system).first()
    days = row.lead_time_days if row else settings.HANDOFF_RULES["default_lead_time_days"]
    return closed_on + dt.timedelta(days=days)
