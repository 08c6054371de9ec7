"""Query-string filters of the API (django-filter). Names follow contract.md: crm_id, erp_order, type, since, until."""

from __future__ import annotations

from django_filters import rest_framework as filters

from erp_orders.models import Handoff, HandoffState
from exceptions_queue.models import ExceptionType, HandoffException, Team
from handoff_project.integration.models import Event, Outcome


class HandoffFilter(filters.FilterSet):
    crm_id = filters.CharFilter(field_name="crm_record_id", help_text="CRM record id (exact).")
    state = filters.ChoiceFilter(choices=HandoffState.choices)
    crm_system = filters.CharFilter(field_name="crm_system")
    erp_order = filters.CharFilter(field_name="erp_order_number", help_text="ERP order number (exact).")
    flagged = filters.BooleanFilter()

    class Meta:
        model = Handoff
        fields = ["crm_id", "state", "crm_system", "erp_order", "flagged"]


class ExceptionFilter(filters.FilterSet):
    crm_id = filters.CharFilter(field_name="handoff__crm_record_id", help_text="CRM record id of the handoff (exact).")
    type = filters.ChoiceFilter(choices=ExceptionType.choices)
    team = filters.ChoiceFilter(choices=Team.choices)
    state = filters.ChoiceFilter(choices=HandoffException.State.choices)
    handoff = filters.NumberFilter(field_name="handoff_id")

    class Meta:
        model = HandoffException
        fields = ["crm_id", "type", "team", "state", "handoff"]


class EventFilter(filters.FilterSet):
    crm_id = filters.CharFilter(field_name="crm_record_id", help_text="CRM record id (exact).")
    erp_order = filters.CharFilter(field_name="erp_order_number", help_text="ERP order number (exact).")
    type = filters.CharFilter(field_name="event_type", help_text="Event type (exact), e.g. erp.create_order.")
    outcome = filters.ChoiceFilter(choices=Outcome.choices)
    system = filters.CharFilter(field_name="system")
    handoff = filters.NumberFilter(field_name="handoff_id")
    since = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", help_text="ISO 8601, inclusive.")
    until = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte", help_text="ISO 8601, inclusive.")

    class Meta:
        model = Event
        fields = ["crm_id", "erp_order", "type", "outcome", "system", "handoff", "since", "until"]
