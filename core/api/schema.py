"""How the API's OpenAPI schema is generated: outside any tenant scope, with every error
response the API can give documented in drf-standardized-errors' body (413 included)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.db import models
from django_scopes import scopes_disabled
from drf_spectacular import generators
from drf_standardized_errors import openapi, openapi_serializers
from drf_standardized_errors.openapi_utils import (
    get_django_filter_backends,
    get_filter_forms,
    get_flat_serializer_fields,
    get_serializer_fields_with_error_codes,
)
from rest_framework import serializers
from rest_framework.settings import api_settings


class SchemaGenerator(generators.SchemaGenerator):
    """Building the OpenAPI schema inspects every model's manager with no request, so it
    runs outside any tenant scope: it reads model metadata, never rows."""

    def get_schema(self, request: Any = None, public: bool = False) -> Any:
        with scopes_disabled():
            return super().get_schema(request=request, public=public)  # type: ignore[no-untyped-call]


class ErrorCode413Enum(models.TextChoices):
    REQUEST_TOO_LARGE = "request_too_large"


class Error413Serializer(serializers.Serializer[Any]):
    code = serializers.ChoiceField(choices=ErrorCode413Enum.choices)
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse413Serializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=openapi_serializers.ClientErrorEnum.choices)
    errors = Error413Serializer(many=True)  # type: ignore[assignment]


class AutoSchema(openapi.AutoSchema):
    """drf-standardized-errors' schema, plus 413 on every operation that reads a body
    (`core.api.errors.ExceptionHandler` answers a body over the upload limit with it)."""

    def _should_add_error_response(self, responses: dict[str, Any], status_code: str) -> bool:
        if status_code == "413":
            return (
                status_code not in responses
                and self.method in ("POST", "PUT", "PATCH")
                and self._should_add_parse_error_response()
            )
        return bool(super()._should_add_error_response(responses, status_code))

    def get_summary(self) -> str | None:
        """A heading for the docs where the view gives none ("List clients", "Create a
        time entry", "Archive a client"), instead of the operation id."""
        declared: str | None = super().get_summary()
        if declared:
            return declared
        action = getattr(self.view, "action", None) or self.method.lower()
        one, many = self._nouns()
        if action == "list":
            return f"List {many}"
        verbs = {"create": "Create", "retrieve": "Get", "partial_update": "Update",
                 "update": "Replace", "destroy": "Delete"}  # fmt: skip
        verb = verbs.get(action) or action.replace("_", " ").capitalize()
        return f"{verb} {one}" if action in verbs or "{id}" in self.path else f"{verb}: {many}"

    def _nouns(self) -> tuple[str, str]:
        """The resource as "a client" and "clients": the model's names, else the path's."""
        model = getattr(self.view, "model", None) or getattr(
            getattr(self.view, "queryset", None), "model", None
        )
        if model is not None:
            meta = model._meta
            one = str(meta.verbose_name)
            return f"{'an' if one[0] in 'aeiou' else 'a'} {one}", str(meta.verbose_name_plural)
        segments = [p for p in self.path.strip("/").split("/") if not p.startswith("{")]
        noun = segments[-1].replace("-", " ") if segments else "resource"
        return f"the {noun}", noun

    def _get_extra_validation_errors(self) -> dict[str, set[str]]:
        """The 400s the package cannot see from a view's declarations: a service's
        ValidationError (code `invalid`, on a body field or `non_field_errors`) on any
        write, a field a service requires though the serializer does not, `page_size` and
        `cursor` on a paginated list, a filter value django-filter lets through (core.api.filters),
        and the fields of a query serializer named in `extend_schema(parameters=...)`."""
        extra: dict[str, set[str]] = defaultdict(set)
        for name, codes in super()._get_extra_validation_errors().items():
            extra[name] |= set(codes)
        date_fields = []
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            extra[api_settings.NON_FIELD_ERRORS_KEY].add("invalid")
            if self.method != "DELETE":
                for field in get_flat_serializer_fields(self._request_serializers()):
                    extra[field.name] |= {"invalid", "required"}
                    if field.name.endswith(".non_field_errors"):  # a nested list or object
                        whole = field.name.removesuffix(".non_field_errors")
                        extra[whole] |= {"invalid", "required", "null", "not_a_list", "empty"}
                    if isinstance(
                        field.field, (serializers.DecimalField, serializers.IntegerField)
                    ):
                        extra[field.name] |= {"min_value", "max_value"}
                    date_fields.append(field)
        paginator = self._get_paginator() if self.method == "GET" else None  # type: ignore[no-untyped-call]
        for setting in ("page_size_query_param", "cursor_query_param"):
            if query_name := getattr(paginator, setting, None):
                extra[query_name].add("invalid")
        backends = get_django_filter_backends(self.get_filter_backends())
        for form in get_filter_forms(self.view, backends):
            for name in form.fields:
                extra[name].add("invalid")
        for parameter in self.get_override_parameters():
            if isinstance(parameter, type) and issubclass(parameter, serializers.Serializer):
                fields = get_flat_serializer_fields(parameter())
                for field in get_serializer_fields_with_error_codes(fields):
                    extra[field.name] |= set(field.error_codes) | {"invalid"}
                date_fields.extend(fields)
        # core.dates' sane range, on every date field (TenantSerializerMixin adds it).
        for field in date_fields:
            if isinstance(field.field, serializers.DateField):
                extra[field.name].add("date_out_of_range")
        return dict(extra)

    def _determine_fields_with_error_codes(self) -> list[Any]:
        if self.method in ("POST", "PUT", "PATCH"):
            fields = get_flat_serializer_fields(self._request_serializers())
            return list(get_serializer_fields_with_error_codes(fields))
        return list(super()._determine_fields_with_error_codes())

    def _request_serializers(self) -> list[Any]:
        """The request body's serializers (one per media type where a view names them)."""
        declared = self.get_request_serializer()
        candidates = declared.values() if isinstance(declared, dict) else [declared]
        return [
            c
            for c in candidates
            if isinstance(c, serializers.Field)
            or (isinstance(c, type) and issubclass(c, serializers.Field))
        ]


# drf-spectacular's pattern for a DecimalField allows "" and "-", which DRF refuses.
_DECIMAL = re.compile(r"^\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")


def tighten_decimal_patterns(result: Any, generator: Any, request: Any, public: bool) -> Any:
    """A postprocessing hook: every decimal's pattern demands a digit ("5", "5.", ".5",
    "-12.50"), so the schema calls valid exactly what the API accepts."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            pattern = node.get("pattern")
            if isinstance(pattern, str) and (match := _DECIMAL.match(pattern)):
                whole, places = match.groups()
                digits = rf"\d{{1,{whole}}}(?:\.\d{{0,{places}}})?"
                fraction = rf"\.\d{{1,{places}}}"
                node["pattern"] = f"^-?(?:{digits}|{fraction})$"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result


def list_index_attrs(result: Any, generator: Any, request: Any, public: bool) -> Any:
    """A postprocessing hook. drf-standardized-errors names an error inside a list
    `lines.INDEX.quantity` in the schema while the body says `lines.0.quantity`; the attr
    of such a component becomes a pattern matching the real names, and unions holding one
    lose their discriminator (which would need every attr spelled out)."""
    schemas = result.get("components", {}).get("schemas", {})
    indexed = set()
    for name, schema in schemas.items():
        attr = schema.get("properties", {}).get("attr", {})
        names = attr.get("enum") or []
        if len(names) == 1 and "INDEX" in str(names[0]).split("."):
            pattern = re.escape(names[0]).replace("INDEX", r"\d+")
            schema["properties"]["attr"] = {"type": "string", "pattern": f"^{pattern}$"}
            indexed.add(f"#/components/schemas/{name}")
    for schema in schemas.values():
        refs = {option.get("$ref") for option in schema.get("oneOf", [])}
        if refs & indexed:
            schema.pop("discriminator", None)
    return result
