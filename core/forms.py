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


def name_the_blank(form: forms.BaseForm, **labels: str) -> None:
    """Say what a select's empty choice means ("Choose a client…", "No engagement") in place
    of Django's "---------", for each named field the form still has."""
    for name, label in labels.items():
        field = form.fields.get(name)
        if isinstance(field, forms.ModelChoiceField):
            field.empty_label = label  # read each time the choices are listed
        elif isinstance(field, forms.ChoiceField):
            rest = [c for c in choices_of(form, name) if c[0] != ""]
            field.choices = [("", label), *rest]


class SaneDateField(forms.DateField):
    """A date within core.dates' sane range: a far-future date is a form error."""

    default_validators = [validate_sane_date]


class IdPrefixedForm(forms.BaseForm):
    """A page that shows several forms at once (the engagement page: time, expense,
    milestone… several with a `date` or a `description`) must not repeat an element id, or
    a label names another form's field. Each such form's ids start with its own
    `id_prefix` (`time-date`, `expense-date`); the field names, what is posted and what the
    views and tests read, stay unprefixed, unlike Django's `prefix=`."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)
