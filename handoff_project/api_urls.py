"""/api/ — the REST API (contract.md, "HTTP"); the schema and docs are mounted in handoff_project/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import views

router = DefaultRouter()
router.register("handoffs", views.HandoffViewSet, basename="handoff")
router.register("exceptions", views.HandoffExceptionViewSet, basename="exception")
router.register("events", views.EventViewSet, basename="event")

urlpatterns = [
    path("crosswalk/resolve/", views.CrosswalkResolveView.as_view(), name="crosswalk-resolve"),
    *router.urls,
]
