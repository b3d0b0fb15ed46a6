"""Forms of the tax and exchange rate settings."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from accounts.models import Workspace
from core.forms import choice_field, name_the_blank
from invoicing.forms.fields import DATE, DECIMAL
from invoicing.models import ExchangeRate, TaxRate


class TaxRateForm(forms.ModelForm):  # not subscriptable at run time: no type argument
    class Meta:
        model = TaxRate
        fields = ["name", "percent", "inclusive"]
        labels = {"percent": "Rate (%)", "inclusive": "Prices include this tax"}
        widgets = {"percent": forms.NumberInput(attrs={"step": "any", **DECIMAL})}


class ExchangeRateForm(forms.ModelForm):  # as TaxRateForm
    class Meta:
        model = ExchangeRate
        fields = ["date", "currency", "rate"]
        widgets = {"date": DATE, "rate": forms.NumberInput(attrs={"step": "any", **DECIMAL})}

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        base = workspace.base_currency
        currency = choice_field(self, "currency")
        choices = cast(list[tuple[str, str]], currency.choices)
        currency.choices = [c for c in choices if c[0] != base]
        name_the_blank(self, currency="Choose a currency")
        self.fields["rate"].help_text = f"1 unit of the currency = this many {base}."
        self.initial.setdefault("date", timezone.localdate())

    def validate_unique(self) -> None:
        pass  # saving the same currency and day again updates that day's rate


class ExchangeRateImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: date,currency,rate (e.g. 2026-01-31,EUR,1.0842). "
        "Nothing is saved unless every row is valid.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> UploadedFile[Any]:
        upload: UploadedFile[Any] = self.cleaned_data["file"]
        if upload.size is not None and upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("Keep the file under 2 MB.")
        return upload
