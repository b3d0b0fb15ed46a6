"""The recurring schedule form: the schedule and its template lines."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Workspace
from core.currencies import currency_choices
from core.forms import SaneDateField, choice_field, model_choice_field, name_the_blank
from engagements.models import Client, Engagement, EngagementStatus
from invoicing.models import RecurringSchedule, TaxRate
from invoicing.services import recurring

# The schedule page's date widget (Django's default input format, as before the split).
SCHEDULE_DATE = forms.DateInput(attrs={"type": "date"})
TEMPLATE_ROWS = 5


def _engagement_label(obj: Engagement) -> str:
    # Each option names its client: engagements of two clients may share a name.
    return f"{obj.name} ({obj.client.name})"


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="e.g. Monthly support retainer")
    client = forms.ModelChoiceField(queryset=Client.objects.none())
    engagement = forms.ModelChoiceField(
        queryset=Engagement.objects.none(),
        required=False,
        help_text="Bill this engagement's unbilled work each period (a retainer's fee in "
        "advance, last period's overage) instead of the lines below.",
    )
    interval = forms.ChoiceField(choices=RecurringSchedule.Interval.choices)
    every = forms.IntegerField(min_value=1, max_value=52, initial=1, label="Every")
    start_date = SaneDateField(widget=SCHEDULE_DATE, help_text="The first period starts here.")
    end_date = SaneDateField(widget=SCHEDULE_DATE, required=False, help_text="Empty: no end.")
    currency = forms.ChoiceField(
        required=False, help_text="Empty: the client's (an engagement's, when billing one)."
    )
    days_until_due = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=365,
        label="Days until due",
        help_text="Empty: the client's payment terms.",
    )
    auto_finalize = forms.BooleanField(
        required=False, initial=True, label="Finalise automatically (assigns the number)"
    )
    auto_send = forms.BooleanField(required=False, label="Email to the client once finalised")

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        model_choice_field(self, "client").queryset = Client.objects.filter(
            archived_at__isnull=True
        )
        engagement = model_choice_field(self, "engagement")
        engagement.queryset = Engagement.objects.filter(
            status__in=[EngagementStatus.ACTIVE, EngagementStatus.PAUSED]
        ).select_related("client")
        engagement.label_from_instance = _engagement_label  # type: ignore[method-assign]
        choice_field(self, "currency").choices = [("", "—"), *currency_choices()]
        name_the_blank(self, client="Choose a client", engagement="None: bill the lines below")
        if not recurring.auto_send_available():
            self.fields["auto_send"].disabled = True
            self.fields["auto_send"].help_text = "Available once invoices can be emailed."
        self.tax_rates = list(TaxRate.objects.filter(archived=False))

    def template_rows(self) -> list[dict[str, Any]]:
        """The template line inputs (a fixed number of rows; empty rows are ignored)."""
        source = self.data if self.is_bound else {}
        initial = self.initial.get("lines") or []
        rows: list[dict[str, Any]] = []
        for i in range(max(TEMPLATE_ROWS, len(initial))):
            line = initial[i] if i < len(initial) else {}

            def get(key: str, i: int = i, line: dict[str, Any] = line) -> Any:
                if self.is_bound:
                    return source.get(f"line-{i}-{key}", "")
                return line.get(key) or ""

            rows.append(
                {
                    "index": i,
                    "description": get("description"),
                    "quantity": get("quantity"),
                    "unit_price": get("unit_price"),
                    "discount_percent": get("discount_percent"),
                    "tax_rate_id": str(get("tax_rate_id") or ""),
                }
            )
        return rows

    def lines(self) -> list[dict[str, Any]]:
        return [
            {k: row[k] for k in row if k != "index"}
            for row in self.template_rows()
            if str(row["description"]).strip()
        ]
