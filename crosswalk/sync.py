"""Load the ERP's material and business-partner master into the crosswalk's ERP tables (ErpMaterial,
ErpBusinessPartner), so the resolvers' candidates come from the ERP itself — even for what nobody has mapped yet.

A registry maps an ERP system to the function that reads its master data ({"materials": [...],
"business_partners": [...]} as plain dicts, see erp_orders.connectors.sap.master_data); adding an ERP adds one line.
Records the ERP no longer returns are marked blocked (kept, with their history, for the mappings that name them).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from handoff_project.integration.events import record_event

from .models import ErpBusinessPartner, ErpMaterial


def _read_sap():
    from erp_orders.connectors.sap.master_data import read_master_data

    return read_master_data()


MASTER_DATA_READERS = {"sap": _read_sap}


@dataclass(frozen=True)
class SyncResult:
    erp_system: str
    materials_created: int
    materials_updated: int
    materials_blocked: int
    partners_created: int
    partners_updated: int
    partners_blocked: int


def sync_erp_master(*, erp_system: str = "sap") -> SyncResult:
    if erp_system not in MASTER_DATA_READERS:
        raise ValueError(f"no master-data reader for {erp_system!r}; known: {', '.join(MASTER_DATA_READERS)}")
    data = MASTER_DATA_READERS[erp_system]()  # HTTP first, outside the transaction
    with transaction.atomic():
        materials = _upsert(ErpMaterial, "material", data["materials"], erp_system)
        partners = _upsert(ErpBusinessPartner, "business_partner", data["business_partners"], erp_system)
    result = SyncResult(erp_system, *materials, *partners)
    record_event("erp_master_synced", message=f"{erp_system}: {len(data['materials'])} materials, "
                 f"{len(data['business_partners'])} business partners loaded", data=result.__dict__)
    return result


def _upsert(model, key_field: str, rows: list[dict], erp_system: str) -> tuple[int, int, int]:
    existing = {getattr(o, key_field): o for o in model.objects.filter(erp_system=erp_system)}
    created = updated = 0
    seen = set()
    for row in rows:
        key = row[key_field]
        seen.add(key)
        current = existing.get(key)
        if current is None:
            instance = model(erp_system=erp_system, **row)
            instance._change_reason = f"loaded from {erp_system}"
            instance.save()
            created += 1
        elif any(getattr(current, f) != v for f, v in row.items()):
            for f, v in row.items():
                setattr(current, f, v)
            current._change_reason = f"changed in {erp_system}"
            current.save()
            updated += 1
    blocked = 0
    for key, current in existing.items():
        if key not in seen and not current.is_blocked:
            current.is_blocked = True
            current._change_reason = f"no longer in {erp_system}"
            current.save()
            blocked += 1
    return created, updated, blocked
