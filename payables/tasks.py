"""django-q2 tasks: load ids, call one service. Transient ERP errors (fetching a PO) propagate so the task fails
and is visible in django-q2's failed tasks; the invoice stays RECEIVED and can be processed again."""

from __future__ import annotations

from . import services


def process_invoice(invoice_id: int) -> str:
    return services.process_invoice(invoice_id=invoice_id).status


def sync_purchasing() -> dict:
    from .purchasing import sync_from_erp

    return sync_from_erp()
