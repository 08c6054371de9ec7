"""Load the demo world (users, crosswalks, SAP and Salesforce sandbox data). Safe to run again."""

from django.core.management.base import BaseCommand

from handoff_project.demo import seed


class Command(BaseCommand):
    help = "Load demo users, crosswalks and sandbox data (idempotent). Demo only."

    def handle(self, *args, **options):
        users = seed.seed_users()
        seed.seed_crosswalks()
        seed.seed_sap()
        seed.seed_credit()
        created = seed.seed_salesforce()
        self.stdout.write(self.style.SUCCESS(
            f"demo data ready: users {', '.join(users)} (password demo-<username>); {created} new Salesforce opportunities"
        ))
