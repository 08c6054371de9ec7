"""/api/ — the REST API (contract.md, "HTTP"); the schema and docs are mounted in handoff_project/urls.py.

/api/payables/ is included before this module; a path under /api/ that nothing matches ends here as a JSON 404.
"""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from .api import views

router = DefaultRouter()
router.register("handoffs", views.HandoffViewSet, basename="handoff")
router.register("exceptions", views.HandoffExceptionViewSet, basename="exception")
router.register("events", views.EventViewSet, basename="event")

urlpatterns = [
    path("crosswalk/resolve/", views.CrosswalkResolveView.as_view(), name="crosswalk-resolve"),
    *router.urls,
    # Last: a path nothing above matched answers in JSON. Only paths ending in "/", so that APPEND_SLASH still
    # redirects /api/handoffs to /api/handoffs/.
    re_path(r"^.*/$", views.api_not_found),
]
