"""/api/payables/ — the accounts-payable API."""

from rest_framework.routers import DefaultRouter

from .api import InvoiceViewSet

router = DefaultRouter()
router.register("invoices", InvoiceViewSet, basename="payables-invoice")

urlpatterns = router.urls
