"""Forms of the actions on a finalised invoice: payments, credit notes, void, send."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from core.forms import IdPrefixedForm, SaneDateField
from invoicing.forms.fields import DATE, DECIMAL
from invoicing.models import MANUAL_METHODS


class PaymentForm(IdPrefixedForm, forms.Form):
    id_prefix = "payment"

    amount = forms.DecimalField(
        max_digits=16,
        decimal_places=3,
        min_value=Decimal("0.001"),
        widget=forms.NumberInput(attrs={"step": "any", **DECIMAL}),
        help_text="More than is due becomes the client's credit.",
    )
    received_on = SaneDateField(widget=DATE, label="Received on")
    method = forms.ChoiceField(choices=MANUAL_METHODS)
    reference = forms.CharField(
        max_length=120, required=False, help_text="Bank reference, cheque number…"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("received_on", timezone.localdate())


class PaymentReverseForm(IdPrefixedForm, forms.Form):
    id_prefix = "reverse"

    reason = forms.CharField(max_length=100, help_text="e.g. bounced, recorded twice")


class CreditNoteForm(IdPrefixedForm, forms.Form):
    id_prefix = "credit"

    FULL, PARTIAL = "full", "partial"
    scope = forms.ChoiceField(
        choices=[(FULL, "The whole remaining amount"), (PARTIAL, "Part of it")],
        widget=forms.RadioSelect,
        initial=FULL,
        label="Credit",
    )
    amount = forms.DecimalField(
        max_digits=16,
        decimal_places=3,
        required=False,
        min_value=Decimal("0.001"),
        widget=forms.NumberInput(attrs={"step": "any", **DECIMAL}),
        help_text="Only for part of it.",
    )
    reason = forms.CharField(max_length=200, help_text="Printed on the credit note.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("scope") == self.PARTIAL and data.get("amount") is None:
            self.add_error("amount", "Enter the amount to credit.")
        if data.get("scope") == self.FULL:
            data["amount"] = None
        return data


class VoidForm(IdPrefixedForm, forms.Form):
    id_prefix = "void"

    reason = forms.CharField(max_length=200, required=False)


class SendForm(forms.Form):
    to = forms.CharField(
        max_length=1000,
        required=False,
        label="To",
        help_text="Separate addresses with commas. Empty: the address on the invoice.",
    )
    message = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Added above the invoice summary and the link in the email.",
    )
