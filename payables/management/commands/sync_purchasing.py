"""`manage.py sync_purchasing [--since YYYY-MM-DD]` — pull purchase orders and goods receipts from the ERP."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from handoff_project.integration.errors import IntegrationError
from payables.purchasing import erp_enabled, sync_from_erp


class Command(BaseCommand):
    help = "Pull purchase orders and goods receipts from SAP (SAP_BASE_URL) into accounts payable."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=dt.date.fromisoformat, help="only POs dated on or after this day")

    def handle(self, *args, **options):
        if not erp_enabled():
            raise CommandError("SAP is not configured: set SAP_ENABLED=1 and SAP_BASE_URL (and SAP_USER/PASSWORD).")
        try:
            counts = sync_from_erp(since=options["since"])
        except IntegrationError as exc:
            raise CommandError(f"The sync stopped: {exc}") from exc
        self.stdout.write(f"{counts['purchase_orders']} purchase orders, {counts['receipt_lines']} goods receipt lines")
