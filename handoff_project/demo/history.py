"""A few weeks of believable history for the demo's health dashboard and SLA report (`seed_history`).

Every day: handoffs from the three CRMs to the five ERPs (more on weekdays, most in business hours), each written
by history_deals with its events and HTTP durations; supplier invoices with their 3-way match; once a week an ERP
outage during which that ERP's handoffs were buffered and drained. Deterministic (seeded by the day) and idempotent:
generated records carry HIST- ids, and a second run adds only days that are missing (e.g. the days since the last
run), never duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from erp_orders.models import Handoff
from exceptions_queue.models import TEAM_FOR_TYPE, ExceptionType, HandoffException
from handoff_project.integration.models import Event, Outcome
from payables.models import Invoice, InvoiceStatus, MatchOutcome, MatchRun

from .backfill import append_event, set_timestamps
from .history_deals import Outage, pick_scenario, write_deal

PREFIX = "HIST-"
# Nothing is generated this close to now: every generated step must have happened already.
MARGIN = dt.timedelta(minutes=15)
# Most of what needed a person in the last days still waits for one (the open exceptions and dead letters).
RECENT = dt.timedelta(days=3)
CRMS = {"salesforce": 55, "hubspot": 30, "pipedrive": 15}
ERPS = {"sap": 40, "netsuite": 20, "business_central": 15, "oracle": 15, "odoo": 10}
SUPPLIERS = ["Northwind Components", "Contoso Electronics", "Fabrikam Metals", "Tailspin Packaging", "Litware Plastics"]
# First 3-way match outcome of a supplier invoice: (outcome, invoice status, exception type, weight).
INVOICE_OUTCOMES = [
    (MatchOutcome.AUTO_APPROVED, InvoiceStatus.APPROVED, None, 88),
    (MatchOutcome.HOLD, InvoiceStatus.ON_HOLD, ExceptionType.INVOICE_PRICE_VARIANCE, 6),
    (MatchOutcome.BLOCK, InvoiceStatus.BLOCKED, ExceptionType.NO_GOODS_RECEIPT, 4),
    (MatchOutcome.FLAG, InvoiceStatus.FLAGGED, ExceptionType.PAYMENT_TERMS_DIFFER, 2),
]


def _users() -> dict[str, User]:
    users = {}
    for name in ("ops", "approver"):
        user, created = User.objects.get_or_create(username=name, defaults={"email": f"{name}@demo.invalid"})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users[name] = user
    return users


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    """A time on `day`, mostly in business hours (local time)."""
    hour = rng.uniform(8, 18) if rng.random() < 0.8 else rng.uniform(0, 24)
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return midnight + dt.timedelta(hours=hour)


def outage_of_week(monday: dt.date, index: int) -> Outage:
    """One ERP outage per week: a weekday afternoon, 40–110 minutes, a different ERP each week."""
    rng = random.Random(f"outage-{monday.isoformat()}")
    start = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(days=rng.randint(1, 3)), dt.time(10)))
    start += dt.timedelta(minutes=rng.randint(0, 300))
    return Outage(list(ERPS)[index % len(ERPS)], start, start + dt.timedelta(minutes=rng.randint(40, 110)))


def seed_history(*, weeks: int = 3, now: dt.datetime | None = None) -> Counter:
    """Write the last `weeks` weeks of history up to `now`; returns what was added (handoffs, invoices, outages)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - dt.timedelta(weeks=weeks)
    days = [first + dt.timedelta(days=n) for n in range((today - first).days + 1)]
    existing = set(Handoff.objects.filter(crm_record_id__startswith=PREFIX).values_list("crm_record_id", flat=True))
    existing_invoices = set(Invoice.objects.filter(invoice_number__startswith=PREFIX).values_list("invoice_number", flat=True))
    added: Counter = Counter()
    users = _users()
    with transaction.atomic():
        outages = {}
        for day in days:
            monday = day - dt.timedelta(days=day.weekday())
            if monday not in outages:
                outages[monday] = outage_of_week(monday, monday.toordinal() // 7)
                if outages[monday].end > now - MARGIN:
                    outages[monday] = None  # this week's outage has not happened yet
                elif _write_outage(outages[monday]):
                    added["outages"] += 1
            rng = random.Random(f"handoffs-{day.isoformat()}")
            busy = day.weekday() < 5
            for n in range(rng.randint(22, 34) if busy else rng.randint(3, 8)):
                crm_id = f"{PREFIX}{day:%Y%m%d}-{n:03d}"
                received = _moment(rng, day)
                scenario, crm, erp = pick_scenario(rng), _pick(rng, CRMS), _pick(rng, ERPS)
                deal_rng = random.Random(crm_id)
                if crm_id in existing or received > now - MARGIN:
                    continue
                write_deal(rng=deal_rng, crm_id=crm_id, crm=crm, erp=erp, received=received, scenario=scenario,
                           outage=outages[monday], users=users, now=now, unresolved=(now - received) < RECENT and deal_rng.random() < 0.7)
                added["handoffs"] += 1
            for n in range(rng.randint(4, 9) if busy else 0):
                number = f"{PREFIX}INV-{day:%Y%m%d}-{n:02d}"
                received = _moment(rng, day)
                if number in existing_invoices or received > now - MARGIN:
                    continue
                _write_invoice(random.Random(number), number, received, users, now)
                added["invoices"] += 1
    return added


def _write_outage(outage: Outage) -> bool:
    key = f"{outage.erp_system}@{outage.start.isoformat()}"
    if Event.objects.filter(event_type="erp_down", data__demo_outage=key).exists():
        return False
    append_event("erp_down", at=outage.start, outcome=Outcome.TRANSIENT_ERROR, system=outage.erp_system,
                 message=f"{outage.erp_system} failed 3 times in a row (HTTP 503); handoffs wait in order", data={"demo_outage": key})
    append_event("erp_drained", at=outage.end, outcome=Outcome.SUCCESS, system=outage.erp_system,
                 message=f"buffered handoffs queued for {outage.erp_system} in the order they arrived", data={"demo_outage": key})
    append_event("erp_up", at=outage.end, outcome=Outcome.SUCCESS, system=outage.erp_system,
                 message=f"{outage.erp_system} answers again after {int((outage.end - outage.start).total_seconds() // 60)} min",
                 data={"demo_outage": key})
    return True


def _write_invoice(rng: random.Random, number: str, received: dt.datetime, users: dict, now: dt.datetime) -> Invoice:
    outcome, status, exception_type, _w = rng.choices(INVOICE_OUTCOMES, weights=[o[3] for o in INVOICE_OUTCOMES])[0]
    matched = received + dt.timedelta(seconds=rng.uniform(4, 45))
    supplier = rng.choice(SUPPLIERS)
    gross = Decimal(rng.randint(300, 48000)).quantize(Decimal("0.01"))
    invoice = Invoice.objects.create(
        status=status, original_name=f"{number}.pdf", sha256=hashlib.sha256(number.encode()).hexdigest(), format="pdf",
        invoice_number=number, seller_name=supplier, currency="USD", gross_total=gross, net_total=gross,
        po_reference=f"45{rng.randint(10**6, 10**7 - 1)}", issue_date=received.date(), matched_at=matched)
    set_timestamps(invoice, received_at=received)
    duration = rng.uniform(3, 40)
    run = MatchRun.objects.create(invoice=invoice, outcome=outcome, duration_ms=round(duration, 3),
                                  findings=[] if exception_type is None else [{"kind": str(exception_type), "message": "see exception"}])
    set_timestamps(run, created_at=matched)
    data = {"invoice_id": invoice.pk}
    append_event("invoice_received", at=received, system="payables", message=f"{number}.pdf", data=data)
    append_event("invoice_matched", at=matched, system="payables", duration_ms=int(duration), data={**data, "outcome": outcome},
                 outcome=Outcome.SUCCESS if exception_type is None else Outcome.VALIDATION_FAILURE,
                 message=f"Invoice {number}: {MatchOutcome(outcome).label}")
    if exception_type is not None:
        exception = HandoffException(invoice=invoice, type=exception_type, team=TEAM_FOR_TYPE[exception_type],
                                     message=f"{ExceptionType(exception_type).label} on invoice {number}", detail={"action": outcome})
        exception.skip_history_when_saving = True
        exception.save()
        resolved = matched + dt.timedelta(hours=rng.uniform(1, 30))
        fields = {"created_at": matched}
        if resolved < now:
            fields.update(state=HandoffException.State.RESOLVED, resolved_at=resolved, resolved_by=users["ops"], resolution_kind="correction")
        HandoffException.objects.filter(pk=exception.pk).update(**fields)
    return invoice
