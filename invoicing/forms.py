"""Dashboard forms of invoicing. They parse input only; every write goes through
`invoicing.services` (or `services_settings`). Forms that offer related rows are given the
request's workspace and narrow their choices to it; the services check again on save."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone

from core.currencies import currency_choices
from engagements.models import Client
from invoicing.models import ExchangeRate, Invoice, Payment, TaxRate

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DECIMAL = {"inputmode": "decimal"}


def _tax_rate_field(workspace, current: TaxRate | None = None) -> forms.ModelChoiceField:
    # An archived rate stays selectable on the line that already uses it, no others.
    keep = Q(pk=current.pk) if current is not None else Q(pk__in=[])
    return forms.ModelChoiceField(
        queryset=TaxRate.objects.filter(Q(archived=False) | keep, workspace=workspace),
        required=False,
        empty_label="No tax",
        label="Tax",
    )


class InvoiceFilterForm(forms.Form):
    """The list's filters; unknown values are ignored rather than an error page."""

    OVERDUE = "overdue"

    status = forms.ChoiceField(required=False)
    client = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    currency = forms.ChoiceField(required=False)
    kind = forms.ChoiceField(required=False)

    def __init__(self, *args, workspace, currencies: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", "Any status"),
            (self.OVERDUE, "Overdue"),
            *Invoice.Status.choices,
        ]
        self.fields["client"].choices = [
            ("", "Any client"),
            *Client.objects.filter(workspace=workspace)
            .order_by("name", "pk")
            .values_list("pk", "name"),
        ]
        self.fields["currency"].choices = [("", "Any currency"), *((c, c) for c in currencies)]
        self.fields["kind"].choices = [
            ("", "Any kind"),
            (Invoice.Kind.INVOICE, "Invoices"),
            (Invoice.Kind.CREDIT_NOTE, "Credit notes"),
        ]


class InvoiceCreateForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), empty_label="Choose a client")

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(
            workspace=workspace, archived_at__isnull=True
        ).order_by("name", "pk")


class InvoiceHeaderForm(forms.Form):
    issue_date = forms.DateField(
        required=False, widget=DATE, help_text="Empty: the day you finalise it."
    )
    due_date = forms.DateField(
        required=False, widget=DATE, help_text="Empty: from the client's payment terms."
    )
    currency = forms.ChoiceField(choices=currency_choices)
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Printed on the invoice, e.g. a thank-you or a purchase order number.",
    )
    terms = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Payment instructions and terms, printed at the foot.",
    )

    def clean(self):
        data = super().clean()
        issue, due = data.get("issue_date"), data.get("due_date")
        if issue and due and due < issue:
            self.add_error("due_date", "The due date cannot be before the issue date.")
        return data


class InvoiceLineForm(forms.Form):
    description = forms.CharField(max_length=500)
    quantity = forms.DecimalField(
        max_digits=14,
        decimal_places=4,
        initial=Decimal("1"),
        widget=forms.NumberInput(attrs={"step": "any", **DECIMAL}),
    )
    unit_price = forms.DecimalField(
        max_digits=16,
        decimal_places=4,
        label="Unit price",
        widget=forms.NumberInput(attrs={"step": "any", **DECIMAL}),
    )
    discount_percent = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        label="Discount",
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        widget=forms.NumberInput(attrs={"step": "any", "placeholder": "0 %", **DECIMAL}),
    )

    def __init__(self, *args, workspace, line=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tax_rate"] = _tax_rate_field(workspace, line.tax_rate if line else None)
        self.line = line
        if line is not None and line.kind != "manual":
            # Billed work keeps its quantity and price (they are what was recorded).
            for name in ("quantity", "unit_price"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "From the recorded work."


class AddUnbilledForm(forms.Form):
    engagement = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    period_start = forms.DateField(required=False, widget=DATE, label="From")
    period_end = forms.DateField(required=False, widget=DATE, label="To")

    def __init__(self, *args, workspace, engagement_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engagement"].choices = [(pk, pk) for pk in engagement_ids]
        self.fields["tax_rate"] = _tax_rate_field(workspace)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period ends before it starts.")
        return data


# Methods recorded by hand: Stripe and client credit come through their own paths.
MANUAL_METHODS = [
    (value, label)
    for value, label in Payment.Method.choices
    if value not in (Payment.Method.STRIPE, Payment.Method.CREDIT)
]


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=16,
        decimal_places=3,
        min_value=Decimal("0.001"),
        widget=forms.NumberInput(attrs={"step": "any", **DECIMAL}),
        help_text="More than is due becomes the client's credit.",
    )
    received_on = forms.DateField(widget=DATE, label="Received on")
    method = forms.ChoiceField(choices=MANUAL_METHODS)
    reference = forms.CharField(
        max_length=120, required=False, help_text="Bank reference, cheque number…"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("received_on", timezone.localdate())


class PaymentReverseForm(forms.Form):
    reason = forms.CharField(max_length=100, help_text="e.g. bounced, recorded twice")


class CreditNoteForm(forms.Form):
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

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.PARTIAL and data.get("amount") is None:
            self.add_error("amount", "Enter the amount to credit.")
        if data.get("scope") == self.FULL:
            data["amount"] = None
        return data


class VoidForm(forms.Form):
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


class TaxRateForm(forms.ModelForm):
    class Meta:
        model = TaxRate
        fields = ["name", "percent", "inclusive"]
        labels = {"percent": "Rate (%)", "inclusive": "Prices include this tax"}
        widgets = {"percent": forms.NumberInput(attrs={"step": "any", **DECIMAL})}


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ["date", "currency", "rate"]
        widgets = {"date": DATE, "rate": forms.NumberInput(attrs={"step": "any", **DECIMAL})}

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        base = workspace.base_currency
        self.fields["currency"].choices = [
            c for c in self.fields["currency"].choices if c[0] != base
        ]
        self.fields["rate"].help_text = f"1 unit of the currency = this many {base}."
        self.initial.setdefault("date", timezone.localdate())

    def validate_unique(self):
        pass  # saving the same currency and day again updates that day's rate


class ExchangeRateImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: date,currency,rate (e.g. 2026-01-31,EUR,1.0842). "
        "Nothing is saved unless every row is valid.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("Keep the file under 2 MB.")
        return upload
