"""Text for templates: `{% filter sentence_case %}…{% endfilter %}`.

allauth's pages (two-factor, email addresses, password) title their headings and buttons
in Title Case ("Two-Factor Authentication", "Make Primary"); the rest of Portfolio writes
sentence case. Rather than copy and keep a dozen allauth templates in step, our allauth
element templates pass their text through this filter."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Capitalised words that stay capitalised: names.
KEEP = frozenset({"Portfolio", "I", "Google", "GitHub", "WebAuthn"})

_TAG = re.compile(r"(<[^>]*>)")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_CAPITALISED = re.compile(r"[A-Z][a-z]+")


def _lower(part: str) -> str:
    return part.lower() if _CAPITALISED.fullmatch(part) and part not in KEEP else part


@register.filter(is_safe=True)
def sentence_case(value: str) -> str:
    """ "Two-Factor Authentication" → "Two-factor authentication". Tags are left alone;
    words in capitals (TOTP) or mixed case (WebAuthn) and names keep their case."""
    first = True

    def word(match: re.Match[str]) -> str:
        nonlocal first
        head, *rest = match.group(0).split("-")
        head = head if first else _lower(head)
        first = False
        return "-".join([head, *map(_lower, rest)])

    text = str(value)
    result = "".join(
        part if _TAG.fullmatch(part) else _WORD.sub(word, part) for part in _TAG.split(text)
    )
    # Only the case of letters changed: what was safe stays safe.
    return mark_safe(result) if isinstance(value, SafeString) else result  # noqa: S308
