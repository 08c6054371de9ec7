"""/webhooks/<crm>/ — one endpoint per CRM (contract.md)."""

from django.urls import path

from . import views

urlpatterns = [
    path("salesforce/", views.salesforce_outbound_message, name="webhook-salesforce"),
]
