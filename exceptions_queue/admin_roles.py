"""What each role may do in the Django admin, as an authentication backend that answers `user.has_perm(...)`.

The admin is for lookups and fixes; the ops UI is the workplace. Reaching /admin/ needs a staff account (Django's
own switch, set by a superuser); what a staff account then sees comes from its role groups (exceptions_queue.
permissions), not from per-user permission rows:

- every role (ops, approver, master_data, viewer) may view the project's records (`VIEW_APPS`), history included;
- master_data may also add, change and delete crosswalk entries (the crosswalk app; its read-only tables — ERP
  master data, the transformation log — refuse changes in their own admin classes);
- users, groups, API tokens, business-unit access, the sandbox and the task queue are for superusers only;
- a user limited to business units (exceptions_queue.business_units) sees only the crosswalks here: the admin's
  lists are not filtered by unit, so the deal-bearing tables (handoffs, events, exceptions …) stay in the ops UI and
  the API, which are;
- importing (django-import-export) needs the change permission, exporting the view permission (settings.py), and a
  POST to a history version (a revert) needs the change permission (`refuse_history_writes_without_change_permission`).

Superusers are answered by Django's ModelBackend (they have every permission).
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from .permissions import MASTER_DATA, ROLES, user_roles

# Shared master data, not any business unit's deals: what a user limited to units may still see in the admin.
UNSCOPED_APPS = frozenset({"crosswalk"})
VIEW_APPS = frozenset({"crosswalk", "erp_orders", "exceptions_queue", "integration", "payables", "matching", "crm_sync"})
EDIT_APPS_BY_ROLE = {MASTER_DATA: frozenset({"crosswalk"})}
# Models inside VIEW_APPS that only superusers see: who may see which business unit is itself an access control.
SUPERUSER_ONLY_MODELS = frozenset({"exceptions_queue.businessunitaccess"})
EDIT_ACTIONS = ("add", "change", "delete")


def _roles(user) -> frozenset[str]:
    return user_roles(user) & set(ROLES) if getattr(user, "is_staff", False) else frozenset()


class RoleAdminBackend(BaseBackend):
    """Grants admin permissions by role; never authenticates anyone (ModelBackend does)."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        roles = _roles(user_obj)
        if not roles or "." not in perm:
            return False
        app_label, codename = perm.split(".", 1)
        action, _, model = codename.partition("_")
        if app_label not in _apps_for(user_obj) or f"{app_label}.{model}" in SUPERUSER_ONLY_MODELS:
            return False
        if action == "view":
            return True
        if action in EDIT_ACTIONS:
            return any(app_label in EDIT_APPS_BY_ROLE.get(role, ()) for role in roles)
        return False

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return bool(_roles(user_obj)) and app_label in _apps_for(user_obj)


def _apps_for(user) -> frozenset[str]:
    from .business_units import user_units  # imported late: it loads models, and this module loads with the settings

    return VIEW_APPS if user_units(user) is None else VIEW_APPS & UNSCOPED_APPS


def refuse_history_writes_without_change_permission() -> None:
    """django-simple-history's history form (admin/<model>/<id>/history/<version>/) saves a POSTed form after checking
    only *view* permission (3.10: `has_view_history_or_change_history_permission`): a view-only account could
    overwrite a crosswalk entry by "reverting". Such a POST now needs the change permission, as the change page does."""
    original = SimpleHistoryAdmin.history_form_view
    if getattr(original, "_needs_change_permission", False):
        return

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD") and not self.has_change_permission(request):
            raise PermissionDenied
        return original(self, request, object_id, version_id, extra_context=extra_context)

    history_form_view._needs_change_permission = True
    SimpleHistoryAdmin.history_form_view = history_form_view
