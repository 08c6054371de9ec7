"""The ops UI under /ops/ (Django templates + HTMX): handoffs, the exception inbox, approvals, the dead-letter queue,
the event log, alerts, the health dashboard and the weekly SLA report. One module per area; every view is thin
(a selector or a service, then render)."""

from .approvals import ApprovalDecideView, ApprovalDetailView, ApprovalListView
from .dashboard import DashboardView, MetricRecordsView
from .dead_letters import DeadLetterBulkRequeueView, DeadLetterDetailView, DeadLetterDiscardView, DeadLetterEditView, DeadLetterListView
from .events import AlertListView, DealHistoryView, EventBodiesView, EventSearchView
from .exceptions import ExceptionAssignView, ExceptionBulkView, ExceptionDetailView, ExceptionListView, ExceptionResolveView
from .handoffs import HandoffDetailView, HandoffListView, HandoffRequeueView, is_requeueable
from .reports import SlaReportFileView, SlaReportView

__all__ = [
    "AlertListView", "ApprovalDecideView", "ApprovalDetailView", "ApprovalListView", "DashboardView", "DealHistoryView",
    "DeadLetterBulkRequeueView", "DeadLetterDetailView", "DeadLetterDiscardView", "DeadLetterEditView", "DeadLetterListView",
    "EventBodiesView", "EventSearchView", "ExceptionAssignView", "ExceptionBulkView", "ExceptionDetailView",
    "ExceptionListView", "ExceptionResolveView", "HandoffDetailView", "HandoffListView", "HandoffRequeueView", "is_requeueable",
    "MetricRecordsView", "SlaReportFileView", "SlaReportView",
]
