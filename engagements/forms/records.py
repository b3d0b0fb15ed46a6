"""Forms for the work an engagement records: time, milestones, outcomes, revenue reports,
expenses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from core.forms import SaneDateField
from engagements.forms.widgets import DATE
from engagements.models import Expense, Milestone, Outcome, RevenueReport, TimeEntry

# A hint for the file picker; the rule itself is the model field's validator
# (engagements.receipts), which looks at the content, not the name.
RECEIPT_ACCEPT = ".pdf,.png,.jpg,.jpeg,.webp,.heic"


class TimeEntryForm(forms.ModelForm):
    class Meta:
        model = TimeEntry
        fields = ["date", "minutes", "description", "billable"]
        widgets = {
            "date": DATE,
            "minutes": forms.NumberInput(attrs={"min": 1, "max": 1440, "step": 1}),
        }
        help_texts = {"minutes": "Or use the timer above."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "amount", "due_date", "acceptance_criteria"]
        widgets = {"due_date": DATE, "acceptance_criteria": forms.Textarea(attrs={"rows": 2})}


class MilestoneAcceptForm(forms.Form):
    accepted_at = SaneDateField(label="Accepted on", widget=DATE)
    on_word_of = forms.CharField(
        label="On the word of",
        max_length=150,
        required=False,
        help_text="Who at the client accepted it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("accepted_at", timezone.localdate())


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = Outcome
        fields = ["description", "fee"]


class OutcomeAcceptForm(forms.Form):
    accepted_at = SaneDateField(label="Accepted on", widget=DATE)
    evidence_note = forms.CharField(
        label="Evidence",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What shows the outcome was reached.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())
