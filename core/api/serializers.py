from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from rest_framework import serializers

from core.dates import validate_sane_date
from core.tenancy import kind_of, owning_kind, tenant_kinds


class SaneDateField(serializers.DateField):
    """A date within core.dates' sane range: far-future or absurd dates are a 400 on the
    field, never a row that later breaks a page."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_sane_date)


# What a JSON value must be for each kind of field, as the schema documents it. DRF would
# coerce (`0` into the name "0", `"5"` into 5, the float 0.1 into an amount); the API
# refuses instead. Amounts are strings ("120.50"): a JSON number may have lost its cents.
JSON_TYPES: list[tuple[type[serializers.Field[Any, Any, Any, Any]], tuple[type, ...], str]] = [
    (serializers.MultipleChoiceField, (list,), "Must be a list of choices."),
    (serializers.ChoiceField, (str, int), "Must be one of the choices."),
    (serializers.BooleanField, (bool,), "Must be true or false."),
    (serializers.CharField, (str,), "Must be a string."),
    (serializers.DecimalField, (str,), 'Must be a string such as "120.50".'),
    (serializers.IntegerField, (int,), "Must be a whole number."),
    (serializers.DateField, (str,), "Must be a date string, YYYY-MM-DD."),
    (serializers.ListField, (list,), "Must be a list."),
]


def type_errors(
    fields: Mapping[str, serializers.Field[Any, Any, Any, Any]], data: Any
) -> dict[str, list[str]]:
    """Values the schema does not allow but DRF would coerce: a JSON value of the wrong
    type, or an empty form or query value for a field that takes neither blank nor null
    (DRF reads that as "not given")."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, Mapping):
        return errors
    for name, field in fields.items():
        if field.read_only or name not in data:
            continue
        if isinstance(data, QueryDict):
            blank_ok = getattr(field, "allow_blank", False) or field.allow_null
            if not blank_ok and "" in data.getlist(name):
                errors[name] = [f"Give {name} a value, or leave it out."]
            continue
        value = data[name]
        if value is None:
            continue  # DRF answers null on a field that refuses it
        for kind, allowed, message in JSON_TYPES:
            if isinstance(field, kind):
                if isinstance(field, serializers.ChoiceField) and kind is serializers.ChoiceField:
                    # The choices' own types: 0 is no country code.
                    allowed = tuple({type(choice) for choice in field.choices}) or allowed
                wrong_bool = isinstance(value, bool) and bool not in allowed
                if wrong_bool or not isinstance(value, allowed):
                    errors[name] = [message]
                elif value == "" and not isinstance(
                    field, (serializers.CharField, serializers.ChoiceField)
                ):
                    errors[name] = ["Give a value, or null where the field allows it."]
                elif isinstance(field, serializers.CharField) and _too_long(field, str(value)):
                    errors[name] = [f"At most {field.max_length} characters."]
                break
    return errors


def _too_long(field: serializers.CharField, value: str) -> bool:
    # DRF measures after trimming whitespace; the schema's maxLength is the value as sent.
    return field.max_length is not None and len(value) > field.max_length


class StrictTypesMixin:
    """Refuse, with a 400 on the field, what `type_errors` finds before DRF coerces it."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if errors := type_errors(self.fields, data):
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class TenantSerializerMixin(StrictTypesMixin):
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
