from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.tenancy import kind_of, owning_kind, tenant_kinds


class TenantSerializerMixin:
    """Narrow every related field's choices to the request's tenant, so an id from another
    tenant is "does not exist", exactly like an id that never existed. The tenant comes
    from the context (`tenant`, or the kind's name, e.g. `workspace`); without one, no
    tenant-owned row is a valid choice."""

    context: dict[str, Any]

    def _context_tenant(self) -> Any | None:
        tenant = self.context.get("tenant")
        if tenant is None:
            for kind in tenant_kinds():
                tenant = self.context.get(kind.name)
                if tenant is not None:
                    break
        return tenant

    def get_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = super().get_fields()  # type: ignore[misc]
        tenant = self._context_tenant()
        for field in fields.values():
            target: Any = getattr(field, "child_relation", field)
            queryset: Any = getattr(target, "queryset", None)
            if not isinstance(target, serializers.RelatedField) or queryset is None:
                continue
            model = queryset.model
            kind = owning_kind(model)
            if kind is None:
                continue
            manager = model._default_manager
            if tenant is not None and kind_of(tenant) == kind:
                narrowed = manager.filter(**{kind.name: tenant})
            else:
                narrowed = manager.none()
            setattr(target, "queryset", narrowed)  # noqa: B010 - the stubs type it as a descriptor
        return fields
