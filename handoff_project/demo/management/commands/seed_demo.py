"""Load the demo world (users, crosswalks of every ERP, routing rules, every sandbox's data). Safe to run again."""

from importlib import import_module

from django.core.management.base import BaseCommand

from handoff_project.demo import seed

# Each CRM sandbox's demo loader ("module:function" returning how many deals it created).
CRM_SEEDERS = {
    "salesforce": "handoff_project.demo.seed:seed_salesforce",
    "hubspot": "crm_sync.connectors.hubspot.sandbox:seed_demo",
    "pipedrive": "crm_sync.connectors.pipedrive.sandbox:seed_demo",
}


class Command(BaseCommand):
    help = "Load demo users, crosswalks, routing rules and sandbox data (idempotent). Demo only."

    def handle(self, *args, **options):
        users = seed.seed_users()
        seed.seed_crosswalks()
        seed.seed_routes()
        erps = seed.seed_erps()
        seed.seed_credit()
        deals = {}
        for crm, path in CRM_SEEDERS.items():
            module_name, function = path.split(":")
            try:
                loader = getattr(import_module(module_name), function)
            except ModuleNotFoundError:
                continue
            deals[crm] = loader()
        self.stdout.write(self.style.SUCCESS(
            f"demo data ready: users {', '.join(users)} (password demo-<username>); ERPs {', '.join(erps)}; "
            + "; ".join(f"{n} new {crm} deals" for crm, n in deals.items())
        ))
