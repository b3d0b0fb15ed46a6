from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.dates import validate_sane_date
from core.tenancy import kind_of, owning_kind, tenant_kinds


class SaneDateField(serializers.DateField):
    """A date within core.dates' sane range: far-future or absurd dates are a 400 on the
    field, never a row that later breaks a page."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_sane_date)


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
            # Model-derived dates get the sane range too (declared ones use SaneDateField).
            if isinstance(field, serializers.DateField) and not isinstance(field, SaneDateField):
                field.validators.append(validate_sane_date)
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
