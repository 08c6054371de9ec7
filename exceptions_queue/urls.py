"""/ops/ — the ops UI (names under the `ops` namespace)."""

from django.urls import path

from . import views

app_name = "ops"

urlpatterns = [
    path("", views.HandoffListView.as_view(), name="handoff-list"),
    path("handoffs/<int:pk>/", views.HandoffDetailView.as_view(), name="handoff-detail"),
    path("handoffs/<int:pk>/requeue/", views.HandoffRequeueView.as_view(), name="handoff-requeue"),
    path("exceptions/", views.ExceptionListView.as_view(), name="exception-list"),
    path("exceptions/bulk/", views.ExceptionBulkView.as_view(), name="exception-bulk"),
    path("exceptions/<int:pk>/", views.ExceptionDetailView.as_view(), name="exception-detail"),
    path("exceptions/<int:pk>/resolve/", views.ExceptionResolveView.as_view(), name="exception-resolve"),
    path("exceptions/<int:pk>/assign/", views.ExceptionAssignView.as_view(), name="exception-assign"),
    path("approvals/", views.ApprovalListView.as_view(), name="approval-list"),
    path("approvals/<int:pk>/", views.ApprovalDetailView.as_view(), name="approval-detail"),
    path("approvals/<int:pk>/decide/", views.ApprovalDecideView.as_view(), name="approval-decide"),
    path("dead-letters/", views.DeadLetterListView.as_view(), name="dead-letter-list"),
    path("dead-letters/requeue/", views.DeadLetterBulkRequeueView.as_view(), name="dead-letter-bulk-requeue"),
    path("dead-letters/<int:pk>/", views.DeadLetterDetailView.as_view(), name="dead-letter-detail"),
    path("dead-letters/<int:pk>/edit/", views.DeadLetterEditView.as_view(), name="dead-letter-edit"),
    path("dead-letters/<int:pk>/discard/", views.DeadLetterDiscardView.as_view(), name="dead-letter-discard"),
    path("events/", views.EventSearchView.as_view(), name="event-search"),
    path("events/history/", views.DealHistoryView.as_view(), name="deal-history"),
    path("events/<int:pk>/bodies/", views.EventBodiesView.as_view(), name="event-bodies"),
    path("alerts/", views.AlertListView.as_view(), name="alert-list"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/metrics/<slug:key>/", views.MetricRecordsView.as_view(), name="metric-records"),
    path("reports/sla/", views.SlaReportView.as_view(), name="sla-report"),
    path("reports/sla.csv", views.SlaReportFileView.as_view(kind="csv"), name="sla-report-csv"),
    path("reports/sla.pdf", views.SlaReportFileView.as_view(kind="pdf"), name="sla-report-pdf"),
]
