"""The workspace kind's API base: the kernel's tenant viewset with the `workspace` path
parameter described once for the schema."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.serializers import TenantSerializerMixin
from core.api.viewsets import TenantViewSet

WORKSPACE_PARAMETER = OpenApiParameter(
    "workspace", OpenApiTypes.STR, OpenApiParameter.PATH, description="The workspace's slug."
)


@extend_schema(parameters=[WORKSPACE_PARAMETER])
class WorkspaceViewSet(TenantViewSet):
    """Base for every workspace-owned resource: /api/v1/workspaces/<workspace>/<things>/."""


WorkspaceSerializerMixin = TenantSerializerMixin

__all__ = ["WORKSPACE_PARAMETER", "WorkspaceSerializerMixin", "WorkspaceViewSet"]
