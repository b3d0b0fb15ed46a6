"""Forms for the capacity page: weekly availability from a date, and blocked time."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from core.forms import SaneDateField
from engagements.models import Availability, BlockedTime

WEEKDAY_LABELS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _hours_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))],
        widget=forms.NumberInput(attrs={"step": "0.25", "min": "0", "max": "24"}),
    )


class AvailabilityForm(forms.Form):
    effective_from = SaneDateField(
        label="Effective from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Weeks before this day keep the hours they had.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in zip(Availability.WEEKDAYS, WEEKDAY_LABELS, strict=True):
            self.fields[name] = _hours_field(label)

    def hours(self) -> dict[str, Decimal]:
        return {name: self.cleaned_data[name] for name in Availability.WEEKDAYS}

    def day_fields(self):
        return [self[name] for name in Availability.WEEKDAYS]


class BlockedTimeForm(forms.Form):
    title = forms.CharField(max_length=120, help_text="e.g. School run, Parental leave")
    kind = forms.ChoiceField(choices=BlockedTime.Kind.choices)
    start_date = SaneDateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = SaneDateField(
        label="Until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: no end.",
    )
    hours_per_day = forms.DecimalField(
        label="Hours a day",
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        widget=forms.NumberInput(attrs={"step": "0.25"}),
    )
    recurring = forms.BooleanField(
        label="Repeats every week", required=False, help_text="Only on the weekdays below."
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="On",
        choices=list(enumerate(WEEKDAY_LABELS)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    @classmethod
    def initial_from(cls, blocked: BlockedTime) -> dict:
        return {
            "title": blocked.title,
            "kind": blocked.kind,
            "start_date": blocked.start_date,
            "end_date": blocked.end_date,
            "hours_per_day": blocked.hours_per_day,
            "recurring": blocked.recurring,
            "weekdays": blocked.weekdays,
        }

    def fields_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        # A one-off block covers every day of its range; weekdays mean nothing there.
        data["weekdays"] = sorted(set(data["weekdays"])) if data["recurring"] else []
        return data
