"""The ops UI under /ops/ (Django templates + HTMX): handoffs, the exception inbox, approvals, the dead-letter queue,
the event log and alerts. One module per area; every view is thin (a selector or a service, then render)."""

from .approvals import ApprovalDecideView, ApprovalDetailView, ApprovalListView
from .dead_letters import DeadLetterBulkRequeueView, DeadLetterDetailView, DeadLetterDiscardView, DeadLetterEditView, DeadLetterListView
from .events import AlertListView, DealHistoryView, EventBodiesView, EventSearchView
from .exceptions import ExceptionAssignView, ExceptionBulkView, ExceptionDetailView, ExceptionListView, ExceptionResolveView
from .handoffs import HandoffDetailView, HandoffListView, HandoffRequeueView, is_requeueable

__all__ = [
    "AlertListView", "ApprovalDecideView", "ApprovalDetailView", "ApprovalListView", "DealHistoryView",
    "DeadLetterBulkRequeueView", "DeadLetterDetailView", "DeadLetterDiscardView", "DeadLetterEditView", "DeadLetterListView",
    "EventBodiesView", "EventSearchView", "ExceptionAssignView", "ExceptionBulkView", "ExceptionDetailView",
    "ExceptionListView", "ExceptionResolveView", "HandoffDetailView", "HandoffListView", "HandoffRequeueView", "is_requeueable",
]
