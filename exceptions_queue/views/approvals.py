"""The approval queue, one approval with its full context, and the approvers' decisions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.urls import reverse
from django.views.generic import ListView, TemplateView

from erp_orders import approvals
from erp_orders.models import Handoff

from ..approvals_queue import approval_context, approval_queue
from ..business_units import through_handoff
from ..forms import NoteForm
from .base import ActionView, OpsPageMixin, require_handoff

DECISIONS = {
    "approve": (approvals.approve, "Approved: the order is being created in the ERP."),
    "reject": (approvals.reject, "Rejected: no order will be created."),
    "request_change": (approvals.request_change, "Change requested: the deal went back to sales ops."),
    "hold": (approvals.hold, "Held: the order waits for your decision."),
    "cancel": (approvals.cancel, "Cancelled: no order will be created."),
}


class ApprovalListView(OpsPageMixin, ListView):
    template_name = "ops/approval_list.html"
    context_object_name = "approvals"
    paginate_by = 50
    section = "approvals"

    def get_queryset(self):
        level = self.request.GET.get("level", "")
        return through_handoff(approval_queue(level=level if level in ("medium", "high") else ""), self.request.user)


class ApprovalDetailView(OpsPageMixin, TemplateView):
    template_name = "ops/approval_detail.html"
    section = "approvals"

    def get_context_data(self, **kwargs):
        require_handoff(self.request.user, kwargs["pk"])
        try:
            context = approval_context(kwargs["pk"], user=self.request.user)
        except Handoff.DoesNotExist:
            raise Http404("No handoff with this id.") from None
        mine = [e for e in context.changes if e.data.get("user") == self.request.user.get_username()]
        return super().get_context_data(ctx=context, handoff=context.handoff, approval=context.approval,
                                        changed_by_me=bool(mine), **kwargs)


class ApprovalDecideView(ActionView):
    """POST decision=approve | reject | request_change | hold | cancel, with a comment."""

    action = "decide_approval"

    def post(self, request, pk: int):
        require_handoff(request.user, pk)
        decision = request.POST.get("decision", "")
        comment = NoteForm({"text": request.POST.get("comment", "")})
        comment = comment.cleaned_data["text"] if comment.is_valid() else ""
        back = reverse("ops:approval-detail", args=[pk])
        if decision not in DECISIONS:
            messages.error(request, "Choose a decision: approve, reject, request change, hold or cancel.")
            return self.back(back)
        service, done = DECISIONS[decision]
        try:
            service(handoff_id=pk, user=request.user, comment=comment)
        except approvals.ApprovalRefused as refusal:
            messages.error(request, str(refusal))
            return self.back(back)
        messages.success(request, done)
        return self.back(back)
