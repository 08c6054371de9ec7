"""The exception inbox per team, the exception detail, and the actions on exceptions (resolve, assign, bulk).

Views parse the request and call one selector (inbox) or service (resolving); refusals from a service come back to
the person as a message on the page they were on.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.views.generic import ListView, TemplateView

from .. import inbox, resolving
from ..business_units import through_handoff, visible_ids
from ..forms import BulkExceptionForm, InboxFilterForm, NoteForm
from ..models import HandoffException, Team
from ..permissions import may
from .base import ActionView, OpsPageMixin, require_through_handoff, selected_ids

NO_EXCEPTION = "No exception with this id."


def _require_exception(user, pk: int) -> None:
    require_through_handoff(HandoffException.objects.all(), user, pk, NO_EXCEPTION, keep_without_handoff=True)


class ExceptionListView(OpsPageMixin, ListView):
    template_name = "ops/exception_list.html"
    partial_template_name = "ops/_exception_rows.html"
    partial_target = "exception-rows"
    context_object_name = "exceptions"
    paginate_by = 50
    section = "exceptions"

    def get(self, request, *args, **kwargs):
        self.users = list(inbox.assignable_users()) if not self.is_partial_request() else []
        self.filter_form = InboxFilterForm(request.GET or None, users=self.users)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return through_handoff(inbox.inbox(user=self.request.user, **self.filter_form.filters()), self.request.user,
                               keep_without_handoff=True)

    def get_context_data(self, **kwargs):
        counts = inbox.team_counts() if not self.is_partial_request() else {}
        tabs = [(team, Team(team).label, counts.get(team, 0)) for team in inbox.INBOX_TEAMS]
        tabs += [(team, label, n) for team, label in Team.choices if team not in inbox.INBOX_TEAMS and (n := counts.get(team, 0))]
        return super().get_context_data(filter_form=self.filter_form, team_tabs=tabs, total_open=sum(counts.values()),
                                         current_team=self.filter_form.filters()["team"], users=self.users, **kwargs)


class ExceptionDetailView(OpsPageMixin, TemplateView):
    template_name = "ops/exception_detail.html"
    section = "exceptions"

    def get_context_data(self, **kwargs):
        _require_exception(self.request.user, kwargs["pk"])
        try:
            context = inbox.exception_context(kwargs["pk"])
        except HandoffException.DoesNotExist:
            raise Http404(NO_EXCEPTION) from None
        return super().get_context_data(ctx=context, exception=context.exception, handoff=context.handoff,
                                        users=inbox.assignable_users(), **kwargs)


class ExceptionResolveView(ActionView):
    """POST how=candidate (ops, master data) | correct | override (ops)."""

    action = "pick_candidate"  # the widest of the three; the others are checked per request below

    def post(self, request, pk: int):
        _require_exception(request.user, pk)
        how = request.POST.get("how", "")
        if how != "candidate" and not may(request.user, "resolve_exception"):
            raise PermissionDenied("Correcting a field or overriding a check needs the ops role.")
        note = NoteForm({"text": request.POST.get("note", "")})
        note = note.cleaned_data["text"] if note.is_valid() else ""
        try:
            if how == "candidate":
                result = resolving.resolve_with_candidate(exception_id=pk, user=request.user, note=note,
                                                          erp_key=request.POST.get("new_key") or request.POST.get("erp_key", ""))
            elif how == "correct":
                values = {k[len("value:"):]: v for k, v in request.POST.items() if k.startswith("value:")}
                result = resolving.correct_fields(exception_id=pk, user=request.user, values=values, note=note)
            elif how == "override":
                result = resolving.override_check(exception_id=pk, user=request.user, reason=request.POST.get("reason", ""))
            else:
                raise resolving.ResolutionRefused("Choose how to resolve it: pick a candidate, correct, or override.")
        except resolving.ResolutionRefused as refusal:
            messages.error(request, str(refusal))
            return self.back(reverse("ops:exception-detail", args=[pk]))
        messages.success(request, result.message)
        if result.requeued:
            return self.back(reverse("ops:handoff-detail", args=[result.exception.handoff_id]))
        return self.back(reverse("ops:exception-detail", args=[pk]))


class ExceptionAssignView(ActionView):
    action = "resolve_exception"

    def post(self, request, pk: int):
        _require_exception(request.user, pk)
        assignee = _user(request.POST.get("assignee", ""), request.user)
        changed = resolving.assign(exception_ids=[pk], assignee=assignee, user=request.user)
        if changed:
            messages.success(request, f"Assigned to {assignee.get_username() if assignee else 'nobody'}.")
        else:
            messages.warning(request, "Only an open exception can be assigned.")
        return self.back(reverse("ops:exception-detail", args=[pk]))


class ExceptionBulkView(ActionView):
    """POST operation=assign (assignee) | resolve (note) for the selected exception ids."""

    action = "resolve_exception"

    def post(self, request):
        form = BulkExceptionForm(request.POST)
        ids = visible_ids(HandoffException.objects.all(), request.user, selected_ids(request), keep_without_handoff=True)
        back = reverse("ops:exception-list")
        if not form.is_valid() or not ids:
            messages.error(request, "Select exceptions and an action.")
            return self.back(back)
        if form.cleaned_data["operation"] == "assign":
            assignee = _user(str(form.cleaned_data["assignee"] or ""), request.user)
            changed = resolving.assign(exception_ids=ids, assignee=assignee, user=request.user)
            messages.success(request, f"{changed} exception{'s' if changed != 1 else ''} assigned to {assignee.get_username() if assignee else 'nobody'}.")
            return self.back(back)
        try:
            closed, requeued = resolving.bulk_resolve(exception_ids=ids, user=request.user, note=form.cleaned_data["note"])
        except resolving.ResolutionRefused as refusal:
            messages.error(request, str(refusal))
            return self.back(back)
        messages.success(request, f"{closed} exception{'s' if closed != 1 else ''} resolved; {requeued} handoff{'s' if requeued != 1 else ''} re-queued.")
        return self.back(back)


def _user(value: str, me):
    if value == "me":
        return me
    if value.isdigit():
        user = get_user_model().objects.filter(pk=int(value), is_active=True).first()
        if user is not None:
            return user
    return None
