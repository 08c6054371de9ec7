"""Where every connector points when the emulators stand in for the vendors: one place for the demo, tests and benches.

`sandbox_environment(base_url, credentials)` returns the environment variables (contract.md, "Settings") that point
each system at /sandbox/<system>/ on `base_url` and switch it on. Credentials are the caller's: the demo generates
them per run, tests use fixed test values; none is stored in the repository.
"""

from __future__ import annotations

CRM_SYSTEMS = ("salesforce", "hubspot", "pipedrive")
ERP_SYSTEMS = ("sap", "netsuite", "business_central", "oracle", "odoo")
# Names of the credential settings each system needs (values come from the caller).
CREDENTIALS = {
    "salesforce": ("SALESFORCE_ORGANIZATION_ID", "SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET"),
    "hubspot": ("HUBSPOT_ACCESS_TOKEN", "HUBSPOT_CLIENT_SECRET", "HUBSPOT_APP_ID"),
    "pipedrive": ("PIPEDRIVE_API_TOKEN", "PIPEDRIVE_WEBHOOK_USER", "PIPEDRIVE_WEBHOOK_PASSWORD"),
    "sap": ("SAP_USER", "SAP_PASSWORD"),
    "netsuite": ("NETSUITE_ACCOUNT_ID", "NETSUITE_CONSUMER_KEY", "NETSUITE_CONSUMER_SECRET", "NETSUITE_TOKEN_ID",
                 "NETSUITE_TOKEN_SECRET"),
    "business_central": ("BUSINESS_CENTRAL_TENANT_ID", "BUSINESS_CENTRAL_COMPANY_ID", "BUSINESS_CENTRAL_CLIENT_ID",
                         "BUSINESS_CENTRAL_CLIENT_SECRET"),
    "oracle": ("ORACLE_USER", "ORACLE_PASSWORD"),
    "odoo": ("ODOO_DATABASE", "ODOO_USER", "ODOO_API_KEY"),
}


def sandbox_environment(base_url: str, credentials: dict[str, str], *, alerts: bool = False) -> dict[str, str]:
    """`alerts`: also send Slack and PagerDuty alerts to their sandbox receivers (the demo does)."""
    base = base_url.rstrip("/")
    sandbox = f"{base}/sandbox"
    tenant = credentials.get("BUSINESS_CENTRAL_TENANT_ID", "")
    env = {
        "SANDBOX_ENABLED": "1",
        "PUBLIC_BASE_URL": base,
        **{f"{system.upper()}_ENABLED": "1" for system in (*CRM_SYSTEMS, *ERP_SYSTEMS)},
        **{f"{system.upper()}_BASE_URL": f"{sandbox}/{system}" for system in (*CRM_SYSTEMS, *ERP_SYSTEMS)},
        # what the CRM sandboxes call when a deal is won (our own webhooks)
        "SALESFORCE_OUTBOUND_URL": f"{base}/webhooks/salesforce/",
        "HUBSPOT_WEBHOOK_URL": f"{base}/webhooks/hubspot/",
        "PIPEDRIVE_WEBHOOK_URL": f"{base}/webhooks/pipedrive/",
        # Business Central signs in at Microsoft Entra ID; the sandbox serves that endpoint too
        "BUSINESS_CENTRAL_TOKEN_URL": f"{sandbox}/business_central/login/{tenant}/oauth2/v2.0/token",
        # the custom fields of the Pipedrive sandbox that receive the order number and the sync status
        "PIPEDRIVE_ORDER_NUMBER_FIELD": "8f4b27ce6a1d2e9b0c3f5a7d9e1b3c5f7a9d1e3b",
        "PIPEDRIVE_SYNC_STATUS_FIELD": "2c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c",
        # and those it reads: payment terms and business unit on the deal, the VAT number on the organisation
        "PIPEDRIVE_PAYMENT_TERMS_FIELD": "5e1d9c3b7a2f4e6d8c0b1a3f5e7d9c2b4a6f8e0d",
        "PIPEDRIVE_BUSINESS_UNIT_FIELD": "9a7c5e3b1d2f4a6c8e0d2b4f6a8c1e3d5b7f9a2c",
        "PIPEDRIVE_VAT_NUMBER_FIELD": "3f6b9e2d5a8c1f4e7b0d3a6c9f2e5b8d1a4c7e0f",
    }
    if alerts:
        env["SLACK_WEBHOOK_URL"] = f"{sandbox}/slack/services/T0SANDBOX/B0SANDBOX/{credentials.get('SLACK_TOKEN', 'sandbox')}"
        env["PAGERDUTY_EVENTS_URL"] = f"{sandbox}/pagerduty/v2/enqueue"
    for names in CREDENTIALS.values():
        for name in names:
            if name in credentials:
                env[name] = credentials[name]
    return env


def apply_to_settings(settings, env: dict[str, str]) -> None:
    """Set the same values on a live settings object (pytest-django's `settings`), typed as settings.py types them."""
    for name, value in env.items():
        current = getattr(settings, name, None)
        if isinstance(current, bool):
            value = value.strip().lower() in {"1", "true", "yes", "on"}
        setattr(settings, name, value)
