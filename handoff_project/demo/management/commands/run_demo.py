"""Start the demo: the web server and a django-q2 worker on embedded SQLite, every sandbox enabled.

The sandbox credentials are generated for this run and handed to both processes through the environment; nothing
secret is stored in the repository.
"""

import os
import secrets
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the demo web server (127.0.0.1:8000) and a worker, with every sandbox enabled."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        base = f"http://{addr}"
        env = {
            **os.environ,
            "SANDBOX_ENABLED": "1",
            "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1"),
            "PUBLIC_BASE_URL": base,
            "SALESFORCE_ENABLED": "1",
            "SAP_ENABLED": "1",
            "SALESFORCE_BASE_URL": f"{base}/sandbox/salesforce",
            "SALESFORCE_OUTBOUND_URL": f"{base}/webhooks/salesforce/",
            "SAP_BASE_URL": f"{base}/sandbox/sap",
            "SALESFORCE_ORGANIZATION_ID": os.environ.get("SALESFORCE_ORGANIZATION_ID", "00D000000000DEMOAA"),
            "SALESFORCE_CLIENT_ID": os.environ.get("SALESFORCE_CLIENT_ID", "demo-" + secrets.token_hex(8)),
            "SALESFORCE_CLIENT_SECRET": os.environ.get("SALESFORCE_CLIENT_SECRET", secrets.token_urlsafe(24)),
            "SAP_USER": os.environ.get("SAP_USER", "DEMO_USER"),
            "SAP_PASSWORD": os.environ.get("SAP_PASSWORD", secrets.token_urlsafe(18)),
            "Q_WORKERS": os.environ.get("Q_WORKERS", "2"),
            # alerts arrive in the Slack and PagerDuty sandboxes; a short intervention window for medium-risk deals
            "SLACK_WEBHOOK_URL": os.environ.get("SLACK_WEBHOOK_URL", f"{base}/sandbox/slack/services/T0DEMO/B0DEMO/{secrets.token_hex(12)}"),
            "PAGERDUTY_EVENTS_URL": os.environ.get("PAGERDUTY_EVENTS_URL", f"{base}/sandbox/pagerduty/v2/enqueue"),
            "PAGERDUTY_ROUTING_KEY": os.environ.get("PAGERDUTY_ROUTING_KEY", secrets.token_hex(16)),
            "HANDOFF_INTERVENTION_WINDOW_SECONDS": os.environ.get("HANDOFF_INTERVENTION_WINDOW_SECONDS", "120"),
            # a demo reaches the dead-letter queue in minutes, not after the production 5 h schedule
            "HANDOFF_RETRY_DELAYS": os.environ.get("HANDOFF_RETRY_DELAYS", "5,10,20,30,60"),
        }
        manage = [sys.executable, "manage.py"]
        server = subprocess.Popen([*manage, "runserver", addr, "--noreload"], env=env)
        worker = subprocess.Popen([*manage, "qcluster"], env=env)
        self.stdout.write(self.style.SUCCESS(f"""
Handoff demo is running.
  Ops UI:                {base}/ops/        (log in as ops / demo-ops)
  Salesforce sandbox:    {base}/sandbox/salesforce/   (mark an opportunity won)
  SAP sandbox state:     {base}/sandbox/sap/_state
  Alerts arriving:       {base}/sandbox/slack/   {base}/sandbox/pagerduty/
  Approvals:             {base}/ops/approvals/  (approver / demo-approver; medium-risk window {env["HANDOFF_INTERVENTION_WINDOW_SECONDS"]} s)
  Admin (crosswalks):    {base}/admin/      (masterdata / demo-masterdata, admin / demo-admin)
  Other logins:          approver / demo-approver, viewer / demo-viewer
Press Ctrl+C to stop.
"""))
        try:
            while server.poll() is None and worker.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for proc in (server, worker):
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
            for proc in (server, worker):
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
