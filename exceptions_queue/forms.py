"""Filter and action forms of the ops UI. They only parse input; selectors and services do the work."""

from __future__ import annotations

from django import forms

from erp_orders.models import HandoffState
from handoff_project.integration.models import Outcome

from .models import ExceptionType, Team


def _any(choices, label="Any"):
    return [("", label), *choices]


class HandoffFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "CRM id, deal, customer or ERP order no.", "autocomplete": "off"}
        ),
    )
    state = forms.ChoiceField(required=False, choices=_any(
        [*HandoffState.choices, ("waiting", "Waiting for the ERP")], "All states"))
    # Any value filters (an unknown CRM simply matches nothing); the menu lists the CRMs that have handoffs.
    crm_system = forms.CharField(required=False, label="CRM", max_length=40, widget=forms.Select)

    def __init__(self, *args, crm_systems: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["crm_system"].widget.choices = _any([(s, s.title()) for s in crm_systems], "All CRMs")

    def filters(self) -> dict:
        """Valid filters as selector keyword arguments; invalid values are ignored rather than blanking the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"state": data.get("state", ""), "crm_system": data.get("crm_system", ""), "query": data.get("q", "")}


LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventSearchForm(forms.Form):
    crm_id = forms.CharField(required=False, label="CRM record id")
    erp_order = forms.CharField(required=False, label="ERP order no.")
    type = forms.CharField(
        required=False, label="Event type", widget=forms.TextInput(attrs={"placeholder": "e.g. handoff_opened"})
    )
    outcome = forms.ChoiceField(required=False, choices=_any(Outcome.choices))
    since = forms.DateTimeField(required=False, label="From", widget=LOCAL_DATETIME)
    until = forms.DateTimeField(required=False, label="To", widget=LOCAL_DATETIME)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("'From' is after 'To': swap the dates.")
        return data

    def filters(self) -> dict | None:
        """Selector keyword arguments, or None when the input is invalid (the page then shows the errors)."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return {
            "crm_id": data["crm_id"],
            "erp_order": data["erp_order"],
            "event_type": data["type"],
            "outcome": data["outcome"],
            "since": data["since"],
            "until": data["until"],
        }


class RequeueForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "What did you correct? (optional)"}),
    )


# ---- exception inbox and actions ------------------------------------------------------------------------------------


class InboxFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(attrs={
        "type": "search", "placeholder": "Deal, customer, CRM id, field or message  ( / )", "autocomplete": "off", "data-search": ""}))
    team = forms.ChoiceField(required=False, choices=_any(Team.choices, "All teams"))
    type = forms.ChoiceField(required=False, choices=_any(ExceptionType.choices, "All types"))
    assignee = forms.CharField(required=False, widget=forms.Select)
    sla = forms.ChoiceField(required=False, label="SLA", choices=_any([
        ("escalated", "Escalated"), ("overdue", "Past its deadline"), ("due_soon", "Due within 1 h"), ("on_time", "On time")], "Any SLA"))

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].widget.choices = [("", "Anyone"), ("me", "Assigned to me"), ("none", "Unassigned"),
                                                  *[(str(u.pk), u.get_username()) for u in users]]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name, "") for name in ("team", "type", "assignee", "sla")} | {"query": data.get("q", "")}


class BulkExceptionForm(forms.Form):
    operation = forms.ChoiceField(choices=[("assign", "Assign"), ("resolve", "Resolve")])
    assignee = forms.IntegerField(required=False)
    note = forms.CharField(required=False, max_length=2000)


class NoteForm(forms.Form):
    """One free-text field posted by an action form: a note, a reason or a comment."""

    text = forms.CharField(required=False, max_length=4000)


class PayloadForm(forms.Form):
    payload = forms.CharField(widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "mono"}))
    note = forms.CharField(required=False, max_length=2000,
                           widget=forms.TextInput(attrs={"placeholder": "What did you correct? (kept with the event)"}))
