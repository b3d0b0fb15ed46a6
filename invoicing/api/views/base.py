"""The base of this package's viewsets: WorkspaceViewSet with the request's workspace and
user typed for mypy (the tenant middleware and the permission classes set them)."""

from __future__ import annotations

from typing import cast

from accounts.api.base import WorkspaceViewSet
from accounts.models import User, Workspace
from accounts.tenancy import WorkspaceRequest


class InvoicingViewSet(WorkspaceViewSet):
    @property
    def workspace(self) -> Workspace:
        return cast(WorkspaceRequest, self.request).workspace

    @property
    def actor(self) -> User:
        """The signed-in user (IsAuthenticated ran before any action)."""
        return cast(WorkspaceRequest, self.request).user
