"""Plain helpers shared by the engagements page tests (tests/engagements/pages/)."""

from django.urls import reverse
from django.utils import timezone

WS = "alice-studio"
TODAY = timezone.localdate()


def url(name, *args):
    return reverse(name, args=[WS, *args])


def _errors(response, form_key):
    assert response.status_code == 200
    form = response.context[form_key]
    assert form.errors
    return form.errors
