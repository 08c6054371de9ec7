"""/metrics for Prometheus (exceptions_queue.health.prometheus): allowed addresses or a bearer token, else 403."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from ..health.prometheus import exposition, metrics_allowed


@require_GET
def metrics(request):
    if not metrics_allowed(request):
        return HttpResponseForbidden(
            "/metrics is open to the addresses in METRICS_ALLOWED_IPS (default: localhost) or to a client sending "
            "'Authorization: Bearer <METRICS_BEARER_TOKEN>'. Configure one of them for your Prometheus.",
            content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
