"""The engagement form (one pay model and its terms) and the list's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import Workspace
from core.forms import (
    SaneDateField,
    choice_field,
    choices_of,
    model_choice_field,
    name_the_blank,
)
from engagements.forms.widgets import DATE
from engagements.models import Client, Engagement, EngagementStatus, PayModel
from engagements.pay_models import ALL_TERMS, TERMS, unused_term_value


class EngagementForm(forms.ModelForm):
    # Declared, not generated: the generated field would query every workspace's clients
    # at import time (the scoped manager refuses that); __init__ scopes it per request.
    client = forms.ModelChoiceField(queryset=Client.objects.none())
    # Not a column: the day a change of status takes effect (a pause, a resume). Billing
    # reads dated facts, never the status, so pausing or resuming needs its day.
    status_on = SaneDateField(
        required=False,
        widget=DATE,
        label="Status changes on",
        help_text="Pausing: the first day paused. Resuming: the first day back. "
        "Ending: its end date.",
    )

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

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An archived client stays selectable on its own engagements, no others.
        current = Q(pk=self.instance.client_id) if self.instance.client_id else Q(pk__in=[])
        if self.instance.client_id:  # not a Meta field (declared above): opens on its client
            self.initial.setdefault("client", self.instance.client_id)
        model_choice_field(self, "client").queryset = Client.objects.filter(
            Q(archived_at__isnull=True) | current, workspace=workspace
        ).order_by("name", "pk")
        self.fields["currency"].required = False
        choice_field(self, "currency").choices = [
            ("", "Client's currency"),
            *choices_of(self, "currency")[1:],
        ]
        self.fields["currency"].help_text = "Empty: the client's currency."
        choice_field(self, "revenue_period").choices = [
            ("", "—"),
            *choices_of(self, "revenue_period")[1:],
        ]
        name_the_blank(self, client="Choose a client", pay_model="Choose how you are paid")
        if not self.instance.pk:
            self.fields.pop("status")  # new engagements start active; proposals come later
            self.fields.pop("status_on")
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
        # The terms of other pay models are cleared, so an engagement never carries a
        # stale rate from a pay model it no longer has.
        if pay_model in TERMS:
            for name in ALL_TERMS:
                if name not in TERMS[pay_model].uses and name in data:
                    data[name] = unused_term_value(name)
        return data


class EngagementFilterForm(forms.Form):
    """The list's filters; unknown values are ignored rather than an error page."""

    status = forms.ChoiceField(required=False)
    pay_model = forms.ChoiceField(required=False)
    client = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "status").choices = [("", "Any status"), *EngagementStatus.choices]
        choice_field(self, "pay_model").choices = [("", "Any pay model"), *PayModel.choices]
        choice_field(self, "client").choices = [
            ("", "Any client"),
            *Client.objects.filter(workspace=workspace)
            .order_by("name", "pk")
            .values_list("pk", "name"),
        ]
