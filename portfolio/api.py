"""The API base every app builds on: pagination, the workspace permission and the scoped
viewset. A workspace-owned endpoint subclasses `WorkspaceViewSet` and declares only its
model, serializer and filters; scoping, 404s across tenants and write permissions come
from here."""

from __future__ import annotations

from django.db import models
from django_scopes import scopes_disabled
from drf_spectacular import generators
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers, viewsets

from accounts.tenancy import membership_for


class IsWorkspaceMember(permissions.BasePermission):
    """The user must belong to the URL's workspace; otherwise 404 (never 403, which would
    confirm the workspace exists). Accountants are read-only."""

    def has_permission(self, request, view) -> bool:
        workspace = getattr(request, "workspace", None)
        if not request.user or not request.user.is_authenticated:
            return False  # → 401 via the authenticators
        membership = membership_for(request.user, workspace)
        if membership is None:
            raise exceptions.NotFound("No such workspace.")
        request.membership = membership
        if request.method in permissions.SAFE_METHODS:
            return True
        required = getattr(view, "required_role", "write")
        return membership.can_manage if required == "manage" else membership.can_write


WORKSPACE_PARAMETER = OpenApiParameter(
    "workspace", OpenApiTypes.STR, OpenApiParameter.PATH, description="The workspace's slug."
)


@extend_schema(parameters=[WORKSPACE_PARAMETER])
class WorkspaceViewSet(viewsets.GenericViewSet):
    """Base for every workspace-owned resource: /api/v1/workspaces/<workspace>/<things>/.
    Add DRF's mixins for the actions the resource supports.

    The queryset always starts from the request's workspace; related-field choices on the
    serializer are narrowed to it (see `WorkspaceSerializerMixin`); creates pass it.
    """

    permission_classes = [permissions.IsAuthenticated, IsWorkspaceMember]
    model: type[models.Model]
    # "write" (default): members, admins, owners may change; "manage": admins and owners.
    required_role = "write"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(request, "workspace", None) is None:
            raise exceptions.NotFound("No such workspace.")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request scope
            with scopes_disabled():
                return self.model.objects.none()
        return self.model.objects.filter(workspace=self.request.workspace)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["workspace"] = getattr(self.request, "workspace", None)
        return context


class WorkspaceSerializerMixin:
    """Narrow every related field's choices to the request's workspace, so an id from
    another workspace is "does not exist", exactly like an id that never existed."""

    def get_fields(self):
        fields = super().get_fields()
        workspace = self.context.get("workspace")
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            if isinstance(target, serializers.RelatedField) and target.queryset is not None:
                model = target.queryset.model
                if any(f.name == "workspace" for f in model._meta.fields):
                    target.queryset = model.objects.filter(workspace=workspace)
        return fields


class SchemaGenerator(generators.SchemaGenerator):
    """Building the OpenAPI schema inspects every model's manager with no request, so it
    runs outside any tenant scope: it reads model metadata, never rows."""

    def get_schema(self, request=None, public=False):
        with scopes_disabled():
            return super().get_schema(request=request, public=public)
