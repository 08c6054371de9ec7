"""Proposed mappings (learned from people's resolutions, see crosswalk.learning): accept or reject them.

Accepting activates the proposal — or, when an active mapping to the same ERP key exists by now, adds the proposed
CRM text to that mapping's aliases and retires the proposal, so one ERP record keeps one mapping. Rejecting retires
it. Either way the history says who decided, and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .learning import LEARNABLE
from .models import MappingStatus

MODEL_KINDS = {model: (kind, name_field, key_field) for kind, (model, name_field, key_field) in LEARNABLE.items()}


@dataclass(frozen=True)
class Decision:
    mapping_id: int
    outcome: str  # "activated" | "merged_as_alias" | "rejected" | "not_proposed"


def _stamp(instance, user, reason: str) -> None:
    instance._change_reason = reason
    if user is not None and getattr(user, "pk", None):
        instance._history_user = user


def _concrete(mapping):
    """The mapping as its concrete model, locked: the admin hands in proxy instances (ProposedProductMapping…), and
    simple-history records saves of the concrete model only."""
    model = type(mapping)._meta.concrete_model
    return model, model.objects.select_for_update().get(pk=mapping.pk)


@transaction.atomic
def accept_proposal(mapping, *, user=None) -> Decision:
    model, mapping = _concrete(mapping)
    if mapping.status != MappingStatus.PROPOSED:
        return Decision(mapping.pk, "not_proposed")
    _kind, name_field, key_field = MODEL_KINDS[model]
    who = getattr(user, "username", "") or "system"
    active = (model.objects.select_for_update()
              .filter(**{key_field: getattr(mapping, key_field), "status": MappingStatus.ACTIVE}).first())
    if active is None:
        mapping.status = MappingStatus.ACTIVE
        _stamp(mapping, user, f"proposal accepted by {who}")
        mapping.save()
        return Decision(mapping.pk, "activated")
    text = getattr(mapping, name_field)
    if text.lower() not in [getattr(active, name_field).lower(), *(a.lower() for a in active.aliases or [])]:
        active.aliases = [*(active.aliases or []), text]
        _stamp(active, user, f"alias from a proposal accepted by {who}")
        active.save()
    mapping.status = MappingStatus.RETIRED
    _stamp(mapping, user, f"accepted by {who} as an alias of mapping {active.pk}")
    mapping.save()
    return Decision(mapping.pk, "merged_as_alias")


@transaction.atomic
def reject_proposal(mapping, *, user=None) -> Decision:
    _model, mapping = _concrete(mapping)
    if mapping.status != MappingStatus.PROPOSED:
        return Decision(mapping.pk, "not_proposed")
    mapping.status = MappingStatus.RETIRED
    _stamp(mapping, user, f"proposal rejected by {getattr(user, 'username', '') or 'system'}")
    mapping.save()
    return Decision(mapping.pk, "rejected")
