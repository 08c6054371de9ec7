"""/sandbox/<system>/… — the emulators, each defined in its connector's sandbox.py."""

from django.urls import include, path

urlpatterns = [
    path("salesforce/", include("crm_sync.connectors.salesforce.sandbox")),
    path("sap/", include("erp_orders.connectors.sap.sandbox_purchasing")),
    path("sap/", include("erp_orders.connectors.sap.sandbox")),
]
