"""The workspace kind's API base: the kernel's tenant viewset with the `workspace` path
parameter described once for the schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.serializers import TenantSerializerMixin
from core.api.viewsets import TenantViewSet

if TYPE_CHECKING:
    from rest_framework.request import Request

    from accounts.models import Membership, User, Workspace

    class WorkspaceApiRequest(Request):
        """A workspace endpoint's request as the viewset sees it after `IsTenantMember`:
        a signed-in member of the URL's workspace. Only a type, for mypy."""

        workspace: Workspace
        membership: Membership
        user: User  # authenticated: IsAuthenticated ran first


WORKSPACE_PARAMETER = OpenApiParameter(
    "workspace", OpenApiTypes.STR, OpenApiParameter.PATH, description="The workspace's slug."
)


@extend_schema(parameters=[WORKSPACE_PARAMETER])
class WorkspaceViewSet(TenantViewSet):
    """Base for every workspace-owned resource: /api/v1/workspaces/<workspace>/<things>/."""

    request: WorkspaceApiRequest


WorkspaceSerializerMixin = TenantSerializerMixin

__all__ = ["WORKSPACE_PARAMETER", "WorkspaceSerializerMixin", "WorkspaceViewSet"]
