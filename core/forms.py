"""Typed access to a form's fields: `Form.fields` holds plain `Field`s to mypy; these name
the kind of field a form declared, so narrowing its choices or queryset type-checks."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from core.dates import validate_sane_date


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


def choices_of(form: forms.BaseForm, name: str) -> list[tuple[Any, Any]]:
    """A choice field's choices as a list of (value, label); Django has already normalised
    the declared choices to one."""
    return list(cast("list[tuple[Any, Any]]", choice_field(form, name).choices))


class SaneDateField(forms.DateField):
    """A date within core.dates' sane range: a far-future date is a form error."""

    default_validators = [validate_sane_date]
