"""`manage.py sync_erp_master [--erp sap]` — load the ERP's materials and business partners as crosswalk candidates.

Reads API_PRODUCT_SRV (A_Product, A_ProductDescription) and API_BUSINESS_PARTNER (A_BusinessPartner with its
addresses and tax numbers) at SAP_BASE_URL — the sandbox at /sandbox/sap or a real S/4HANA — see crosswalk.sync.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from crosswalk.sync import MASTER_DATA_READERS, sync_erp_master
from handoff_project.integration.errors import IntegrationError


class Command(BaseCommand):
    help = "Load the ERP's material and business-partner master so resolution candidates come from the ERP itself."

    def add_arguments(self, parser):
        parser.add_argument("--erp", choices=sorted(MASTER_DATA_READERS), default="sap")

    def handle(self, *args, **options):
        try:
            result = sync_erp_master(erp_system=options["erp"])
        except IntegrationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"{result.erp_system}: materials {result.materials_created} new, {result.materials_updated} changed, "
            f"{result.materials_blocked} blocked; business partners {result.partners_created} new, "
            f"{result.partners_updated} changed, {result.partners_blocked} blocked"))
