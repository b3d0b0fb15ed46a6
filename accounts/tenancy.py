"""The workspace: the first kind of tenant (one professional's business).

The mechanism itself (scopes, middleware, permissions, the task wrapper) is the kernel's
(`core.tenancy`); this module declares the kind and what workspace-owned code imports:
`TenantModel`, `workspace_scope` and `workspace_task`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.http import HttpRequest
from django_scopes import ScopedManager

from core.tasks import tenant_task
from core.tenancy import TenantKind, tenant_scope

if TYPE_CHECKING:
    from accounts.models import Membership, User, Workspace

WORKSPACE = TenantKind(
    name="workspace",
    model="accounts.Workspace",
    membership_model="accounts.Membership",
    page_prefix="w",
    api_prefix="workspaces",
    verbose_name="workspace",
    timezone_field="timezone",
)


class TenantModel(models.Model):
    """Abstract base of every workspace-owned row: a direct, indexed `workspace` foreign
    key and a scoped default manager that refuses unscoped queries."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_index=True
    )

    # ScopedManager builds its class at run time; to mypy it is a plain manager.
    objects: models.Manager[Any] = ScopedManager(workspace="workspace")

    class Meta:
        abstract = True


def workspace_scope(workspace: Workspace | None) -> Any:
    """Activate one workspace's scope; a missing or unsaved workspace is an error."""
    if workspace is None or workspace.pk is None:
        raise ValueError("A tenant scope needs a saved workspace.")
    return tenant_scope(workspace)


class SignedInRequest(HttpRequest):
    """A request of a signed-in person (a `login_required` page): annotate the view's
    `request` with this for mypy. Only a type."""

    user: User


class WorkspaceRequest(SignedInRequest):
    """A request under /w/<slug>/ (or the workspace API) as views see it after the tenant
    middleware and `role_required`: annotate a view's `request` with this for mypy. Only a
    type: the attributes are set by `core.tenancy.TenantMiddleware`, which also sent
    anonymous people to the login, so `user` is signed in."""

    workspace: Workspace
    membership: Membership


# Task bodies decorated with this take `workspace_id=` and receive `workspace=`.
workspace_task = tenant_task(WORKSPACE)
