from __future__ import annotations

from typing import Any

from django.db import models
from django_scopes import scopes_disabled
from rest_framework import exceptions, permissions, viewsets

from core.api.permissions import IsTenantMember


class TenantViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Base for every tenant-owned resource, e.g. /api/v1/workspaces/<workspace>/<things>/.
    Add DRF's mixins for the actions the resource supports.

    The queryset always starts from the request's tenant; related-field choices on the
    serializer are narrowed to it (`TenantSerializerMixin`); creates pass it."""

    permission_classes = [permissions.IsAuthenticated, IsTenantMember]
    model: type[models.Model]
    # "write" (default): roles that may change records; "manage": admins and owners.
    required_role = "write"

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if getattr(request, "tenant", None) is None:
            raise exceptions.NotFound("No such tenant.")

    def get_queryset(self) -> models.QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request scope
            with scopes_disabled():
                return self.model._default_manager.none()
        kind = self.request.tenant_kind  # type: ignore[attr-defined]
        return self.model._default_manager.filter(**{kind.name: self.request.tenant})  # type: ignore[attr-defined]

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["tenant"] = getattr(self.request, "tenant", None)
        kind = getattr(self.request, "tenant_kind", None)
        if kind is not None:
            context[kind.name] = context["tenant"]
        return context
