"""One past handoff, told the way the pipeline would have logged it (for handoff_project.demo.history).

`write_deal` creates the handoff in its final state with its crosswalk resolutions, exceptions, approval, dead
letter and events, each at the time it happened: the CRM fetch, the ERP price check and create as HTTP exchanges
with realistic durations, a person's resolution hours later, buffering during an ERP outage. Scenarios are
weighted so the weeks land near (and sometimes miss) the seed's targets.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from crosswalk.models import TransformationLog
from erp_orders.models import Approval, ApprovalState, Handoff, HandoffState, WritebackStatus
from erp_orders.resolution import erp_reference
from exceptions_queue.models import TEAM_FOR_TYPE, DeadLetter, ExceptionType, HandoffException
from handoff_project.integration.models import Outcome

from . import catalogue as c
from .backfill import append_events, dated_event

# Median HTTP response time per system, ms (a lognormal spread around it).
RESPONSE_MS = {"sap": 420, "netsuite": 650, "business_central": 300, "oracle": 820, "odoo": 180,
               "salesforce": 260, "hubspot": 210, "pipedrive": 240}
SCENARIOS = {  # name: weight
    "automatic": 80, "intervention_window": 5, "approved": 3, "price_override": 3, "price_correction": 1,
    "unmapped_product": 3, "customer_not_found": 1, "dead_letter_requeued": 2, "dead_letter_discarded": 1,
    "dead_letter_exhausted": 1, "rejected": 1,
}
# Scenarios that stop for a person; recent ones may still be waiting.
NEEDS_A_PERSON = {"price_override", "price_correction", "unmapped_product", "customer_not_found",
                  "dead_letter_requeued", "dead_letter_discarded", "dead_letter_exhausted"}
SECOND = dt.timedelta(seconds=1)


@dataclass(frozen=True)
class Outage:
    erp_system: str
    start: dt.datetime
    end: dt.datetime


@dataclass
class Story:
    """A handoff's events as they are written, in time order."""

    handoff: Handoff
    rng: random.Random
    events: list = field(default_factory=list)
    resolutions: list = field(default_factory=list)

    def event(self, event_type: str, at: dt.datetime, **fields):
        self.events.append(dated_event(event_type, at=at, handoff_id=self.handoff.pk, crm_record_id=self.handoff.crm_record_id,
                                       erp_order_number=fields.pop("erp_order_number", ""), **fields))

    def write(self) -> None:
        append_events(sorted(self.events, key=lambda e: e.created_at))
        for at in {row.created_at for row in self.resolutions}:  # one crosswalk pass, one timestamp
            batch = TransformationLog.objects.bulk_create([row for row in self.resolutions if row.created_at == at])
            TransformationLog.objects.filter(pk__in=[row.pk for row in batch]).update(created_at=at)

    def http(self, system: str, method: str, path: str, at: dt.datetime, status: int = 200, **fields) -> dt.datetime:
        duration = int(min(self.rng.lognormvariate(0, 0.45) * RESPONSE_MS[system], 15000))
        outcome = Outcome.SUCCESS if status < 400 else Outcome.TRANSIENT_ERROR if status >= 500 else Outcome.ERP_ERROR
        self.event("http", at, system=system, method=method, endpoint=f"https://{system}.example{path}", http_status=status,
                   duration_ms=duration, outcome=outcome, **fields)
        return at + dt.timedelta(milliseconds=duration)


def pick_scenario(rng: random.Random) -> str:
    return rng.choices(list(SCENARIOS), weights=list(SCENARIOS.values()))[0]


def write_deal(*, rng: random.Random, crm_id: str, crm: str, erp: str, received: dt.datetime, scenario: str,
               outage: Outage | None, users: dict, now: dt.datetime, unresolved: bool) -> Handoff:
    account = rng.choice(c.SAP_BUSINESS_PARTNERS)
    products = rng.sample(c.PRODUCT_CROSSWALK, rng.randint(1, 3))
    amount = Decimal(rng.choice([4800, 9600, 18250, 31400, 47200, 88000, 142500, 312000]))
    if scenario == "automatic":
        amount = min(amount, Decimal(47200))
    handoff = Handoff(crm_system=crm, crm_record_id=crm_id, erp_system=erp, state=HandoffState.RECEIVED,
                      deal_name=f"{account['BusinessPartnerFullName']}: {products[0][0]}",
                      customer_name=account["BusinessPartnerFullName"], amount=amount, currency="USD",
                      erp_reference=erp_reference(crm, crm_id), erp_customer=account["BusinessPartner"],
                      risk_level="low")
    handoff.skip_history_when_saving = True  # the history is these events, not a save made today
    handoff.save()
    story = Story(handoff, rng)
    story.event("handoff_opened", received, outcome=Outcome.SUCCESS, system=crm, message=f"deal won in {crm}")
    t = story.http(crm, "GET", f"/deals/{crm_id}", received + SECOND)
    story.event("deal_fetched", t, outcome=Outcome.SUCCESS, system=crm, message=f"{handoff.deal_name}: {len(products)} line(s)")
    t, failed_input = _resolve(story, account, products, scenario, t + SECOND)
    fields: dict = {"state": HandoffState.WRITTEN_BACK}
    if outage and outage.erp_system == erp and outage.start <= t < outage.end:
        t = story.http(erp, "GET", "/prices", t, status=503)
        fields.update(waiting_for_erp_since=t + SECOND)
        story.event("erp_buffered", t + SECOND, system=erp, message=f"waiting for {erp} (unavailable); nothing is lost")
        t = outage.end + dt.timedelta(seconds=rng.uniform(2, 40))
    t = story.http(erp, "GET", "/prices", t)
    t += dt.timedelta(seconds=rng.lognormvariate(3.4, 0.5))  # the queue: 30 s median before the next step runs
    t = _decide(story, scenario, t, fields, users, now, unresolved, failed_input)
    if fields["state"] == HandoffState.WRITTEN_BACK:
        t = _create_order(story, erp, crm, t, fields)
    story.write()
    for name, value in fields.items():
        setattr(handoff, name, value)
    Handoff.objects.filter(pk=handoff.pk).update(**fields, received_at=received, updated_at=min(t, now))
    return handoff


def _resolve(story: Story, account: dict, products: list, scenario: str, t: dt.datetime) -> tuple[dt.datetime, tuple]:
    """The crosswalk resolutions; returns when they were done and (field, CRM text) of the one that failed, if any."""
    rng, pk = story.rng, story.handoff.pk
    failed = ("account", account["BusinessPartnerFullName"]) if scenario == "customer_not_found" else ("", "")

    def log(kind, field_name, text, output, confidence, rule):
        story.resolutions.append(TransformationLog(
            handoff_id=pk, kind=kind, field=field_name, input_text=text, output=output, rule=rule,
            confidence=Decimal(str(round(confidence, 4))), accepted=bool(output), created_at=t))

    customer_found = scenario != "customer_not_found"
    log("customer", "account", account["BusinessPartnerFullName"], account["BusinessPartner"] if customer_found else "",
        rng.uniform(0.96, 1.0) if customer_found else rng.uniform(0.55, 0.84), "vat_exact" if customer_found else "fuzzy_name")
    log("address", "ship_to", account["StreetName"], account["BusinessPartner"], rng.choice([1.0, 1.0, rng.uniform(0.88, 0.99)]), "known_ship_to")
    log("payment_terms", "payment_terms", "Net 30", "NT30", 1.0, "exact")
    for number, (name, _code, material, _tax) in enumerate(products, start=1):
        unmapped = scenario == "unmapped_product" and number == len(products)
        confidence = rng.uniform(0.45, 0.8) if unmapped else rng.choice([1.0, 1.0, 1.0, rng.uniform(0.86, 0.99)])
        log("product", f"lines[{number}].product", name, "" if unmapped else material, confidence, "fuzzy_name" if confidence < 1 else "code_exact")
        if unmapped:
            failed = (f"lines[{number}].product", name)
        else:
            log("tax_code", f"lines[{number}].tax_code", "", "O1", 1.0, "jurisdiction")
    return t + dt.timedelta(seconds=rng.uniform(0.5, 3)), failed


def _decide(story: Story, scenario: str, t: dt.datetime, fields: dict, users: dict, now: dt.datetime, unresolved: bool,
            failed_input: tuple) -> dt.datetime:
    """What happened between validation and the push: nothing, an approval, an exception or a dead letter."""
    rng, handoff = story.rng, story.handoff
    later = t + dt.timedelta(hours=rng.uniform(0.3, 7))
    if later >= now or (unresolved and scenario in NEEDS_A_PERSON):
        later = None  # still waiting for a person
    if scenario in ("intervention_window", "approved", "rejected"):
        level = "medium" if scenario == "intervention_window" else "high"
        fields["risk_level"] = level
        approval = Approval.objects.create(handoff=handoff, level=level, factors=[{"factor": "deal_value", "level": level}])
        Approval.objects.filter(pk=approval.pk).update(requested_at=t)
        story.event("approval_requested", t, message=f"{level} risk: waits for an approver")
        if t + dt.timedelta(minutes=15) >= now:  # the approver has not decided yet
            fields["state"] = HandoffState.AWAITING_APPROVAL
            return t
        if scenario == "intervention_window":
            decided, state, by = t + dt.timedelta(minutes=15), ApprovalState.RELEASED, None
            story.event("approval_released", decided, outcome=Outcome.SUCCESS, message="the intervention window passed")
        else:
            decided = min(t + dt.timedelta(minutes=rng.uniform(20, 240)), now - dt.timedelta(minutes=5))
            state, by = (ApprovalState.APPROVED, users["approver"]) if scenario == "approved" else (ApprovalState.REJECTED, users["approver"])
            story.event(scenario, decided, message=f"approver {scenario} the handoff", data={"user": "approver"})
        Approval.objects.filter(pk=approval.pk).update(state=state, decided_at=decided, decided_by=by)
        if scenario == "rejected":
            fields.update(state=HandoffState.CLOSED, closed_reason="Rejected by approver: discount not agreed")
        return decided
    if scenario in ("price_override", "price_correction", "unmapped_product", "customer_not_found"):
        kind = {"price_override": ExceptionType.PRICE_VARIANCE, "price_correction": ExceptionType.PRICE_VARIANCE,
                "unmapped_product": ExceptionType.PRODUCT_NOT_MAPPED, "customer_not_found": ExceptionType.CUSTOMER_NOT_FOUND}[scenario]
        field_name, text = failed_input if failed_input[0] else ("lines[1].unit_price", "")
        detail = {"kind": "customer" if field_name == "account" else "product", "input": text} if text else {"variance": "0.046"}
        exception = HandoffException(handoff=handoff, type=kind, team=TEAM_FOR_TYPE[kind], field=field_name, detail=detail,
                                     message=f"{kind.label}: {text or field_name}")
        exception.skip_history_when_saving = True
        exception.save()
        story.event("exception_opened", t, outcome=Outcome.VALIDATION_FAILURE, message=exception.message,
                    data={"exception_id": exception.pk, "type": kind, "field": field_name})
        closed = {"created_at": t}
        if later is None:
            fields["state"] = HandoffState.EXCEPTION
        else:
            how = {"price_override": "override", "price_correction": "correction"}.get(scenario, "candidate")
            event_type = {"override": "check_overridden", "correction": "deal_corrected"}.get(how, "exception_resolved")
            data = {"user": "ops", "exception_id": exception.pk, "type": kind, "how": how}
            data.update({"override": {"field": field_name}, "correction": {"changes": {field_name: ["1890.00", "1800.00"]}}}.get(how, {}))
            story.event(event_type, later, message=f"ops resolved the exception {kind.label!r} ({how})", data=data)
            story.event("requeued", later + SECOND, message="ops re-queued (exception → received)", data={"user": "ops"})
            closed.update(state=HandoffException.State.RESOLVED, resolved_at=later, resolved_by=users["ops"], resolution_kind=how)
        HandoffException.objects.filter(pk=exception.pk).update(**closed)
        return (later or t) + dt.timedelta(seconds=rng.uniform(20, 60))
    if scenario.startswith("dead_letter"):
        if scenario == "dead_letter_exhausted" and t + dt.timedelta(hours=6) > now:
            scenario = "dead_letter_requeued"  # five retries take over five hours: too recent for that story
        letter, t = _dead_letter(story, scenario, t)
        if later is not None:
            later = max(later, t + dt.timedelta(minutes=rng.uniform(10, 90)))
            later = later if later < now else None
        letter.skip_history_when_saving = True
        letter.save()
        update = {"created_at": t}
        if later is None:
            fields["state"] = HandoffState.DEAD
        elif scenario == "dead_letter_exhausted":
            story.event("requeued", later, message="ops re-queued (dead → pushing) once the ERP answered again", data={"user": "ops"})
            update.update(state=DeadLetter.State.REQUEUED, closed_at=later, closed_by=users["ops"], close_reason="ERP back")
        elif scenario == "dead_letter_requeued":
            story.event("payload_edited", later, message="ops edited the order request: ship_to_address.postal_code",
                        data={"user": "ops", "dead_letter_id": letter.pk, "paths": ["ship_to_address.postal_code"]})
            story.event("requeued", later + SECOND, message="ops re-queued (dead → pushing)", data={"user": "ops"})
            update.update(state=DeadLetter.State.REQUEUED, closed_at=later, closed_by=users["ops"], close_reason="postal code corrected")
        else:
            story.event("dead_letter_discarded", later, message="ops discarded the dead letter: duplicate of an order keyed by hand",
                        data={"user": "ops", "dead_letter_id": letter.pk})
            update.update(state=DeadLetter.State.DISCARDED, closed_at=later, closed_by=users["ops"], close_reason="keyed by hand")
            fields.update(state=HandoffState.CLOSED, closed_reason="Dead letter discarded: keyed by hand")
        DeadLetter.objects.filter(pk=letter.pk).update(**update)
        return (later or t) + dt.timedelta(seconds=rng.uniform(20, 60))
    return t


def _dead_letter(story: Story, scenario: str, t: dt.datetime) -> tuple[DeadLetter, dt.datetime]:
    erp = story.handoff.erp_system
    if scenario == "dead_letter_exhausted":
        for attempt, delay in enumerate((30, 120, 600, 3600, 14400), start=1):
            t = story.http(erp, "POST", "/orders", t, status=503)
            story.event("push", t, outcome=Outcome.RETRY_SCHEDULED, system=erp, message=f"{erp} answered HTTP 503 — retry {attempt} of 5")
            t += dt.timedelta(seconds=delay)
        reason = f"{erp} answered HTTP 503 through every retry"
        story.event("push", t, outcome=Outcome.DEAD_LETTERED, system=erp, message=f"{reason} — retries exhausted")
        detail, exhausted, advice = {"kind": "TransientError", "system": erp, "http_status": 503}, True, "Check that the ERP is up, then re-queue."
    else:
        t = story.http(erp, "POST", "/orders", t, status=400)
        reason = f"{erp} rejected the order: the ship-to postal code has the wrong format"
        story.event("push", t, outcome=Outcome.ERP_ERROR, system=erp, message=reason)
        detail, exhausted, advice = {"kind": "RemoteValidationError", "system": erp, "http_status": 400}, False, "Correct the address, then re-queue."
    letter = DeadLetter(handoff=story.handoff, step="push", reason=reason, recommended_resolution=advice,
                        error_detail=detail, retries_exhausted=exhausted)
    return letter, t


def _create_order(story: Story, erp: str, crm: str, t: dt.datetime, fields: dict) -> dt.datetime:
    rng = story.rng
    number = f"{rng.randint(10**7, 10**8 - 1)}"
    t = story.http(erp, "GET", "/orders?reference", t)
    t = story.http(erp, "POST", "/orders", t, status=201, erp_order_number=number)
    story.event("state_changed", t, outcome=Outcome.SUCCESS, message="pushing → created", erp_order_number=number)
    created = t
    t = story.http(crm, "PATCH", f"/deals/{story.handoff.crm_record_id}", t + dt.timedelta(seconds=rng.uniform(1, 6)), erp_order_number=number)
    story.event("state_changed", t, outcome=Outcome.SUCCESS, message="created → written_back", erp_order_number=number)
    fields.update(erp_order_number=number, created_in_erp_at=created, completed_at=t, writeback_status=WritebackStatus.DONE)
    return t
