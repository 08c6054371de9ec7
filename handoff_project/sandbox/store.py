"""Read and write the objects an emulator holds (used by the connectors' sandbox.py)."""

from __future__ import annotations

from .models import SandboxRecord


def put(system: str, collection: str, key: str, data: dict) -> dict:
    SandboxRecord.objects.update_or_create(system=system, collection=collection, key=key, defaults={"data": data})
    return data


def get(system: str, collection: str, key: str) -> dict | None:
    record = SandboxRecord.objects.filter(system=system, collection=collection, key=key).first()
    return record.data if record else None


def all_of(system: str, collection: str) -> list[dict]:
    return [r.data for r in SandboxRecord.objects.filter(system=system, collection=collection).order_by("id")]


def count(system: str, collection: str) -> int:
    return SandboxRecord.objects.filter(system=system, collection=collection).count()


def clear(system: str) -> None:
    SandboxRecord.objects.filter(system=system).delete()


COUNTERS = "counters"


def next_number(system: str, counter: str, start: int) -> int:
    """The next number of one of `system`'s number ranges; the row lock makes concurrent callers wait, so no number
    is given twice. Call inside the transaction that stores the numbered object."""
    SandboxRecord.objects.get_or_create(system=system, collection=COUNTERS, key=counter, defaults={"data": {"next": start}})
    row = SandboxRecord.objects.select_for_update().get(system=system, collection=COUNTERS, key=counter)
    value = int(row.data["next"])
    row.data = {"next": value + 1}
    row.save(update_fields=["data", "updated_at"])
    return value
