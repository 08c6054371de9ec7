"""API permissions: the roles of the ops UI (exceptions_queue.permissions), applied to DRF requests."""

from __future__ import annotations

from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from exceptions_queue.permissions import ACTION_ROLES, MASTER_DATA, OPS, READ_ROLES, has_any_role

RESOLVE_ROLES = (OPS, MASTER_DATA)
# Token first: an anonymous API call then gets 401 with `WWW-Authenticate: Token` (session-first answers 403).
API_AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class ReadOnlyForRoles(BasePermission):
    """Any role (ops, approver, master_data, viewer) or a superuser may read; nobody writes through these views."""

    message = "Your account needs one of the roles ops, approver, master_data or viewer to use the API."

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS and has_any_role(request.user, READ_ROLES)


class ReadForRolesUploadForOps(BasePermission):
    """Payables: any role reads invoices; uploading them (POST) is for ops (and superusers), as in the /payables/ UI."""

    message = "Reading invoices needs one of the roles ops, approver, master_data or viewer; uploading them needs ops."

    def has_permission(self, request, view):
        roles = READ_ROLES if request.method in SAFE_METHODS else ACTION_ROLES
        return has_any_role(request.user, roles)


class CanResolveCrosswalk(BasePermission):
    """Crosswalk look-ups are for the ops and master-data teams (and superusers)."""

    message = "Resolving crosswalk values needs the ops or master_data role."

    def has_permission(self, request, view):
        return has_any_role(request.user, RESOLVE_ROLES)
