"""Handoff pages of the ops UI: the live list, the detail with its timeline, and re-queue.

Views are thin: parse the query string with a form, call a selector (reads) or a service (re-queue), render. HTMX
requests for the live parts (the handoff table, the detail body) get just that partial back.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import ListView, TemplateView

from erp_orders.models import Handoff, HandoffState, WritebackStatus
from handoff_project.integration.errors import IntegrationError

from .. import selectors
from ..business_units import visible_handoffs
from ..forms import HandoffFilterForm, RequeueForm
from ..permissions import RoleRequiredMixin
from .base import OpsPageMixin, require_handoff

log = logging.getLogger("handoff.ops")

REQUEUEABLE_STATES = (HandoffState.DEAD, HandoffState.EXCEPTION)
LIVE_POLL_STATES = (HandoffState.AWAITING_APPROVAL,)


def is_requeueable(handoff: Handoff) -> bool:
    """Dead, excepted, or created in the ERP with a failed writeback: the cases the re-queue service accepts."""
    return handoff.state in REQUEUEABLE_STATES or (
        handoff.state == HandoffState.CREATED and handoff.writeback_status == WritebackStatus.FAILED
    )


class HandoffListView(OpsPageMixin, ListView):
    template_name = "ops/handoff_list.html"
    partial_template_name = "ops/_handoff_rows.html"
    partial_target = "handoff-rows"
    context_object_name = "handoffs"
    paginate_by = 50
    section = "handoffs"

    def get(self, request, *args, **kwargs):
        # The CRM menu is only drawn on the full page; the 3-second refresh of the rows skips its query.
        crm_systems = [] if self.is_partial_request() else selectors.crm_systems()
        self.filter_form = HandoffFilterForm(request.GET or None, crm_systems=crm_systems)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return visible_handoffs(selectors.handoff_list(**self.filter_form.filters()), self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, erp_status=selectors.erp_status(), **kwargs)


class HandoffDetailView(OpsPageMixin, TemplateView):
    template_name = "ops/handoff_detail.html"
    partial_template_name = "ops/_handoff_live.html"
    partial_target = "handoff-live"
    section = "handoffs"

    def get_context_data(self, **kwargs):
        require_handoff(self.request.user, kwargs["pk"])
        try:
            detail = selectors.handoff_detail(kwargs["pk"])
        except Handoff.DoesNotExist:
            raise Http404("No handoff with this id.") from None
        handoff = detail.handoff
        return super().get_context_data(
            detail=detail,
            handoff=handoff,
            live=handoff.is_active or handoff.state in LIVE_POLL_STATES,
            requeueable=is_requeueable(handoff),
            requeue_form=RequeueForm(),
            **kwargs,
        )


class HandoffRequeueView(RoleRequiredMixin, View):
    """POST: send a dead or excepted handoff back through the pipeline (ops only; others get 403)."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        handoff = visible_handoffs(Handoff.objects.filter(pk=pk), request.user).only(
            "id", "state", "writeback_status", "deal_name").first()
        if handoff is None:
            raise Http404("No handoff with this id.")
        back = self._back_url(handoff)
        if not is_requeueable(handoff):
            messages.warning(
                request,
                f"Handoff {handoff.pk} is {handoff.get_state_display().lower()}; only dead or excepted handoffs "
                "(or a failed writeback) can be re-queued.",
            )
            return HttpResponseRedirect(back)
        form = RequeueForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            # The pipeline owns re-queueing; imported when used so the ops UI does not load the pipeline at start-up.
            from erp_orders.services import RequeueRefused, requeue_handoff
        except ImportError:
            log.error("re-queue requested for handoff %s but erp_orders.services.requeue_handoff is missing", pk)
            messages.error(request, "Re-queue is not available in this installation yet (the pipeline service is missing).")
            return HttpResponseRedirect(back)
        try:
            requeue_handoff(handoff_id=handoff.pk, user=request.user, note=note)
        except (RequeueRefused, ValueError, IntegrationError) as error:
            messages.error(request, f"Handoff {handoff.pk} was not re-queued: {error}")
            return HttpResponseRedirect(back)
        messages.success(request, f"Handoff {handoff.pk} ({handoff.deal_name or 'deal'}) re-queued; a worker picks it up now.")
        return HttpResponseRedirect(back)

    def _back_url(self, handoff: Handoff) -> str:
        requested = self.request.POST.get("next", "")
        if requested and url_has_allowed_host_and_scheme(
            requested, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return requested
        return reverse("ops:handoff-detail", args=[handoff.pk])
