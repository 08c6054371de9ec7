"""/webhooks/<crm>/ — one endpoint per CRM (contract.md), each served by its connector's webhook module."""

from django.urls import path

from .connectors.hubspot import webhook as hubspot
from .connectors.pipedrive import webhook as pipedrive
from .connectors.salesforce import webhook as salesforce

urlpatterns = [
    path("salesforce/", salesforce.receive, name="webhook-salesforce"),
    path("hubspot/", hubspot.receive, name="webhook-hubspot"),
    path("pipedrive/", pipedrive.receive, name="webhook-pipedrive"),
]
