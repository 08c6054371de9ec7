"""Load the demo world (users, crosswalks of every ERP, routing rules, every sandbox's data) and weeks of history.
Safe to run again."""

from importlib import import_module

from django.core.management.base import BaseCommand

from handoff_project.demo import history, seed

# Each CRM sandbox's demo loader ("module:function" returning how many deals it created).
CRM_SEEDERS = {
    "salesforce": "handoff_project.demo.seed:seed_salesforce",
    "hubspot": "crm_sync.connectors.hubspot.sandbox:seed_demo",
    "pipedrive": "crm_sync.connectors.pipedrive.sandbox:seed_demo",
}


class Command(BaseCommand):
    help = "Load demo users, crosswalks, routing rules, sandbox data and a few weeks of history (idempotent). Demo only."

    def add_arguments(self, parser):
        parser.add_argument("--history-weeks", type=int, default=3,
                            help="Weeks of past handoffs, invoices and outages for the health dashboard (0: none).")

    def handle(self, *args, history_weeks, **options):
        users = seed.seed_users()
        seed.seed_crosswalks()
        seed.seed_routes()
        erps = seed.seed_erps()
        seed.seed_credit()
        deals = {}
        for crm, path in CRM_SEEDERS.items():
            module_name, function = path.split(":")
            deals[crm] = getattr(import_module(module_name), function)()
        added = history.seed_history(weeks=history_weeks) if history_weeks > 0 else {}
        self.stdout.write(self.style.SUCCESS(
            f"demo data ready: users {', '.join(users)} (password demo-<username>); ERPs {', '.join(erps)}; "
            + "; ".join(f"{n} new {crm} deals" for crm, n in deals.items())
            + f"; history: {added.get('handoffs', 0)} handoffs, {added.get('invoices', 0)} invoices, "
            f"{added.get('outages', 0)} outages added"
        ))
