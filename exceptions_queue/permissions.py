"""Who may see and do what in the ops UI (and, through the API's permission classes, in /api/).

Roles are the Django groups of contract.md: `ops`, `approver`, `master_data`, `viewer`; superusers have every role.
Any role may read; each change is an action of `ACTIONS` with the roles allowed to do it (re-queue and dead letters:
ops; approvals: approver; picking a crosswalk candidate: ops and master_data). A signed-in user without a role gets
403, not a login loop: they are known, just not allowed.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied

OPS = "ops"
APPROVER = "approver"
MASTER_DATA = "master_data"
VIEWER = "viewer"
ROLES = (OPS, APPROVER, MASTER_DATA, VIEWER)

READ_ROLES = ROLES
ACTION_ROLES = (OPS,)
# Who may do what (superusers may do everything). Views name their action; the role-matrix test checks every cell.
ACTIONS = {
    "requeue": (OPS,),  # re-queue a handoff, dead letters in bulk
    "resolve_exception": (OPS,),  # correct a field, override a check, assign, bulk resolve
    "pick_candidate": (OPS, MASTER_DATA),  # resolve a customer / product / terms exception by teaching the crosswalk
    "decide_approval": (APPROVER,),  # approve, reject, request a change, hold, cancel
    "dead_letter": (OPS,),  # edit the payload and re-queue, discard
}


def user_roles(user) -> frozenset[str]:
    """The role groups a user belongs to, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_handoff_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._handoff_roles = cached
    return cached


def has_any_role(user, roles) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or bool(user_roles(user) & set(roles))


def can_view_ops(user) -> bool:
    return has_any_role(user, READ_ROLES)


def can_act_in_ops(user) -> bool:
    return has_any_role(user, ACTION_ROLES)


def may(user, action: str) -> bool:
    return has_any_role(user, ACTIONS[action])


def allowed_actions(user) -> dict[str, bool]:
    """{"requeue": True, "decide_approval": False, …} for templates."""
    return {action: may(user, action) for action in ACTIONS}


class RoleRequiredMixin(AccessMixin):
    """Class-based views: anonymous → login page; signed in without one of `read_roles` → 403.

    Unsafe methods (POST, …) additionally need one of `action_roles`.
    """

    read_roles: tuple[str, ...] = READ_ROLES
    action_roles: tuple[str, ...] = ACTION_ROLES
    raise_exception = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_any_role(request.user, self.read_roles):
            raise PermissionDenied("You need one of the roles ops, approver, master_data or viewer to use the ops UI.")
        if request.method not in ("GET", "HEAD", "OPTIONS") and not has_any_role(request.user, self.action_roles):
            raise PermissionDenied(f"This needs one of the roles: {', '.join(self.action_roles)}.")
        return super().dispatch(request, *args, **kwargs)


def role_required(*roles: str):
    """Function-based views: login required, then one of `roles` (superusers always pass), else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not has_any_role(request.user, roles):
                raise PermissionDenied(f"This needs one of the roles: {', '.join(roles)}.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


ops_view_required = role_required(*READ_ROLES)
ops_action_required = role_required(*ACTION_ROLES)
