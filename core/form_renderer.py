"""The form renderer: Django's, except that a `<select>` is written in Python.

Django renders a select through a template that includes one template per option, and
an attributes template inside each: the client page's edit form (countries, currencies,
about 400 options) spent about two thirds of the page's time there. `select_html`
writes exactly what those templates write (tests/core/test_form_renderer.py compares
both on many widgets), at a few microseconds an option. Anything else, and a select
whose options use another template, goes through Django's templates as before."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        widget = context.get("widget") if template_name == SELECT else None
        if widget is not None and _plain_options(widget):
            return select_html(widget)
        return str(super().render(template_name, context, request=request))


def _plain_options(widget: Mapping[str, Any]) -> bool:
    return all(
        option.get("template_name") == OPTION
        for _, options, _ in widget["optgroups"]
        for option in options
    )


def select_html(widget: Mapping[str, Any]) -> SafeString:
    """What select.html and select_option.html render for `widget` (a widget's context),
    stripped as Django's renderer strips it."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"  # the option template's last line
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _attrs(attrs: Mapping[str, Any]) -> str:
    """attrs.html: ` name="value"`, ` name` alone for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"')
    return "".join(out)


def _text(value: Any) -> str:
    """`{{ value }}`: localised, then escaped unless already safe."""
    return str(conditional_escape(localize(value)))


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: `%s` of the value (never localised), escaped unless
    the value was safe."""
    text = "%s" % (value,)  # noqa: UP031 - what the filter does, tuples included
    return text if isinstance(value, SafeData) else str(conditional_escape(text))
