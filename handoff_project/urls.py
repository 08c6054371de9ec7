"""Top-level URLs (contract.md, "HTTP")."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from exceptions_queue.views.metrics import metrics

from . import health

urlpatterns = [
    path("", RedirectView.as_view(url="/ops/", permanent=False)),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics, name="prometheus-metrics"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("webhooks/", include("crm_sync.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/payables/", include("payables.api_urls")),
    path("api/", include("handoff_project.api_urls")),
    path("ops/", include("exceptions_queue.urls")),
    path("payables/", include("payables.urls")),
    path("sandbox/", include("handoff_project.sandbox.urls")),
]
