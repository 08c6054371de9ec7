"""factory-boy factories for tests: users with roles, handoffs (with a real canonical deal), exceptions, dead letters,
transformation log rows, crosswalk entries, supplier invoices and match runs. Events go through the kernel's
`record_event` (see `handoff_event`); history at a given time through `event_at` and `backdate`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from crosswalk.models import CustomerMapping, ProductMapping, TransformationLog
from erp_orders.models import Handoff, HandoffState
from exceptions_queue.models import TEAM_FOR_TYPE, DeadLetter, ExceptionType, HandoffException
from handoff_project.integration import canonical as c
from handoff_project.demo.backfill import append_event, set_timestamps
from handoff_project.integration.events import record_event
from payables.models import Invoice, InvoiceStatus, MatchRun

PASSWORD = "test-password-Ops-1"


def role_group(name: str) -> Group:
    # The roles come from a migration, but a transactional test flushes the tables, so create them when missing.
    return Group.objects.get_or_create(name=name)[0]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(user, create, extracted, **kwargs):
        user.save()
        for name in extracted or ():
            user.groups.add(role_group(name))


def canonical_deal(*, crm_id: str = "006AAA", name: str = "Acme renewal 2026", account: str = "Acme Corporation") -> dict:
    """A canonical deal as the pipeline stores it on `Handoff.deal` (built from the real dataclasses)."""
    deal = c.Deal(
        crm_system="salesforce",
        crm_id=crm_id,
        name=name,
        account=c.Party(crm_id="001AAA", name=account, vat_id="DE811907980"),
        lines=(
            c.LineItem(
                line_number=1, crm_line_id="00kAAA", description="Enterprise License, annual", quantity=Decimal("10"),
                unit_price=c.Money(Decimal("1200.00"), "EUR"), product_code="ENT-LIC-1Y", discount_percent=Decimal("5"),
            ),
            c.LineItem(
                line_number=2, crm_line_id="00kAAB", description="Onboarding workshop", quantity=Decimal("2"),
                unit_price=c.Money(Decimal("950.00"), "EUR"), product_code="SVC-ONB",
            ),
        ),
        currency="EUR",
        closed_on=dt.date(2026, 11, 20),
        amount=c.Money(Decimal("13300.00"), "EUR"),
        ship_to=c.Address(street="Hauptstrasse 5", city="Walldorf", postal_code="69190", country="DE"),
        primary_contact=c.Contact(first_name="Jane", last_name="Doe", email="jane.doe@acme.example"),
        payment_terms=c.Terms("Net 45"),
    )
    return c.to_dict(deal)


def order_request(*, reference: str = "SF-006AAA") -> dict:
    order = c.OrderRequest(
        reference=reference,
        sold_to="17100001",
        ship_to="17100001",
        ship_to_address=c.Address(street="Hauptstrasse 5", city="Walldorf", country="DE"),
        currency="EUR",
        lines=(
            c.OrderLine(1, "TG-ENT-1Y", "Enterprise License, annual", Decimal("10"), "EA", c.Money(Decimal("1200.00"), "EUR"), Decimal("5"), "S1"),
            c.OrderLine(2, "SV-ONB", "Onboarding workshop", Decimal("2"), "H", c.Money(Decimal("950.00"), "EUR"), tax_code="S1"),
        ),
        payment_terms_key="NT45",
    )
    return c.to_dict(order)


class HandoffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Handoff

    class Params:
        # A handoff that went all the way: created in SAP and written back to the CRM.
        completed = factory.Trait(
            state=HandoffState.WRITTEN_BACK,
            erp_order_number=factory.Sequence(lambda n: f"{4711 + n:010d}"),
            order_request=factory.LazyAttribute(lambda h: order_request(reference=f"SF-{h.crm_record_id}")),
            writeback_status="done",
        )

    crm_system = "salesforce"
    crm_record_id = factory.Sequence(lambda n: f"006Qy00000{n:05d}AAA")
    erp_system = "sap"
    state = HandoffState.RECEIVED
    deal_name = factory.Sequence(lambda n: f"Deal number {n}")
    customer_name = "Acme Corporation"
    amount = Decimal("13300.00")
    currency = "EUR"
    deal = factory.LazyAttribute(lambda h: canonical_deal(crm_id=h.crm_record_id, name=h.deal_name, account=h.customer_name))


class HandoffExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandoffException

    handoff = factory.SubFactory(HandoffFactory, state=HandoffState.EXCEPTION)
    type = ExceptionType.PRODUCT_NOT_MAPPED
    team = factory.LazyAttribute(lambda e: TEAM_FOR_TYPE[ExceptionType(e.type)])
    field = "lines[1].product"
    message = "No crosswalk entry for product 'Enterprise License, annual'. Add it in the product crosswalk, then re-queue."


class DeadLetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeadLetter

    handoff = factory.SubFactory(HandoffFactory, state=HandoffState.DEAD)
    step = "push"
    reason = "SAP rejected the order: payment terms ZB99 do not exist (SAP V1/123)"
    error_detail = factory.LazyFunction(lambda: {"kind": "RemoteValidationError", "vendor_code": "V1/123"})
    recommended_resolution = "Fix the terms crosswalk entry 'Net 45' or the deal's terms, then re-queue."


class TransformationLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TransformationLog

    handoff_id = factory.LazyFunction(lambda: HandoffFactory().pk)
    kind = "product"
    field = "lines[1].product"
    input_text = "Enterprise License, annual"
    output = "TG-ENT-1Y"
    rule = "exact_name"
    confidence = Decimal("0.9800")
    accepted = True
    candidates = factory.LazyFunction(list)


class ProductMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductMapping

    crm_product_name = factory.Sequence(lambda n: f"Product {n}")
    crm_product_code = factory.Sequence(lambda n: f"P-{n:04d}")
    material = factory.Sequence(lambda n: f"MAT{n:05d}")
    material_description = factory.LazyAttribute(lambda p: p.crm_product_name)


class CustomerMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerMapping

    crm_account_name = factory.Sequence(lambda n: f"Customer {n}")
    business_partner = factory.Sequence(lambda n: f"{17100000 + n}")
    country = "DE"
    city = "Walldorf"


def handoff_event(handoff: Handoff, event_type: str, **fields):
    """Append an event for this handoff through the kernel (the only way events are written)."""
    return record_event(
        event_type,
        handoff_id=handoff.pk,
        crm_record_id=handoff.crm_record_id,
        erp_order_number=fields.pop("erp_order_number", handoff.erp_order_number),
        **fields,
    )


def handoff_awaiting_approval(*, level: str = "high", deal_value: str = "312500", **fields) -> Handoff:
    """A handoff the route step sent to the approval queue (see `send_to_approval`)."""
    handoff = HandoffFactory(state=HandoffState.VALIDATED, **fields)
    return send_to_approval(handoff, level=level, deal_value=deal_value)


def send_to_approval(handoff: Handoff, *, level: str = "high", deal_value: str = "312500") -> Handoff:
    """What the pipeline's route step does to a validated handoff worth `deal_value`: the real risk assessment and
    `request_approval`, then the state the step runner saves."""
    from erp_orders.approvals import request_approval
    from erp_orders.risk import RiskInputs, assess_risk, default_rules
    from handoff_project.integration.events import event_context

    inputs = RiskInputs(deal_value=Decimal(deal_value), currency="USD", discount_percent=Decimal("4.3"), days_outstanding=0,
                        terms="standard", terms_text="Net 45", customer="mapped")
    assessment = assess_risk(inputs, default_rules())
    assert assessment.level == level, f"{deal_value} is {assessment.level} risk, not {level}"
    Handoff.objects.filter(pk=handoff.pk).update(
        state=HandoffState.VALIDATED, amount=Decimal(deal_value),
        order_request=order_request(reference=f"SF-{handoff.crm_record_id}"),
    )
    handoff.refresh_from_db()
    with event_context(handoff_id=handoff.pk, crm_record_id=handoff.crm_record_id):
        state = request_approval(handoff, assessment)
    Handoff.objects.filter(pk=handoff.pk).update(state=state, risk_level=assessment.level, risk_factors=assessment.as_list())
    handoff.refresh_from_db()
    return handoff


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    status = InvoiceStatus.APPROVED
    original_name = factory.Sequence(lambda n: f"invoice-{n}.pdf")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    invoice_number = factory.Sequence(lambda n: f"INV-{n:05d}")
    seller_name = "Northwind Components"
    currency = "USD"
    gross_total = Decimal("1190.00")


class MatchRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatchRun

    invoice = factory.SubFactory(InvoiceFactory)
    outcome = "auto_approved"
    duration_ms = 12.5


def backdate(obj, **timestamps):
    """Set auto_now_add timestamps (received_at, created_at…) to when the record's story happened."""
    return set_timestamps(obj, **timestamps)


def event_at(handoff: Handoff | None, event_type: str, at: dt.datetime, **fields):
    """An event of the log dated `at` (the demo's backfill path; the log refuses moving an event afterwards)."""
    if handoff is not None:
        fields.setdefault("handoff_id", handoff.pk)
        fields.setdefault("crm_record_id", handoff.crm_record_id)
    return append_event(event_type, at=at, **fields)
