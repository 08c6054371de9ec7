"""Object-level access by business unit: which handoffs — and the approvals, exceptions, dead letters and events
that belong to them — a person may see and act on, in the ops UI and the API.

A user's units are their `BusinessUnitAccess` rows (edited in the admin, on the user). No rows: every unit, so
nothing changes where units are not configured. Superusers always see everything. A handoff's unit is
`Handoff.business_unit` (the canonical deal's, copied at fetch time) and is compared case-insensitively, as the ERP
routing rules compare it. A user limited to units does not see handoffs without a unit: that is a deal nobody
assigned, and limiting a person means showing only what is theirs.

Another unit's handoff answers 404, as a handoff that does not exist: a 403 would confirm to someone outside the unit
that the id exists (ids are sequential), and the lists already behave as if it did not.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from erp_orders.models import Handoff

from .models import BusinessUnitAccess


def user_units(user) -> frozenset[str] | None:
    """The units (lower case) the user is limited to; None means every unit. Cached on the user for the request."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return None
    cached = getattr(user, "_handoff_business_units", False)
    if cached is False:
        units = {unit.strip().lower() for unit in BusinessUnitAccess.objects.filter(user_id=user.pk)
                 .values_list("business_unit", flat=True) if unit.strip()}
        cached = frozenset(units) or None
        user._handoff_business_units = cached
    return cached


def _unit_match(units: frozenset[str], via: str) -> Q:
    match = Q(pk__in=[])  # matches nothing: a limited user without any matching unit sees nothing
    for unit in sorted(units):
        match |= Q(**{f"{via}business_unit__iexact": unit})
    return match


def visible_handoffs(queryset: QuerySet[Handoff], user) -> QuerySet[Handoff]:
    units = user_units(user)
    return queryset if units is None else queryset.filter(_unit_match(units, ""))


def through_handoff(queryset: QuerySet, user, *, keep_without_handoff: bool = False) -> QuerySet:
    """Approvals, exceptions, dead letters (anything with a `handoff` foreign key) of the user's units.

    `keep_without_handoff`: rows that belong to no handoff (the invoice exceptions of payables) are not a deal of any
    unit and stay visible."""
    units = user_units(user)
    if units is None:
        return queryset
    match = _unit_match(units, "handoff__")
    if keep_without_handoff:
        match |= Q(handoff__isnull=True)
    return queryset.filter(match)


def events_of_visible_handoffs(queryset: QuerySet, user) -> QuerySet:
    """Events (which carry a plain handoff_id) of the user's units; a limited user does not see events of no handoff
    (a webhook delivery, a poll), which may name another unit's deal."""
    units = user_units(user)
    if units is None:
        return queryset
    return queryset.filter(handoff_id__in=visible_handoffs(Handoff.objects.all(), user).values("pk"))


def keep_visible(handoffs: list[Handoff], user) -> list[Handoff]:
    """The handoffs of a list already read that the user may see, in the same order."""
    if user_units(user) is None or not handoffs:
        return handoffs
    allowed = set(visible_handoffs(Handoff.objects.filter(pk__in=[h.pk for h in handoffs]), user).values_list("pk", flat=True))
    return [handoff for handoff in handoffs if handoff.pk in allowed]


def may_see_handoff(user, handoff_id: int) -> bool:
    units = user_units(user)
    if units is None:
        return True
    return visible_handoffs(Handoff.objects.filter(pk=handoff_id), user).exists()


def visible_ids(queryset: QuerySet, user, ids: list[int], **options) -> list[int]:
    """The subset of `ids` (rows of `queryset`'s model with a handoff) the user may act on, in the order given."""
    if user_units(user) is None:
        return ids
    allowed = set(through_handoff(queryset.filter(pk__in=ids), user, **options).values_list("pk", flat=True))
    return [pk for pk in ids if pk in allowed]
