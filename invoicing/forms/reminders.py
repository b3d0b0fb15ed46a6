"""Forms of the reminder rules and the late fee policy."""

from __future__ import annotations

from django import forms

from invoicing.models import LateFeePolicy


class ReminderRuleForm(forms.Form):
    days_from_due = forms.IntegerField(
        label="Days from the due date",
        min_value=-60,
        max_value=365,
        help_text="−3: three days before it is due · 0: on the due date · 7: a week late.",
    )


class LateFeePolicyForm(forms.Form):
    kind = forms.ChoiceField(label="Late fee", choices=LateFeePolicy.Kind.choices)
    fixed_amount = forms.DecimalField(
        label="Fixed fee",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=3,
        help_text="In the invoice's currency, charged once it is past the grace days.",
    )
    annual_interest_percent = forms.DecimalField(
        label="Interest per year (%)",
        required=False,
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=3,
        help_text="Simple interest on what is overdue: amount × rate × days late / 365.",
    )
    grace_days = forms.IntegerField(
        label="Grace days", min_value=0, max_value=365, initial=0, required=False
    )
