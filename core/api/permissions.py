"""Who may call a tenant's endpoints: its members (404 for anyone else, never 403, which
would confirm the tenant exists); read-only roles only read. An API token limited to one
tenant reaches that tenant's endpoints and no other's, nor the account-level ones."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from core.tenancy import membership_for, role_allows


def token_limit(request: Request) -> Any | None:
    """The tenant the request's API token is limited to, or None (unlimited, or a session)."""
    return getattr(request.auth, "tenant_limit", None)


class IsTenantMember(permissions.BasePermission):
    """The user must belong to the URL's tenant; otherwise 404. Writes need `can_write`
    (or `can_manage` where the view's `required_role` is "manage")."""

    def has_permission(self, request: Request, view: Any) -> bool:
        tenant = getattr(request, "tenant", None)
        if not request.user or not request.user.is_authenticated:
            return False  # → 401 via the authenticators
        limit = token_limit(request)
        if limit is not None and limit != tenant:
            raise exceptions.NotFound("This token is limited to another tenant.")
        membership = membership_for(request.user, tenant)
        if membership is None:
            raise exceptions.NotFound("No such tenant.")
        request.membership = membership  # type: ignore[attr-defined]
        if request.method in permissions.SAFE_METHODS:
            return True
        return role_allows(membership, getattr(view, "required_role", "write"))


class IsNotTenantLimited(permissions.BasePermission):
    """Account-level endpoints (the user, their tenants, their tokens) refuse a token
    limited to one tenant: such a token must not mint an unlimited one or list the rest."""

    message = "This token is limited to one tenant; use an unlimited token here."

    def has_permission(self, request: Request, view: Any) -> bool:
        return token_limit(request) is None
