"""Query-string filters of the API (django-filter). Names follow contract.md: crm_id, erp_order, type, since, until.

django-filter is lenient where the schema is not: it ignores a present but empty filter (`?since=`, `?state=`),
reads `?flagged=null` as "no filter", takes `?handoff=0.5` and the last of repeated parameters. Here each of those is
a 400 that names the parameter (an empty string stays a value for free-text filters), so a client learns that its
query was not what it meant instead of getting an unfiltered list.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

from erp_orders.models import Handoff, HandoffState
from exceptions_queue.models import ExceptionType, HandoffException, Team
from handoff_project.integration.models import Event, Outcome

BOOLEAN_VALUES = ("true", "false")


class IdFilter(filters.NumberFilter):
    """An id: a whole number (NumberFilter would take 0.5)."""

    field_class = forms.IntegerField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, turned into UTC: Python takes offsets up to ±23:59, PostgreSQL only up to ±15:59."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(dt.timezone.utc)
        except OverflowError as error:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
            raise forms.ValidationError(f"{value} is out of the range of dates this API can search.") from error


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class StrictFilterSet(filters.FilterSet):
    def is_valid(self):
        valid = super().is_valid()
        for name, field in self.filters.items():
            problem = self._problem_with(name, field)
            if problem:
                self.form.add_error(name, problem)
        return valid and not self.form.errors

    def _problem_with(self, name: str, field) -> str:
        values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data.get(name)]
        values = [v for v in values if v is not None]
        if not values:
            return ""
        if len(values) > 1:
            return f"{name} is given {len(values)} times: give it once."
        if isinstance(field, filters.BooleanFilter) and values[0] not in BOOLEAN_VALUES:
            return f"{name} must be true or false."
        if type(field) is not filters.CharFilter and values[0] == "":
            return f"{name} is empty: give a value or leave the parameter out."
        return ""


class HandoffFilter(StrictFilterSet):
    crm_id = filters.CharFilter(field_name="crm_record_id", help_text="CRM record id (exact).")
    state = filters.ChoiceFilter(choices=HandoffState.choices)
    crm_system = filters.CharFilter(field_name="crm_system")
    erp_order = filters.CharFilter(field_name="erp_order_number", help_text="ERP order number (exact).")
    flagged = filters.BooleanFilter()

    class Meta:
        model = Handoff
        fields = ["crm_id", "state", "crm_system", "erp_order", "flagged"]


class ExceptionFilter(StrictFilterSet):
    crm_id = filters.CharFilter(field_name="handoff__crm_record_id", help_text="CRM record id of the handoff (exact).")
    type = filters.ChoiceFilter(choices=ExceptionType.choices)
    team = filters.ChoiceFilter(choices=Team.choices)
    state = filters.ChoiceFilter(choices=HandoffException.State.choices)
    handoff = IdFilter(field_name="handoff_id", help_text="Handoff id.")

    class Meta:
        model = HandoffException
        fields = ["crm_id", "type", "team", "state", "handoff"]


class EventFilter(StrictFilterSet):
    crm_id = filters.CharFilter(field_name="crm_record_id", help_text="CRM record id (exact).")
    erp_order = filters.CharFilter(field_name="erp_order_number", help_text="ERP order number (exact).")
    type = filters.CharFilter(field_name="event_type", help_text="Event type (exact), e.g. erp.create_order.")
    outcome = filters.ChoiceFilter(choices=Outcome.choices)
    system = filters.CharFilter(field_name="system")
    handoff = IdFilter(field_name="handoff_id", help_text="Handoff id.")
    since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte", help_text="ISO 8601, inclusive.")
    until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lte", help_text="ISO 8601, inclusive.")

    class Meta:
        model = Event
        fields = ["crm_id", "erp_order", "type", "outcome", "system", "handoff", "since", "until"]
