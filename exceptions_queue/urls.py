"""/ops/ — the ops UI (names under the `ops` namespace)."""

from django.urls import path

from . import views

app_name = "ops"

urlpatterns = [
    path("", views.HandoffListView.as_view(), name="handoff-list"),
    path("handoffs/<int:pk>/", views.HandoffDetailView.as_view(), name="handoff-detail"),
    path("handoffs/<int:pk>/requeue/", views.HandoffRequeueView.as_view(), name="handoff-requeue"),
    path("exceptions/", views.ExceptionListView.as_view(), name="exception-list"),
    path("dead-letters/", views.DeadLetterListView.as_view(), name="dead-letter-list"),
    path("events/", views.EventSearchView.as_view(), name="event-search"),
    path("events/<int:pk>/bodies/", views.EventBodiesView.as_view(), name="event-bodies"),
]
