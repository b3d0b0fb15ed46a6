"""Query filters that refuse what they cannot read: a 400 naming the parameter, never a
filter silently dropped. django-filter already refuses a malformed date or choice; on top
of that an empty value (`?date_after=`), a boolean other than true/false (`?billable=null`)
and a fractional id (`?client=0.5`) are errors here, as the schema says."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from core.dates import SANE_MAX, SANE_MIN, is_sane

# Where "" is a value (a name) or django-filter's "any" choice; elsewhere it reads nothing.
TEXT_FIELDS = (forms.CharField, forms.ChoiceField)
BOOLEAN_WORDS = frozenset({"true", "false", "True", "False", "1", "0"})


SANE_RANGE = f"enter a date between {SANE_MIN.isoformat()} and {SANE_MAX.isoformat()}"


def _takes_dates(field: forms.Field) -> bool:
    parts = field.fields if isinstance(field, forms.MultiValueField) else [field]
    return any(isinstance(part, forms.DateField) for part in parts)


def _sane_or_unreadable(value: str) -> bool:
    """True unless `value` is a date outside core.dates' range (one it cannot read is
    django-filter's to refuse)."""
    try:
        return is_sane(dt.date.fromisoformat(value))
    except ValueError:
        return True


class IdFilter(filters.NumberFilter):  # type: ignore[misc]
    """A related object's id: a whole number (NumberFilter reads decimals)."""

    field_class = forms.IntegerField


def unreadable(form: forms.Form, query: QueryDict) -> dict[str, list[str]]:
    """The errors django-filter's own form lets through, by form field (the name its own
    errors use; a range field's parameters carry suffixes such as `_after`)."""
    errors: dict[str, list[str]] = {}
    for name, field in form.fields.items():
        suffixes = getattr(field.widget, "suffixes", None) or [""]
        for parameter in (f"{name}_{suffix}" if suffix else name for suffix in suffixes):
            for value in query.getlist(parameter):
                if value == "" and not isinstance(field, TEXT_FIELDS):
                    errors[name] = [f"Give {parameter} a value, or leave it out."]
                elif isinstance(field, forms.NullBooleanField) and value not in BOOLEAN_WORDS:
                    errors[name] = [f"{parameter} must be true or false."]
                elif _takes_dates(field) and not _sane_or_unreadable(value):
                    errors[name] = [f"{parameter}: {SANE_RANGE}."]
    return errors


# Query parameters that are never a filter: pagination's and OrderingFilter's.
NOT_FILTERS = frozenset({"cursor", "page_size", "ordering", "format"})


class FilterBackend(filters.DjangoFilterBackend):  # type: ignore[misc]
    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        """A request without a filter parameter (most list pages) filters nothing: skip
        building the FilterSet and its form, a few milliseconds per page (the currency
        choices alone are copied per request)."""
        if NOT_FILTERS.issuperset(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None and (errors := unreadable(filterset.form, request.query_params)):
            raise ValidationError(errors)
        return filterset
