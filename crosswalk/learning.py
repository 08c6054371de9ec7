"""Learning from people: when someone resolves an exception by picking the right ERP record, the CRM text they
resolved is offered back to the crosswalk so the same text resolves automatically next time.

* The picked ERP key already has an active mapping → the CRM text becomes an alias of it at once (a person
  confirmed it); simple-history records who and when.
* Otherwise → a new mapping with status "proposed", which the master-data team accepts or rejects in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from handoff_project.integration.events import record_event

from .models import CustomerMapping, MappingStatus, PaymentTermsMapping, ProductMapping

# kind → (model, name field, key field)
LEARNABLE = {
    "product": (ProductMapping, "crm_product_name", "material"),
    "customer": (CustomerMapping, "crm_account_name", "business_partner"),
    "payment_terms": (PaymentTermsMapping, "crm_terms", "terms_key"),
}


@dataclass(frozen=True)
class Learned:
    kind: str
    crm_text: str
    erp_key: str
    outcome: str  # "alias_added" | "already_known" | "proposed"
    mapping_id: int


@transaction.atomic
def learn_from_resolution(*, kind: str, crm_text: str, erp_key: str, user=None, defaults: dict | None = None,
                          erp_system: str | None = None) -> Learned:
    """Offer `crm_text` → `erp_key` to the `erp_system` crosswalk of `kind` (see module docstring). `defaults` fills
    a new proposed mapping's other fields (e.g. material_group, unit)."""
    if kind not in LEARNABLE:
        raise ValueError(f"cannot learn {kind!r} mappings; learnable kinds: {', '.join(LEARNABLE)}")
    model, name_field, key_field = LEARNABLE[kind]
    erp_system = erp_system or settings.DEFAULT_ERP_SYSTEM
    text = crm_text.strip()
    who = getattr(user, "username", "") or "system"
    existing = model.objects.select_for_update().filter(
        **{key_field: erp_key, "status": MappingStatus.ACTIVE, "erp_system": erp_system}).first()
    if existing is not None:
        known = [getattr(existing, name_field).lower(), *(a.lower() for a in existing.aliases or [])]
        if text.lower() in known:
            return Learned(kind, text, erp_key, "already_known", existing.pk)
        existing.aliases = [*(existing.aliases or []), text]
        existing._change_reason = f"alias learned from a resolution by {who}"
        if user is not None and getattr(user, "pk", None):
            existing._history_user = user
        existing.save()
        record_event("crosswalk_learned", message=f"{who}: {kind} {text!r} is now an alias of {erp_key}", data={"kind": kind, "mapping_id": existing.pk})
        return Learned(kind, text, erp_key, "alias_added", existing.pk)
    proposed = model(**{name_field: text, key_field: erp_key, "status": MappingStatus.PROPOSED, "owner": who,
                        "erp_system": erp_system, **(defaults or {})})
    proposed._change_reason = f"proposed from a resolution by {who}"
    if user is not None and getattr(user, "pk", None):
        proposed._history_user = user
    proposed.save()
    record_event("crosswalk_proposed", message=f"{who} proposed {kind} {text!r} → {erp_key}", data={"kind": kind, "mapping_id": proposed.pk})
    return Learned(kind, text, erp_key, "proposed", proposed.pk)
