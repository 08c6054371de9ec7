"""The event log: search, one deal's history end to end, an event's bodies on demand; and the alerts that were sent."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views import View
from django.views.generic import ListView, TemplateView

from handoff_project.integration.models import Event

from .. import selectors
from ..business_units import events_of_visible_handoffs, keep_visible
from ..forms import EventSearchForm
from ..permissions import RoleRequiredMixin
from .base import OpsPageMixin


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
        return events_of_visible_handoffs(selectors.event_search(**filters), self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(search_form=self.search_form, **kwargs)


class DealHistoryView(OpsPageMixin, TemplateView):
    """GET ?crm_id= or ?erp_order=: the full history of one deal, oldest first."""

    template_name = "ops/deal_history.html"
    section = "events"

    def get_context_data(self, **kwargs):
        crm_id, erp_order = self.request.GET.get("crm_id", ""), self.request.GET.get("erp_order", "")
        handoffs, events = selectors.deal_history(crm_id=crm_id, erp_order=erp_order)
        handoffs = keep_visible(handoffs, self.request.user)
        events = events_of_visible_handoffs(events, self.request.user)
        return super().get_context_data(handoffs=handoffs, events=list(events[:2000]), crm_id=crm_id, erp_order=erp_order, **kwargs)


class AlertListView(OpsPageMixin, ListView):
    template_name = "ops/alert_list.html"
    context_object_name = "alerts"
    section = "alerts"

    def get_queryset(self):
        return selectors.recent_alerts(user=self.request.user)


class EventBodiesView(RoleRequiredMixin, View):
    """The request and response bodies of one event, loaded when a person expands it on the timeline."""

    http_method_names = ["get"]

    def get(self, request, pk: int):
        try:
            event = events_of_visible_handoffs(Event.objects.filter(pk=pk), request.user).get()
        except Event.DoesNotExist:
            raise Http404("No event with this id.") from None
        return render(request, "ops/_event_bodies.html", {"event": event})
