"""Forms for the work an engagement records: time, milestones, outcomes, revenue reports,
expenses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from core.forms import IdPrefixedForm, SaneDateField
from engagements.durations import EXAMPLES, DurationError, format_clock, parse_duration
from engagements.forms.widgets import DATE
from engagements.models import Expense, Milestone, Outcome, RevenueReport, TimeEntry

# A hint for the file picker; the rule itself is the model field's validator
# (engagements.receipts), which looks at the content, not the name.
RECEIPT_ACCEPT = ".pdf,.png,.jpg,.jpeg,.webp,.heic"


class DurationInput(forms.TextInput):
    """Shows a stored duration in the clock form the field accepts back (90 → "1:30")."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return format_clock(value)
        return super().format_value(value)


class DurationField(forms.Field):
    """Whole minutes from `1:30`, `1h30`, `1.5h`, `90m` or `90` (engagements.durations);
    what could be read two ways is a form error that says how to write it."""

    widget = DurationInput

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update(
            {
                "data-duration": "",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "1:30",
                "maxlength": "40",
            }
        )
        return attrs

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        text = str(value)
        if len(text) > 40:
            raise forms.ValidationError("That is too long for a duration.", code="invalid")
        try:
            return parse_duration(text)
        except DurationError as error:
            raise forms.ValidationError(str(error), code="invalid") from error


class TimeEntryForm(IdPrefixedForm, forms.ModelForm):
    id_prefix = "time"
    minutes = DurationField(
        label="Duration",
        help_text=f"For example {EXAMPLES}. Or use the timer above.",
    )

    class Meta:
        model = TimeEntry
        fields = ["date", "minutes", "description", "billable"]
        widgets = {"date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())


class MilestoneForm(IdPrefixedForm, forms.ModelForm):
    id_prefix = "milestone"

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


class OutcomeForm(IdPrefixedForm, forms.ModelForm):
    id_prefix = "outcome"

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


class RevenueReportForm(IdPrefixedForm, forms.ModelForm):
    id_prefix = "report"

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


class ExpenseForm(IdPrefixedForm, forms.ModelForm):
    id_prefix = "expense"

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
