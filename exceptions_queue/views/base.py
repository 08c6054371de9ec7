"""What every ops page and action shares: the role check, navigation badges, HTMX partials, safe redirects back."""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from .. import selectors
from ..approvals_queue import open_approval_count
from ..business_units import may_see_handoff, through_handoff, user_units
from ..permissions import ACTIONS, RoleRequiredMixin, allowed_actions, can_act_in_ops


class OpsPageMixin(RoleRequiredMixin):
    """Every ops page: role check, the navigation badges, what this user may do, partials for HTMX."""

    section = ""
    partial_template_name = ""
    partial_target = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        units = user_units(self.request.user)
        context.update(section=self.section, can_act=can_act_in_ops(self.request.user), may=allowed_actions(self.request.user),
                       my_business_units=sorted(units) if units else [])
        if not self.is_partial_request():
            user = self.request.user
            context.update(selectors.queue_counts(user), open_approvals=open_approval_count(user))
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


class ActionView(RoleRequiredMixin, View):
    """A POST that changes something: the roles of `action` (permissions.ACTIONS), then back where the person was."""

    http_method_names = ["post"]
    action = ""

    def dispatch(self, request, *args, **kwargs):
        self.action_roles = ACTIONS[self.action]
        return super().dispatch(request, *args, **kwargs)

    def back(self, default: str) -> HttpResponseRedirect:
        requested = self.request.POST.get("next", "")
        if requested and url_has_allowed_host_and_scheme(
            requested, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return HttpResponseRedirect(requested)
        return HttpResponseRedirect(default)


def require_handoff(user, handoff_id: int, message: str = "No handoff with this id.") -> None:
    """404 unless the handoff is of one of the user's business units (exceptions_queue.business_units says why 404)."""
    if not may_see_handoff(user, handoff_id):
        raise Http404(message)


def require_through_handoff(queryset, user, pk: int, message: str, **options) -> None:
    """404 unless the row `pk` of `queryset` (an exception, a dead letter) belongs to one of the user's units."""
    if not through_handoff(queryset.filter(pk=pk), user, **options).exists():
        raise Http404(message)


def selected_ids(request, name: str = "ids") -> list[int]:
    return [int(value) for value in request.POST.getlist(name) if value.isdigit()][:500]
