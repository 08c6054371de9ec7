"""Load the demo world (users, crosswalks, SAP and Salesforce sandbox data) and weeks of history. Safe to run again."""

from django.core.management.base import BaseCommand

from handoff_project.demo import history, seed


class Command(BaseCommand):
    help = "Load demo users, crosswalks, sandbox data and a few weeks of history (idempotent). Demo only."

    def add_arguments(self, parser):
        parser.add_argument("--history-weeks", type=int, default=3,
                            help="Weeks of past handoffs, invoices and outages for the health dashboard (0: none).")

    def handle(self, *args, history_weeks, **options):
        users = seed.seed_users()
        seed.seed_crosswalks()
        seed.seed_sap()
        seed.seed_credit()
        created = seed.seed_salesforce()
        added = history.seed_history(weeks=history_weeks) if history_weeks > 0 else {}
        self.stdout.write(self.style.SUCCESS(
            f"demo data ready: users {', '.join(users)} (password demo-<username>); {created} new Salesforce opportunities; "
            f"history: {added.get('handoffs', 0)} handoffs, {added.get('invoices', 0)} invoices, {added.get('outages', 0)} outages added"
        ))
