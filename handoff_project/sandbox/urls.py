"""/sandbox/<system>/… — the emulators, each defined in its connector's sandbox.py."""

from django.urls import include, path

from exceptions_queue.sandbox_receivers import pagerduty_urls, slack_urls

urlpatterns = [
    path("salesforce/", include("crm_sync.connectors.salesforce.sandbox")),
    path("pipedrive/", include("crm_sync.connectors.pipedrive.sandbox")),
    path("sap/", include("erp_orders.connectors.sap.sandbox_purchasing")),
    path("sap/", include("erp_orders.connectors.sap.sandbox_master_data")),
    path("sap/", include("erp_orders.connectors.sap.sandbox")),
    path("slack/", include(slack_urls)),
    path("pagerduty/", include(pagerduty_urls)),
]
