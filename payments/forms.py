"""Forms of the professional's payments pages: settings, a payout, a refund."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from core.currencies import CURRENCY_CHOICES
from core.forms import IdPrefixedForm

DECIMAL = {"inputmode": "decimal"}


class PaymentSettingsForm(IdPrefixedForm, forms.Form):
    id_prefix = "payset"

    benefits_percent = forms.DecimalField(
        label="Benefits share (%)",
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(50),
        widget=forms.NumberInput(attrs={"step": "0.01", **DECIMAL}),
        help_text="Share of each card payment set aside for your benefits (0–50 %).",
    )
    allow_partial = forms.BooleanField(
        required=False,
        label="Clients may pay part of an invoice by card",
    )


class PayoutForm(IdPrefixedForm, forms.Form):
    id_prefix = "payout"

    amount = forms.DecimalField(
        max_digits=16,
        decimal_places=3,
        min_value=Decimal("0.001"),
        widget=forms.NumberInput(attrs={"step": "any", **DECIMAL}),
    )
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES)


class RefundForm(IdPrefixedForm, forms.Form):
    id_prefix = "refund"

    amount = forms.DecimalField(
        max_digits=16,
        decimal_places=3,
        min_value=Decimal("0.001"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", **DECIMAL}),
        help_text="Leave empty to refund everything not refunded yet.",
    )
    reason = forms.CharField(max_length=200, required=False)
