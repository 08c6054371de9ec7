"""The ops UI under /ops/: handoff list and detail, open exceptions, dead letters, event search, re-queue.

Views are thin: parse the query string with a form, call a selector (reads) or a service (re-queue), render. HTMX
requests for the live parts (the handoff table, the detail body) get just that partial back.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import ListView, TemplateView

from erp_orders.models import Handoff, HandoffState, WritebackStatus
from handoff_project.integration.errors import IntegrationError
from handoff_project.integration.models import Event

from . import selectors
from .forms import EventSearchForm, ExceptionFilterForm, HandoffFilterForm, RequeueForm
from .permissions import RoleRequiredMixin, can_act_in_ops

log = logging.getLogger("handoff.ops")

REQUEUEABLE_STATES = (HandoffState.DEAD, HandoffState.EXCEPTION)
LIVE_POLL_STATES = (HandoffState.AWAITING_APPROVAL,)


def is_requeueable(handoff: Handoff) -> bool:
    """Dead, excepted, or created in the ERP with a failed writeback: the cases the re-queue service accepts."""
    return handoff.state in REQUEUEABLE_STATES or (
        handoff.state == HandoffState.CREATED and handoff.writeback_status == WritebackStatus.FAILED
    )


class OpsPageMixin(RoleRequiredMixin):
    """Every ops page: role check, the navigation badges, whether this user may act, partials for HTMX."""

    section = ""
    partial_template_name = ""
    partial_target = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(section=self.section, can_act=can_act_in_ops(self.request.user))
        if not self.is_partial_request():
            context.update(selectors.queue_counts())
        return context

    def is_partial_request(self) -> bool:
        htmx = getattr(self.request, "htmx", None)
        return bool(
            htmx and self.partial_template_name and not htmx.history_restore_request and htmx.target == self.partial_target
        )

    def get_template_names(self):
        if self.is_partial_request():
            return [self.partial_template_name]
        return super().get_template_names()

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # One URL serves the page and its partial: caches must tell them apart.
        patch_vary_headers(response, ["HX-Request", "HX-Target"])
        return response


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
        return selectors.handoff_list(**self.filter_form.filters())

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)


class HandoffDetailView(OpsPageMixin, TemplateView):
    template_name = "ops/handoff_detail.html"
    partial_template_name = "ops/_handoff_live.html"
    partial_target = "handoff-live"
    section = "handoffs"

    def get_context_data(self, **kwargs):
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
        handoff = Handoff.objects.filter(pk=pk).only("id", "state", "writeback_status", "deal_name").first()
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


class ExceptionListView(OpsPageMixin, ListView):
    template_name = "ops/exception_list.html"
    context_object_name = "exceptions"
    paginate_by = 50
    section = "exceptions"

    def get(self, request, *args, **kwargs):
        self.filter_form = ExceptionFilterForm(request.GET or None)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.open_exceptions(**self.filter_form.filters())

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)


class DeadLetterListView(OpsPageMixin, ListView):
    template_name = "ops/dead_letter_list.html"
    context_object_name = "dead_letters"
    paginate_by = 50
    section = "dead_letters"

    def get_queryset(self):
        return selectors.open_dead_letters()


class EventSearchView(OpsPageMixin, ListView):
    template_name = "ops/event_search.html"
    context_object_name = "events"
    paginate_by = 100
    section = "events"

    def get(self, request, *args, **kwargs):
        self.search_form = EventSearchForm(request.GET or None)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = self.search_form.filters() if self.search_form.is_bound else {}
        if filters is None:
            return Event.objects.none()
        return selectors.event_search(**filters)

    def get_context_data(self, **kwargs):
        return super().get_context_data(search_form=self.search_form, **kwargs)


class EventBodiesView(RoleRequiredMixin, View):
    """The request and response bodies of one event, loaded when a person expands it on the timeline."""

    http_method_names = ["get"]

    def get(self, request, pk: int):
        try:
            event = selectors.event_by_id(pk)
        except Event.DoesNotExist:
            raise Http404("No event with this id.") from None
        return render(request, "ops/_event_bodies.html", {"event": event})
