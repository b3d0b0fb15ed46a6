"""Who an email goes to, as a person typed it: one rule for every "send" of the app."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_RECIPIENTS = 10


def clean_recipients(to: list[str] | str | None, default: list[str]) -> list[str]:
    """The addresses given (a list, or text split on commas or semicolons), else
    `default`; at most ten, each an email address, each once. Errors are on `to`."""
    if isinstance(to, str):
        to = to.replace(";", ",").split(",")
    recipients = [a.strip() for a in (to or []) if a and a.strip()] or default
    if not recipients:
        raise ValidationError({"to": "This client has no email address: enter one."})
    if len(recipients) > MAX_RECIPIENTS:
        raise ValidationError({"to": "Send to at most 10 addresses at once."})
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError({"to": f"“{address}” is not an email address."}) from exc
    return list(dict.fromkeys(recipients))
