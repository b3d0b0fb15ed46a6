"""Forms of the invoice list and the draft editor."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from accounts.models import Workspace
from core.currencies import currency_choices
from core.forms import SaneDateField, choice_field, model_choice_field
from engagements.models import Client
from invoicing.forms.fields import DATE, DECIMAL, tax_rate_field
from invoicing.models import Invoice, InvoiceLine


class InvoiceFilterForm(forms.Form):
    """The list's filters; unknown values are ignored rather than an error page."""

    OUTSTANDING = "outstanding"  # open or partly paid: what the "owed" cards count
    OVERDUE = "overdue"

    status = forms.ChoiceField(required=False)
    client = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    currency = forms.ChoiceField(required=False)
    kind = forms.ChoiceField(required=False)

    def __init__(
        self, *args: Any, workspace: Workspace, currencies: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "status").choices = [
            ("", "Any status"),
            (self.OUTSTANDING, "Outstanding (open or part paid)"),
            (self.OVERDUE, "Overdue"),
            *Invoice.Status.choices,
        ]
        choice_field(self, "client").choices = [
            ("", "Any client"),
            *Client.objects.filter(workspace=workspace)
            .order_by("name", "pk")
            .values_list("pk", "name"),
        ]
        choice_field(self, "currency").choices = [
            ("", "Any currency"),
            *((c, c) for c in currencies),
        ]
        choice_field(self, "kind").choices = [
            ("", "Any kind"),
            (Invoice.Kind.INVOICE, "Invoices"),
            (Invoice.Kind.CREDIT_NOTE, "Credit notes"),
        ]


class InvoiceCreateForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), empty_label="Choose a client")

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "client").queryset = Client.objects.filter(
            workspace=workspace, archived_at__isnull=True
        ).order_by("name", "pk")


class InvoiceHeaderForm(forms.Form):
    issue_date = SaneDateField(
        required=False, widget=DATE, help_text="Empty: the day you finalise it."
    )
    due_date = SaneDateField(
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

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
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

    def __init__(
        self, *args: Any, workspace: Workspace, line: InvoiceLine | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tax_rate"] = tax_rate_field(workspace, line.tax_rate if line else None)
        self.line = line
        if line is not None and line.kind != "manual":
            # Billed work keeps its quantity and price (they are what was recorded).
            for name in ("quantity", "unit_price"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "From the recorded work."


class AddUnbilledForm(forms.Form):
    engagement = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    period_start = SaneDateField(required=False, widget=DATE, label="From")
    period_end = SaneDateField(required=False, widget=DATE, label="To")

    def __init__(
        self, *args: Any, workspace: Workspace, engagement_ids: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "engagement").choices = [(pk, pk) for pk in engagement_ids]
        self.fields["tax_rate"] = tax_rate_field(workspace)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period ends before it starts.")
        return data
