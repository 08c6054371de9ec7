"""Read queries of the ops UI and the API (HackSoft style: views and serializers call these, never the ORM directly).

Everything here only reads. Large columns (the canonical deal JSON, event bodies) are left out of list queries so a
page that refreshes every few seconds stays cheap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length

from crosswalk.models import TransformationLog
from erp_orders.models import HAPPY_PATH, Handoff, HandoffState
from handoff_project.integration.models import Event

from .models import DeadLetter, HandoffException

HANDOFF_LIST_DEFERRED = ("deal", "order_request", "last_error")
EVENT_BODY_FIELDS = ("request_body", "body")

# Where each state sits on the happy path; states off the path sit on the step they are working towards.
_HAPPY_INDEX = {state: index for index, state in enumerate(HAPPY_PATH)}
_WORKING_TOWARDS = {HandoffState.AWAITING_APPROVAL: HandoffState.CREATED, HandoffState.PUSHING: HandoffState.CREATED}
FAILED_STATES = (HandoffState.EXCEPTION, HandoffState.DEAD)


# ---- handoffs --------------------------------------------------------------------------------------------------------


def handoff_list(*, state: str = "", crm_system: str = "", query: str = "") -> QuerySet[Handoff]:
    """Handoffs newest first, filtered by state and CRM system, searched by CRM id, deal, customer or ERP order."""
    handoffs = Handoff.objects.defer(*HANDOFF_LIST_DEFERRED).order_by("-received_at", "-id")
    if state == WAITING:  # buffered for an ERP outage, or behind an older order of the customer
        handoffs = handoffs.exclude(wait_reason="")
    elif state:
        handoffs = handoffs.filter(state=state)
    if crm_system:
        handoffs = handoffs.filter(crm_system=crm_system)
    query = (query or "").strip()
    if query:
        handoffs = handoffs.filter(
            Q(crm_record_id__icontains=query)
            | Q(deal_name__icontains=query)
            | Q(customer_name__icontains=query)
            | Q(erp_order_number__icontains=query)
        )
    return handoffs.annotate(
        open_exception_count=Count("exceptions", filter=Q(exceptions__state=HandoffException.State.OPEN))
    )


WAITING = "waiting"


def erp_status() -> list[dict]:
    """Each ERP that is down or has handoffs waiting for it: its state, how many wait, the oldest wait."""
    from erp_orders.connectors.base import erp_label
    from erp_orders.models import ErpAvailability
    from erp_orders.outage import queue_lags

    lags = {lag.erp_system: lag for lag in queue_lags()}
    down = {row.erp_system: row for row in ErpAvailability.objects.filter(state=ErpAvailability.State.DOWN)}
    return [{"erp_system": system, "label": erp_label(system), "down": system in down,
             "down_since": down[system].down_since if system in down else None,
             "waiting": lags[system].waiting if system in lags else 0,
             "oldest_since": lags[system].oldest_since if system in lags else None}
            for system in sorted(set(lags) | set(down))]


def crm_systems() -> list[str]:
    return list(Handoff.objects.order_by("crm_system").values_list("crm_system", flat=True).distinct())


@dataclass(frozen=True)
class ProgressStep:
    state: str
    label: str
    status: str  # done / current / working / failed / todo
    note: str = ""


@dataclass
class HandoffDetail:
    handoff: Handoff
    progress: list[ProgressStep]
    resolutions: list[TransformationLog]
    exceptions: list[HandoffException]
    dead_letters: list[DeadLetter]
    events: list[Event]

    @property
    def open_exceptions(self) -> list[HandoffException]:
        return [e for e in self.exceptions if e.state == HandoffException.State.OPEN]

    @property
    def open_dead_letters(self) -> list[DeadLetter]:
        return [d for d in self.dead_letters if d.state == DeadLetter.State.OPEN]

    @property
    def is_failed(self) -> bool:
        return self.handoff.state in FAILED_STATES


def handoff_by_id(handoff_id: int) -> Handoff:
    return Handoff.objects.get(pk=handoff_id)


def handoff_detail(handoff_id: int) -> HandoffDetail:
    """Everything the detail page shows about one handoff, in a fixed handful of queries."""
    handoff = handoff_by_id(handoff_id)
    return HandoffDetail(
        handoff=handoff,
        progress=handoff_progress(handoff),
        resolutions=list(handoff_resolutions(handoff.pk)),
        exceptions=list(handoff_exceptions(handoff.pk)),
        dead_letters=list(handoff_dead_letters(handoff.pk)),
        events=list(handoff_events(handoff.pk)),
    )


def handoff_progress(handoff: Handoff) -> list[ProgressStep]:
    """The happy path as steps, marking how far this handoff got and where it stopped."""
    state = handoff.state
    if state in FAILED_STATES:
        return _failed_progress(handoff)
    target = _WORKING_TOWARDS.get(state)
    steps = []
    if target is not None:
        target_index = _HAPPY_INDEX[target]
        note = HandoffState(state).label
        for index, step in enumerate(HAPPY_PATH):
            status = "done" if index < target_index else "working" if index == target_index else "todo"
            steps.append(ProgressStep(step, step.label, status, note if status == "working" else ""))
        return steps
    current = _HAPPY_INDEX.get(state, 0)
    for index, step in enumerate(HAPPY_PATH):
        status = "done" if index < current else "current" if index == current else "todo"
        steps.append(ProgressStep(step, step.label, status))
    return steps


def _failed_progress(handoff: Handoff) -> list[ProgressStep]:
    reached = furthest_happy_index(handoff)
    label = HandoffState(handoff.state).label
    steps = []
    for index, step in enumerate(HAPPY_PATH):
        if index <= reached:
            status = "done"
        elif index == reached + 1:
            status = "failed"
        else:
            status = "todo"
        steps.append(ProgressStep(step, step.label, status, label if status == "failed" else ""))
    return steps


def furthest_happy_index(handoff: Handoff) -> int:
    """How far along the happy path the handoff ever got (from its history; 0 = received)."""
    seen = set(handoff.history.values_list("state", flat=True).distinct())
    reached = [_HAPPY_INDEX[s] for s in seen if s in _HAPPY_INDEX]
    # Pushing / awaiting approval imply validation passed.
    if seen & set(_WORKING_TOWARDS):
        reached.append(_HAPPY_INDEX[HandoffState.VALIDATED])
    return max(reached, default=0)


def handoff_resolutions(handoff_id: int) -> QuerySet[TransformationLog]:
    return TransformationLog.objects.filter(handoff_id=handoff_id).order_by("created_at", "id")


def handoff_exceptions(handoff_id: int) -> QuerySet[HandoffException]:
    """Open ones first, newest first within each."""
    return (
        HandoffException.objects.filter(handoff_id=handoff_id)
        .select_related("assignee", "resolved_by")
        .order_by("state", "-created_at", "-id")  # "open" sorts before "resolved"
    )


def handoff_dead_letters(handoff_id: int) -> QuerySet[DeadLetter]:
    return DeadLetter.objects.filter(handoff_id=handoff_id).select_related("closed_by").order_by("-created_at", "-id")


def handoff_events(handoff_id: int, *, with_bodies: bool = False) -> QuerySet[Event]:
    """The timeline of one handoff, oldest first. Bodies (up to 10 KB each) load on demand unless asked for."""
    events = Event.objects.filter(handoff_id=handoff_id).order_by("created_at", "id")
    return events if with_bodies else _without_bodies(events)


def _without_bodies(events: QuerySet[Event]) -> QuerySet[Event]:
    """Leave the bodies in the database but say how big they are, so the UI knows what there is to expand."""
    return events.defer(*EVENT_BODY_FIELDS).annotate(
        request_body_chars=Length("request_body"), body_chars=Length("body")
    )


def handoff_event_count(handoff_id: int) -> int:
    return Event.objects.filter(handoff_id=handoff_id).count()


# ---- exceptions, dead letters ----------------------------------------------------------------------------------------


def exception_list(
    *, state: str = HandoffException.State.OPEN, team: str = "", type: str = "", crm_id: str = ""
) -> QuerySet[HandoffException]:
    exceptions = HandoffException.objects.select_related("handoff").defer(
        *(f"handoff__{name}" for name in HANDOFF_LIST_DEFERRED)
    )
    if state:
        exceptions = exceptions.filter(state=state)
    if team:
        exceptions = exceptions.filter(team=team)
    if type:
        exceptions = exceptions.filter(type=type)
    if crm_id:
        exceptions = exceptions.filter(handoff__crm_record_id=crm_id)
    return exceptions.order_by("-created_at", "-id")


def open_exceptions(*, team: str = "", type: str = "") -> QuerySet[HandoffException]:
    return exception_list(state=HandoffException.State.OPEN, team=team, type=type)


def open_dead_letters() -> QuerySet[DeadLetter]:
    return (
        DeadLetter.objects.filter(state=DeadLetter.State.OPEN)
        .select_related("handoff")
        .defer(*(f"handoff__{name}" for name in HANDOFF_LIST_DEFERRED))
        .order_by("-created_at", "-id")
    )


def queue_counts(user=None) -> dict[str, int]:
    """Open exceptions and dead letters, for the navigation badges (of the user's business units, given a user)."""
    from .business_units import through_handoff

    exceptions = HandoffException.objects.filter(state=HandoffException.State.OPEN)
    letters = DeadLetter.objects.filter(state=DeadLetter.State.OPEN)
    if user is not None:
        exceptions, letters = through_handoff(exceptions, user, keep_without_handoff=True), through_handoff(letters, user)
    return {"open_exceptions": exceptions.count(), "open_dead_letters": letters.count()}


# ---- event log -------------------------------------------------------------------------------------------------------


def event_search(
    *,
    crm_id: str = "",
    erp_order: str = "",
    event_type: str = "",
    outcome: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    handoff_id: int | None = None,
    with_bodies: bool = False,
) -> QuerySet[Event]:
    """The event log, newest first. Every filter is exact (they hit indexes); `since`/`until` are inclusive."""
    events = Event.objects.order_by("-created_at", "-id")
    if not with_bodies:
        events = _without_bodies(events)
    if crm_id:
        events = events.filter(crm_record_id=crm_id.strip())
    if erp_order:
        events = events.filter(erp_order_number=erp_order.strip())
    if event_type:
        events = events.filter(event_type=event_type.strip())
    if outcome:
        events = events.filter(outcome=outcome)
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lte=until)
    if handoff_id is not None:
        events = events.filter(handoff_id=handoff_id)
    return events


def event_by_id(event_id: int) -> Event:
    return Event.objects.get(pk=event_id)


def deal_history(*, crm_id: str = "", erp_order: str = "") -> tuple[list[Handoff], QuerySet[Event]]:
    """One deal end to end, oldest first: every event of its handoff(s), found by CRM record id or ERP order number
    (through the handoff or the ExternalRef binding), plus events that carry the CRM id before a handoff existed."""
    from django.contrib.contenttypes.models import ContentType

    from handoff_project.integration.models import ExternalRef

    crm_id, erp_order = (crm_id or "").strip(), (erp_order or "").strip()
    if not crm_id and not erp_order:
        return [], Event.objects.none()
    handoffs = Handoff.objects.defer(*HANDOFF_LIST_DEFERRED)
    match = Q(crm_record_id=crm_id) if crm_id else Q()
    if erp_order:
        bound = ExternalRef.objects.filter(external_id=erp_order, content_type=ContentType.objects.get_for_model(Handoff))
        match |= Q(erp_order_number=erp_order) | Q(pk__in=[int(pk) for pk in bound.values_list("object_id", flat=True) if pk.isdigit()])
    found = list(handoffs.filter(match).order_by("received_at"))
    ids = [h.pk for h in found]
    crm_ids = {crm_id} | {h.crm_record_id for h in found} - {""}
    events = Event.objects.filter(Q(handoff_id__in=ids) | Q(crm_record_id__in=crm_ids)).order_by("created_at", "id")
    return found, _without_bodies(events)


def recent_alerts(*, limit: int = 200, user=None):
    """The newest alerts; given a user limited to business units, those of their units' handoffs and those of no
    handoff (an ERP outage, a lag alert)."""
    from .business_units import through_handoff
    from .models import Alert

    alerts = Alert.objects.select_related("handoff").defer(*(f"handoff__{name}" for name in HANDOFF_LIST_DEFERRED))
    if user is not None:
        alerts = through_handoff(alerts, user, keep_without_handoff=True)
    return alerts.order_by("-created_at", "-id")[:limit]
