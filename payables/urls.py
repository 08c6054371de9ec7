"""/payables/ — the accounts-payable pages (names under the `payables` namespace)."""

from django.urls import path

from . import views

app_name = "payables"

urlpatterns = [
    path("", views.InvoiceListView.as_view(), name="invoice-list"),
    path("upload/", views.UploadView.as_view(), name="upload"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice-detail"),
    path("invoices/<int:pk>/confirm/", views.ConfirmFieldsView.as_view(), name="confirm-fields"),
]
