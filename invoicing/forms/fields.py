"""Widgets and fields shared by the invoicing forms."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from accounts.models import Workspace
from invoicing.models import TaxRate

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DECIMAL = {"inputmode": "decimal"}


def tax_rate_field(
    workspace: Workspace, current: TaxRate | None = None
) -> forms.ModelChoiceField[TaxRate]:
    # An archived rate stays selectable on the line that already uses it, no others.
    keep = Q(pk=current.pk) if current is not None else Q(pk__in=[])
    return forms.ModelChoiceField(
        queryset=TaxRate.objects.filter(Q(archived=False) | keep, workspace=workspace),
        required=False,
        empty_label="No tax",
        label="Tax",
    )
