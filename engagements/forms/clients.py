"""Forms for clients and their contacts."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import name_the_blank
from engagements.models import Client, Contact


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = [
            "name",
            "email",
            "contact_name",
            "currency",
            "payment_terms_days",
            "billing_address",
            "country",
            "tax_id",
            "notes",
        ]
        widgets = {
            "billing_address": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_the_blank(self, currency="Choose a currency", country="Choose a country")


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "email", "phone", "is_billing"]
