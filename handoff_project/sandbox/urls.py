"""/sandbox/<system>/… — the emulators, each defined in its connector's sandbox.py."""

from django.urls import include, path

from exceptions_queue.sandbox_receivers import pagerduty_urls, slack_urls

urlpatterns = [
    path("salesforce/", include("crm_sync.connectors.salesforce.sandbox")),
    path("hubspot/", include("crm_sync.connectors.hubspot.sandbox")),
    path("pipedrive/", include("crm_sync.connectors.pipedrive.sandbox")),
    path("sap/", include("erp_orders.connectors.sap.sandbox_purchasing")),
    path("sap/", include("erp_orders.connectors.sap.sandbox_master_data")),
    path("sap/", include("erp_orders.connectors.sap.sandbox")),
    path("odoo/", include("erp_orders.connectors.odoo.sandbox")),
    path("oracle/", include("erp_orders.connectors.oracle.sandbox")),
    path("netsuite/", include("erp_orders.connectors.netsuite.sandbox")),
    path("business_central/", include("erp_orders.connectors.business_central.sandbox")),
    path("slack/", include(slack_urls)),
    path("pagerduty/", include(pagerduty_urls)),
]
