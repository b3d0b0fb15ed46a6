"""The Python select writer produces exactly the HTML of Django's select templates, for
every kind of select the project's forms hold and for arbitrary labels and values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django_countries.fields import CountryField
from hypothesis import given, settings
from hypothesis import strategies as st

from core.form_renderer import FormRenderer

STOCK = DjangoTemplates()
OURS = FormRenderer()


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Choose…"), ("a", "A & B"), ("b", '"Quoted"')])
    grouped = forms.ChoiceField(
        choices=[
            ("Europe", [("EUR", "Euro"), ("GBP", "Pound <sterling>")]),
            ("Asia", [("JPY", "Yen")]),
            ("XXX", "No group"),
        ]
    )
    numbers = forms.TypedChoiceField(
        choices=[(1, 1234567), (2, Decimal("1.5")), (3, dt.date(2026, 1, 2))], coerce=int
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y"), ("z", "Z")])
    safe = forms.ChoiceField(choices=[(mark_safe("<b>"), mark_safe("<i>bold</i>"))])
    country = CountryField(blank=True).formfield()
    flags = forms.ChoiceField(
        choices=[("1", "One")],
        widget=forms.Select(attrs={"required": True, "disabled": False, "data-x": 'a"b'}),
    )
    radio = forms.ChoiceField(choices=[("1", "One")], widget=forms.RadioSelect)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plain": "a", "grouped": "GBP", "numbers": "2", "many": ["x", "z"], "country": "FR"},
        {"plain": "nope", "grouped": "XXX", "many": ["y"], "safe": "<b>"},
    ],
)
def test_every_select_renders_as_django_renders_it(data, settings):
    settings.USE_THOUSAND_SEPARATOR = True  # labels that are numbers are localised
    for field in Everything(data or None, auto_id="id_%s").visible_fields():
        widget, name = field.field.widget, field.html_name
        value = field.value()
        attrs = {"id": field.auto_id, "aria-describedby": "help"}
        ours = widget.render(name, value, attrs=attrs, renderer=OURS)
        stock = widget.render(name, value, attrs=attrs, renderer=STOCK)
        assert ours == stock, name


def test_pages_use_the_python_writer():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.text(max_size=12), st.text(max_size=20)), min_size=0, max_size=8),
    st.text(max_size=12),
)
def test_any_choices_render_alike(choices, value):
    widget = forms.Select(choices=choices, attrs={"class": "c", "data-v": value})
    assert widget.render("f", value, renderer=OURS) == widget.render("f", value, renderer=STOCK)
