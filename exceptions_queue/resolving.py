"""A person resolves exceptions: pick a candidate, correct a field, override a check with a reason; assign; bulk.

* Picking a candidate for a customer / product / payment terms teaches the crosswalk (`crosswalk.learning`): the CRM
  text becomes an alias of the picked mapping at once, or a proposed mapping the master-data team accepts first (the
  exception then stays open, saying so). A customer key that was not among the candidates means "I created this
  customer in the ERP": the handoff remembers it, and risk routing treats the customer as new.
* A correction changes the handoff's copy of the deal (the CRM keeps its value: the event says what to fix there).
* An override accepts what a check refused (e.g. a price variance) with a reason; the pipeline skips that check for
  that field from then on.

Each is an event naming the person — four-eyes (erp_orders.approvals) reads them. When a handoff has no open exception
left it runs again, on the deal as the person decided it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from handoff_project.integration.events import event_context, record_event

from .models import ExceptionType, HandoffException

KIND_FOR_TYPE = {ExceptionType.PRODUCT_NOT_MAPPED: "product", ExceptionType.CUSTOMER_NOT_FOUND: "customer"}
OVERRIDABLE = (ExceptionType.PRICE_VARIANCE, ExceptionType.BELOW_MINIMUM, ExceptionType.CREDIT_CHECK, ExceptionType.ADDRESS_VALIDATION)
ADDRESS_PARTS = ("street", "postal_code", "city", "region", "country")
LINE_FIELDS = ("unit_price", "quantity", "discount_percent")
_LINE_PATH = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


class ResolutionRefused(Exception):
    """The action does not fit this exception; the message says what would."""


@dataclass(frozen=True)
class Resolved:
    exception: HandoffException
    message: str
    requeued: bool = False
    learned: str = ""  # alias_added / already_known / proposed / ""


def learn_kind(exception: HandoffException) -> str:
    if exception.type == ExceptionType.MISSING_FIELD and exception.field == "payment_terms":
        return "payment_terms"
    return KIND_FOR_TYPE.get(exception.type, "")


def correctable_fields(exception: HandoffException) -> list[str]:
    """The deal paths a person may correct to clear this exception."""
    field = exception.field or ""
    if field == "ship_to":
        return [f"ship_to.{part}" for part in ADDRESS_PARTS]
    if field == "payment_terms":
        return ["payment_terms"]
    match = _LINE_PATH.match(field)
    if match and match.group(2) in LINE_FIELDS:
        return [field]
    return []


# ---- one exception ------------------------------------------------------------------------------------------------


def resolve_with_candidate(*, exception_id: int, user, erp_key: str, note: str = "") -> Resolved:
    from crosswalk.learning import learn_from_resolution

    erp_key = (erp_key or "").strip()
    with transaction.atomic():
        exception = _open_for_change(exception_id)
        kind = learn_kind(exception)
        if not kind:
            raise ResolutionRefused(f"A {exception.get_type_display().lower()} is not resolved by picking a candidate.")
        if not erp_key:
            raise ResolutionRefused("Pick a candidate or enter the ERP key.")
        candidates = {c.get("key"): c for c in exception.detail.get("candidates") or [] if isinstance(c, dict)}
        picked = candidates.get(erp_key)
        crm_text = exception.detail.get("input") or _crm_text(exception)
        if not crm_text:
            raise ResolutionRefused("The exception does not say which CRM text failed; correct the crosswalk in the admin.")
        defaults = {k: picked[k] for k in ("material_group", "unit", "tax_class") if picked and picked.get(k)} if kind == "product" else {}
        handoff = exception.handoff
        learned = learn_from_resolution(kind=kind, crm_text=crm_text, erp_key=erp_key, user=user, defaults=defaults,
                                        erp_system=handoff.erp_system or None)
        if kind == "customer":
            handoff.decisions = {**(handoff.decisions or {}), "customer_origin": "unmapped" if picked else "new"}
            handoff.save(update_fields=["decisions", "updated_at"])
        how = f"picked {erp_key}" + (f" ({picked.get('label')}, {float(picked.get('confidence') or 0):.0%})" if picked else " (not among the candidates)")
        if learned.outcome == "proposed":
            exception.resolution_note = f"{user.get_username()} proposed {kind} {crm_text!r} → {erp_key} (mapping {learned.mapping_id}); waiting for master data to accept it."
            exception.assignee = exception.assignee or user
            exception.save(update_fields=["resolution_note", "assignee"])
            _record(exception, "mapping_proposed", user, f"{how}; proposed to master data as mapping {learned.mapping_id}", note)
            return Resolved(exception, f"Proposed {crm_text!r} → {erp_key} to master data (mapping {learned.mapping_id}). "
                            "The exception stays open until the mapping is accepted; then re-queue.", learned=learned.outcome)
        _close(exception, user, "candidate", note or how)
        _record(exception, "exception_resolved", user, f"{how}; the crosswalk learned it ({learned.outcome.replace('_', ' ')})", note,
                how="candidate", erp_key=erp_key, learned=learned.outcome)
        requeued = _rerun_if_clear(exception, user, note or how)
    return Resolved(exception, _done(exception, f"{crm_text!r} is now {erp_key} in the crosswalk", requeued), requeued, learned.outcome)


def correct_fields(*, exception_id: int, user, values: dict[str, str], note: str = "") -> Resolved:
    with transaction.atomic():
        exception = _open_for_change(exception_id)
        allowed = correctable_fields(exception)
        if not allowed:
            raise ResolutionRefused(f"Nothing on the deal can be corrected for a {exception.get_type_display().lower()}.")
        changes = {path: str(value).strip() for path, value in values.items() if path in allowed and str(value).strip() != ""}
        if not changes:
            raise ResolutionRefused(f"Enter a corrected value for {', '.join(allowed)}.")
        handoff = exception.handoff
        if not handoff.deal:
            raise ResolutionRefused("The deal was never fetched from the CRM; re-queue it instead.")
        deal = handoff.deal
        diffs = [apply_correction(deal, path, value) for path, value in changes.items()]
        handoff.deal = deal
        handoff.save(update_fields=["deal", "updated_at"])
        what = "; ".join(f"{path}: {old!s} → {new!s}" for path, old, new in diffs)
        _close(exception, user, "correction", note or what)
        _record(exception, "deal_corrected", user, f"corrected {what} (correct it in the CRM too)", note,
                how="correction", changes={p: [str(o), str(n)] for p, o, n in diffs})
        requeued = _rerun_if_clear(exception, user, note or what)
    return Resolved(exception, _done(exception, f"corrected {what}", requeued), requeued)


def override_check(*, exception_id: int, user, reason: str) -> Resolved:
    reason = (reason or "").strip()
    with transaction.atomic():
        exception = _open_for_change(exception_id)
        if exception.type not in OVERRIDABLE:
            raise ResolutionRefused(f"A {exception.get_type_display().lower()} cannot be overridden; it has to be fixed.")
        if len(reason) < 5:
            raise ResolutionRefused("Give the reason for the override (it is kept with the order's history).")
        handoff = exception.handoff
        decisions = dict(handoff.decisions or {})
        decisions["overrides"] = {**decisions.get("overrides", {}), exception.field: {
            "type": exception.type, "reason": reason, "user": user.get_username(), "at": timezone.now().isoformat()}}
        handoff.decisions = decisions
        handoff.save(update_fields=["decisions", "updated_at"])
        _close(exception, user, "override", reason)
        _record(exception, "check_overridden", user, f"overrode the {exception.get_type_display().lower()} on {exception.field}", reason,
                how="override", field=exception.field)
        requeued = _rerun_if_clear(exception, user, f"override: {reason}")
    return Resolved(exception, _done(exception, f"overrode the check on {exception.field}", requeued), requeued)


# ---- many exceptions ----------------------------------------------------------------------------------------------


def assign(*, exception_ids: list[int], assignee, user) -> int:
    """Give exceptions to a person (None: unassign). Returns how many changed."""
    with transaction.atomic():
        exceptions = list(HandoffException.objects.select_for_update().filter(pk__in=exception_ids, state=HandoffException.State.OPEN))
        for exception in exceptions:
            exception.assignee = assignee
            exception.save(update_fields=["assignee"])
            _record(exception, "exception_assigned", user,
                    f"assigned the {exception.get_type_display().lower()} to {assignee.get_username() if assignee else 'nobody'}", "")
    return len(exceptions)


def bulk_resolve(*, exception_ids: list[int], user, note: str) -> tuple[int, int]:
    """Close exceptions whose cause a person fixed elsewhere (CRM, crosswalk admin) and re-run the handoffs that have
    nothing open any more. Returns (closed, re-queued)."""
    note = (note or "").strip()
    if not note:
        raise ResolutionRefused("Say what was fixed: the note is kept with every exception.")
    closed, requeued = 0, 0
    with transaction.atomic():
        exceptions = list(HandoffException.objects.select_for_update(of=("self",)).select_related("handoff")
                          .filter(pk__in=exception_ids, state=HandoffException.State.OPEN))
        for exception in exceptions:
            _close(exception, user, "bulk", note)
            _record(exception, "exception_closed", user, "closed in bulk", note)
            closed += 1
        for handoff_id in {e.handoff_id for e in exceptions if e.handoff_id}:
            requeued += _rerun_handoff(handoff_id, user, note, keep_deal=False)
    return closed, requeued


# ---- corrections on the stored canonical deal (pure) -----------------------------------------------------------------


def apply_correction(deal: dict, path: str, value: str) -> tuple[str, str, str]:
    """Change one path of a canonical deal dict in place; returns (path, old, new). Raises ResolutionRefused."""
    if path == "payment_terms":
        old = (deal.get("payment_terms") or {}).get("text", "")
        deal["payment_terms"] = {"text": value, "is_default": False}
        return path, old, value
    if path.startswith("ship_to."):
        part = path.split(".", 1)[1]
        if part not in ADDRESS_PARTS:
            raise ResolutionRefused(f"{path} is not part of an address.")
        if part == "country" and not re.fullmatch(r"[A-Za-z]{2}", value):
            raise ResolutionRefused("The country is a two-letter ISO code (US, DE, GB…).")
        address = dict(deal.get("ship_to") or {})
        old = address.get(part, "")
        address[part] = value.upper() if part == "country" else value
        deal["ship_to"] = address
        return path, old, address[part]
    match = _LINE_PATH.match(path)
    if not match or match.group(2) not in LINE_FIELDS:
        raise ResolutionRefused(f"{path} cannot be corrected here.")
    number, name = int(match.group(1)), match.group(2)
    line = next((li for li in deal.get("lines") or [] if int(li.get("line_number", 0)) == number), None)
    if line is None:
        raise ResolutionRefused(f"The deal has no line {number}.")
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise ResolutionRefused(f"{value!r} is not a number.") from None
    if amount < 0 or (name != "discount_percent" and amount == 0) or (name == "discount_percent" and amount >= 100):
        raise ResolutionRefused(f"{value} is not a possible {name.replace('_', ' ')}.")
    if name == "unit_price":
        old = line["unit_price"]["amount"]
        line["unit_price"] = {**line["unit_price"], "amount": str(amount)}
    else:
        old = line.get(name, "")
        line[name] = str(amount)
    return path, str(old), str(amount)


# ---- helpers --------------------------------------------------------------------------------------------------------


def _open_for_change(exception_id: int) -> HandoffException:
    from erp_orders.models import HandoffState

    exception = HandoffException.objects.select_for_update(of=("self",)).select_related("handoff").filter(pk=exception_id).first()
    if exception is None:
        raise ResolutionRefused(f"There is no exception {exception_id}.")
    if exception.state != HandoffException.State.OPEN:
        raise ResolutionRefused(f"This exception was already resolved{' by ' + str(exception.resolved_by) if exception.resolved_by else ''}.")
    if exception.handoff is None or exception.handoff.state != HandoffState.EXCEPTION:
        state = exception.handoff.get_state_display().lower() if exception.handoff else "not a handoff"
        raise ResolutionRefused(f"The handoff is {state}; only a handoff stopped by exceptions is resolved here.")
    return exception


def _crm_text(exception: HandoffException) -> str:
    deal = exception.handoff.deal or {}
    if exception.type == ExceptionType.CUSTOMER_NOT_FOUND:
        return (deal.get("account") or {}).get("name", "")
    match = re.match(r"^lines\[(\d+)\]", exception.field or "")
    if match:
        line = next((li for li in deal.get("lines") or [] if int(li.get("line_number", 0)) == int(match.group(1))), {})
        return line.get("description", "")
    return ""


def _close(exception: HandoffException, user, kind: str, note: str) -> None:
    exception.state = HandoffException.State.RESOLVED
    exception.resolved_at, exception.resolved_by = timezone.now(), user
    exception.resolution_kind, exception.resolution_note = kind, note
    exception.save(update_fields=["state", "resolved_at", "resolved_by", "resolution_kind", "resolution_note"])


def _record(exception: HandoffException, event_type: str, user, what: str, note: str, **data) -> None:
    handoff = exception.handoff
    who = user.get_username()
    with event_context(handoff_id=exception.handoff_id, crm_record_id=getattr(handoff, "crm_record_id", None)):
        record_event(event_type, message=f"{who} {what}{': ' + note if note else ''}",
                     data={"user": who, "exception_id": exception.pk, "type": exception.type, **data})


def _rerun_if_clear(exception: HandoffException, user, note: str) -> bool:
    return bool(_rerun_handoff(exception.handoff_id, user, note, keep_deal=True))


def _rerun_handoff(handoff_id: int, user, note: str, *, keep_deal: bool) -> int:
    from erp_orders.models import Handoff, HandoffState
    from erp_orders.services import requeue_handoff

    if HandoffException.objects.filter(handoff_id=handoff_id, state=HandoffException.State.OPEN).exists():
        return 0
    if not Handoff.objects.filter(pk=handoff_id, state=HandoffState.EXCEPTION).exists():
        return 0
    requeue_handoff(handoff_id=handoff_id, user=user, note=note, keep_deal=keep_deal)
    return 1


def _done(exception: HandoffException, what: str, requeued: bool) -> str:
    if requeued:
        return f"Resolved: {what}. The handoff runs again now."
    left = HandoffException.objects.filter(handoff_id=exception.handoff_id, state=HandoffException.State.OPEN).count()
    return f"Resolved: {what}. {left} more open exception{'s' if left != 1 else ''} on this handoff; it runs again when they are resolved."
