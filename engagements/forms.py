"""Dashboard forms. They parse input only; every write goes through
`engagements.services`. Forms that offer related rows are given the request's workspace
and scope their choices to it (a scoped manager alone would not stop a crafted id from
another workspace being *displayed*; the service re-checks on save)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone

from engagements.models import (
    Client,
    Contact,
    Engagement,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    RevenueReport,
    TimeEntry,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# A hint for the file picker; the rule itself is the model field's validator
# (engagements.receipts), which looks at the content, not the name.
RECEIPT_ACCEPT = ".pdf,.png,.jpg,.jpeg,.webp,.heic"


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


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "email", "phone", "is_billing"]


# The terms each pay model uses; the rest are cleared on save so an engagement never
# carries a stale rate from a pay model it no longer has.
PAY_MODEL_TERMS: dict[str, list[str]] = {
    PayModel.HOURLY: ["hourly_rate", "weekly_hour_cap"],
    PayModel.FIXED_FEE: [],
    PayModel.RETAINER: [
        "retainer_fee",
        "retainer_included_hours",
        "retainer_overage_rate",
        "rollover_cap_hours",
        "rollover_expiry_months",
        "billing_day",
    ],
    PayModel.BOUNTY: [],
    PayModel.REVENUE_SHARE: [
        "revenue_share_percent",
        "revenue_share_floor",
        "revenue_share_cap",
        "revenue_period",
        "revenue_basis",
    ],
}
ALL_TERMS = [name for names in PAY_MODEL_TERMS.values() for name in names]


class EngagementForm(forms.ModelForm):
    # Declared, not generated: the generated field would query every workspace's clients
    # at import time (the scoped manager refuses that); __init__ scopes it per request.
    client = forms.ModelChoiceField(queryset=Client.objects.none())

    class Meta:
        model = Engagement
        fields = [
            "name",
            "description",
            "pay_model",
            "status",
            "currency",
            "start_date",
            "end_date",
            "estimated_hours_per_week",
            "benefits_contribution_percent",
            *ALL_TERMS,
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "revenue_basis": forms.Textarea(attrs={"rows": 2}),
            "start_date": DATE,
            "end_date": DATE,
        }
        labels = {
            "benefits_contribution_percent": "Benefits contribution (%)",
            "estimated_hours_per_week": "Estimated hours a week",
            "weekly_hour_cap": "Weekly hour cap",
            "retainer_fee": "Monthly fee",
            "retainer_included_hours": "Included hours a month",
            "retainer_overage_rate": "Overage rate (per hour)",
            "rollover_cap_hours": "Rollover cap (hours)",
            "rollover_expiry_months": "Rolled hours expire after (months)",
            "revenue_share_percent": "Share (%)",
            "revenue_share_floor": "Floor per period",
            "revenue_share_cap": "Cap per period",
        }
        help_texts = {
            "benefits_contribution_percent": "Added on top of each invoice for your benefits.",
            "estimated_hours_per_week": "For the capacity plan, where the pay model does not say.",
            "weekly_hour_cap": "You are warned when a week goes over it.",
        }

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        # An archived client stays selectable on its own engagements, no others.
        current = Q(pk=self.instance.client_id) if self.instance.client_id else Q(pk__in=[])
        self.fields["client"].queryset = Client.objects.filter(
            Q(archived_at__isnull=True) | current, workspace=workspace
        ).order_by("name", "pk")
        self.fields["currency"].required = False
        self.fields["currency"].choices = [
            ("", "Client's currency"),
            *self.fields["currency"].choices[1:],
        ]
        self.fields["currency"].help_text = "Empty: the client's currency."
        self.fields["revenue_period"].choices = [
            ("", "—"),
            *self.fields["revenue_period"].choices[1:],
        ]
        if not self.instance.pk:
            self.fields.pop("status")  # new engagements start active; proposals come later
            self.initial.setdefault("start_date", timezone.localdate())
        for name in (
            "hourly_rate",
            "retainer_fee",
            "retainer_overage_rate",
            "revenue_share_floor",
            "revenue_share_cap",
        ):
            self.fields[name].widget.attrs.setdefault("inputmode", "decimal")

    def clean(self):
        data = super().clean()
        pay_model = data.get("pay_model")
        if pay_model in PAY_MODEL_TERMS:
            for name in ALL_TERMS:
                if name not in PAY_MODEL_TERMS[pay_model] and name in data:
                    data[name] = "" if name in ("revenue_period", "revenue_basis") else None
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("client", None)
        if not data.get("currency"):
            data.pop("currency", None)  # the service defaults it to the client's
        return data


class TimeEntryForm(forms.ModelForm):
    class Meta:
        model = TimeEntry
        fields = ["date", "minutes", "description", "billable"]
        widgets = {
            "date": DATE,
            "minutes": forms.NumberInput(attrs={"min": 1, "max": 1440, "step": 1}),
        }
        help_texts = {"minutes": "Or use the timer above."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "amount", "due_date", "acceptance_criteria"]
        widgets = {"due_date": DATE, "acceptance_criteria": forms.Textarea(attrs={"rows": 2})}


class MilestoneAcceptForm(forms.Form):
    accepted_at = forms.DateField(label="Accepted on", widget=DATE)
    on_word_of = forms.CharField(
        label="On the word of",
        max_length=150,
        required=False,
        help_text="Who at the client accepted it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("accepted_at", timezone.localdate())


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = Outcome
        fields = ["description", "fee"]


class OutcomeAcceptForm(forms.Form):
    accepted_at = forms.DateField(label="Accepted on", widget=DATE)
    evidence_note = forms.CharField(
        label="Evidence",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What shows the outcome was reached.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("accepted_at", timezone.localdate())


class RevenueReportForm(forms.ModelForm):
    class Meta:
        model = RevenueReport
        fields = ["period_start", "period_end", "revenue", "reported_by", "reported_at", "note"]
        widgets = {
            "period_start": DATE,
            "period_end": DATE,
            "reported_at": DATE,
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"reported_at": "Reported on"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("reported_at", timezone.localdate())


class ExpenseForm(forms.ModelForm):
    class Meta:
        model = Expense
        fields = [
            "date",
            "amount",
            "category",
            "description",
            "receipt",
            "rebillable",
            "markup_percent",
        ]
        widgets = {
            "date": DATE,
            "receipt": forms.ClearableFileInput(attrs={"accept": RECEIPT_ACCEPT}),
        }
        labels = {"markup_percent": "Markup (%)", "rebillable": "Rebill to the client"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())


class EngagementFilterForm(forms.Form):
    """The list's filters; unknown values are ignored rather than an error page."""

    status = forms.ChoiceField(required=False)
    pay_model = forms.ChoiceField(required=False)
    client = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        from engagements.models import EngagementStatus

        self.fields["status"].choices = [("", "Any status"), *EngagementStatus.choices]
        self.fields["pay_model"].choices = [("", "Any pay model"), *PayModel.choices]
        self.fields["client"].choices = [
            ("", "Any client"),
            *Client.objects.filter(workspace=workspace)
            .order_by("name", "pk")
            .values_list("pk", "name"),
        ]
