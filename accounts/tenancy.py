"""Tenant isolation as a mechanism.

* `TenantModel` is the base of every workspace-owned model: a direct, indexed `workspace`
  foreign key and a `django_scopes.ScopedManager` as the default manager. A query on a
  tenant model outside an active scope raises `ScopeError` instead of returning rows of
  every workspace.
* `WorkspaceMiddleware` resolves `/w/<slug>/...` (and `/api/v1/workspaces/<slug>/...`) to
  the workspace and the user's membership, answers 404 when the user is not a member
  (never 403: that would confirm the workspace exists), and activates the scope for the
  rest of the request.
* Code that must cross tenants (webhooks, admin commands, beat) says so with
  `django_scopes.scopes_disabled()`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_scopes import ScopedManager, scope, scopes_disabled

if TYPE_CHECKING:
    from accounts.models import Membership, Workspace

# The URL prefixes under which a request belongs to one workspace.
WORKSPACE_URL = re.compile(r"^/(?:w|api/v1/workspaces)/(?P<slug>[-a-z0-9]+)(?:/|$)")


class TenantModel(models.Model):
    """Abstract base of every workspace-owned row."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=True
    )

    objects = ScopedManager(workspace="workspace")

    class Meta:
        abstract = True


class WorkspaceMiddleware:
    """Attach `request.workspace` / `request.membership` and scope the request to it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = None
        request.membership = None
        path = request.path_info
        if path.startswith("/admin/"):
            # The Django admin is the operators' cross-tenant tool, for superusers only.
            with scopes_disabled():
                return self.get_response(request)
        match = WORKSPACE_URL.match(path)
        if not match:
            return self.get_response(request)

        from accounts.models import Workspace

        workspace = Workspace.objects.filter(slug=match["slug"]).first()
        is_api = path.startswith("/api/")
        if not is_api:
            # Pages: the session user is known here, so membership is enforced here, once,
            # for every page under /w/<slug>/. Not a member (or no such workspace) is 404.
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            membership = membership_for(request.user, workspace)
            if membership is None:
                raise Http404("No such workspace.")
            request.membership = membership
        # API: token authentication runs inside DRF, after middleware, so the membership
        # check lives in `portfolio.api.IsWorkspaceMember`; an unknown slug is left for DRF
        # to answer with its standard 404 body.
        request.workspace = workspace
        if workspace is None:
            return self.get_response(request)
        # Dates and times on the workspace's pages (and "today" for due dates, unbilled
        # work, reminders shown) are in the workspace's time zone.
        with workspace_scope(workspace), timezone.override(workspace.timezone):
            return self.get_response(request)


def membership_for(user, workspace: Workspace | None) -> Membership | None:
    """The user's membership in the workspace, or None (anonymous, not a member)."""
    if workspace is None or not user.is_authenticated:
        return None
    from accounts.models import Membership

    with workspace_scope(workspace):
        return Membership.objects.filter(user=user).select_related("workspace").first()


def get_tenant_object_or_404(queryset_or_model, workspace: Workspace, **lookup):
    """Fetch one workspace-owned object; any other workspace's object is a 404."""
    if isinstance(queryset_or_model, type):
        queryset_or_model = queryset_or_model.objects.all()
    return get_object_or_404(queryset_or_model.filter(workspace=workspace), **lookup)


def workspace_scope(workspace: Workspace):
    """Activate one workspace's scope. Use this, not `django_scopes.scope` directly:
    django-scopes reads `scope(workspace=None)` as "no filter", which would open every
    tenant's rows; here a missing workspace is an error."""
    if workspace is None or workspace.pk is None:
        raise ValueError("A tenant scope needs a saved workspace.")
    return scope(workspace=workspace)
