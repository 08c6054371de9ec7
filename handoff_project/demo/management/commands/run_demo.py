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
import uuid

from django.core.management.base import BaseCommand

from handoff_project.sandbox.wiring import sandbox_environment


class Command(BaseCommand):
    help = "Run the demo web server (127.0.0.1:8000) and a worker, with every sandbox enabled."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        base = f"http://{addr}"
        credentials = {  # generated for this run, handed to both processes; never stored
            "SALESFORCE_ORGANIZATION_ID": "00D000000000DEMOAA",
            "SALESFORCE_CLIENT_ID": "demo-" + secrets.token_hex(8),
            "SALESFORCE_CLIENT_SECRET": secrets.token_urlsafe(24),
            "HUBSPOT_ACCESS_TOKEN": "pat-na1-" + str(uuid.uuid4()),
            "HUBSPOT_CLIENT_SECRET": secrets.token_urlsafe(24),
            "HUBSPOT_APP_ID": "1000001",
            "PIPEDRIVE_API_TOKEN": secrets.token_hex(20),
            "PIPEDRIVE_WEBHOOK_USER": "handoff",
            "PIPEDRIVE_WEBHOOK_PASSWORD": secrets.token_urlsafe(18),
            "SAP_USER": "DEMO_USER",
            "SAP_PASSWORD": secrets.token_urlsafe(18),
            "NETSUITE_ACCOUNT_ID": "1000001_SB1",
            "NETSUITE_CONSUMER_KEY": secrets.token_hex(32),
            "NETSUITE_CONSUMER_SECRET": secrets.token_hex(32),
            "NETSUITE_TOKEN_ID": secrets.token_hex(32),
            "NETSUITE_TOKEN_SECRET": secrets.token_hex(32),
            "BUSINESS_CENTRAL_TENANT_ID": str(uuid.uuid4()),
            "BUSINESS_CENTRAL_COMPANY_ID": str(uuid.uuid4()),
            "BUSINESS_CENTRAL_CLIENT_ID": str(uuid.uuid4()),
            "BUSINESS_CENTRAL_CLIENT_SECRET": secrets.token_urlsafe(30),
            "ORACLE_USER": "handoff.integration",
            "ORACLE_PASSWORD": secrets.token_urlsafe(18),
            "ODOO_DATABASE": "handoff-demo",
            "ODOO_USER": "integration@handoff.example",
            "ODOO_API_KEY": secrets.token_hex(20),
            "SLACK_TOKEN": secrets.token_hex(12),
        }
        env = {
            **os.environ,
            **sandbox_environment(base, {**credentials, **{k: os.environ[k] for k in credentials if k in os.environ}},
                                  alerts=True),
            "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1"),
            "PAGERDUTY_ROUTING_KEY": os.environ.get("PAGERDUTY_ROUTING_KEY", secrets.token_hex(16)),
            "Q_WORKERS": os.environ.get("Q_WORKERS", "2"),
            # a short intervention window for medium-risk deals; the dead-letter queue in minutes, not hours
            "HANDOFF_INTERVENTION_WINDOW_SECONDS": os.environ.get("HANDOFF_INTERVENTION_WINDOW_SECONDS", "120"),
            "HANDOFF_RETRY_DELAYS": os.environ.get("HANDOFF_RETRY_DELAYS", "5,10,20,30,60"),
            "MINIMUM_ORDER_VALUE": os.environ.get("MINIMUM_ORDER_VALUE", "500"),
            "ERP_QUEUE_LAG_ALERT_SECONDS": os.environ.get("ERP_QUEUE_LAG_ALERT_SECONDS", "120"),
        }
        manage = [sys.executable, "manage.py"]
        server = subprocess.Popen([*manage, "runserver", addr, "--noreload"], env=env)
        worker = subprocess.Popen([*manage, "qcluster"], env=env)
        self.stdout.write(self.style.SUCCESS(f"""
Handoff demo is running.
  Ops UI:                {base}/ops/        (log in as ops / demo-ops)
  CRM sandboxes:         {base}/sandbox/salesforce/   {base}/sandbox/hubspot/   {base}/sandbox/pipedrive/
                         (mark a deal won)
  ERP sandbox state:     {base}/sandbox/sap/_state   (also netsuite, business_central, oracle, odoo)
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
