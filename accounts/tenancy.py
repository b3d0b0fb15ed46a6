"""The workspace: the first kind of tenant (one professional's business).

The mechanism itself (scopes, middleware, permissions, the task wrapper) is the kernel's
(`core.tenancy`); this module declares the kind and what workspace-owned code imports:
`TenantModel`, `workspace_scope` and `workspace_task`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django_scopes import ScopedManager

from core.tasks import tenant_task
from core.tenancy import TenantKind, tenant_scope

if TYPE_CHECKING:
    from accounts.models import Workspace

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

    objects = ScopedManager(workspace="workspace")

    class Meta:
        abstract = True


def workspace_scope(workspace: Workspace | None) -> Any:
    """Activate one workspace's scope; a missing or unsaved workspace is an error."""
    if workspace is None or workspace.pk is None:
        raise ValueError("A tenant scope needs a saved workspace.")
    return tenant_scope(workspace)


# Task bodies decorated with this take `workspace_id=` and receive `workspace=`.
workspace_task = tenant_task(WORKSPACE)
