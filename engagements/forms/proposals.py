"""Forms for proposals: the professional's quote (scope + the engagement terms it
proposes) and the client's answer on the public page."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Workspace
from core.forms import (
    SaneDateField,
    choice_field,
    choices_of,
    model_choice_field,
    name_the_blank,
)
from engagements.forms.engagements import EngagementForm
from engagements.models import Client, Engagement, Proposal
from engagements.pay_models import ALL_TERMS, TERMS, terms_used, unused_term_value

# The engagement terms a proposal sets, in the order the form shows them. They are passed
# through to `services.proposal_create`, which validates them like any engagement. The
# pay-model terms are `engagements.pay_models`' (those of other pay models are dropped, so a
# stray value of another model is never saved), with the engagement form's labels.
TERMS_FIELDS = [
    "pay_model",
    "currency",
    "start_date",
    "end_date",
    "estimated_hours_per_week",
    *ALL_TERMS,
]


class ProposalForm(forms.Form):
    client: forms.ModelChoiceField[Client] = forms.ModelChoiceField(
        queryset=None, empty_label="Choose a client"
    )
    title = forms.CharField(max_length=200, help_text="Also the name of the engagement.")
    scope = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text="What you will do, what you will deliver, and what is not included.",
    )
    valid_until = SaneDateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="After this day the client can no longer accept.",
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices come from this workspace only; the service checks the client again.
        model_choice_field(self, "client").queryset = Client.objects.filter(
            workspace=workspace, archived_at__isnull=True
        ).order_by("name", "pk")
        meta = EngagementForm.Meta
        self.fields.update(
            forms.fields_for_model(
                Engagement,
                fields=TERMS_FIELDS,
                labels=meta.labels,
                help_texts=meta.help_texts,
                widgets=dict(meta.widgets),
            )
        )
        choice_field(self, "pay_model").choices = [
            ("", "Choose how you are paid"),
            *[c for c in choices_of(self, "pay_model") if c[0] != ""],
        ]
        self.fields["currency"].required = False
        self.fields["currency"].help_text = "Empty: the client's currency."
        choices = [c for c in choices_of(self, "currency") if c[0] != ""]
        choice_field(self, "currency").choices = [("", "The client's currency"), *choices]
        name_the_blank(self, revenue_period="Choose a period")
        for name in ("start_date", "end_date"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["revenue_basis"].widget.attrs["rows"] = 2
        self.fields[
            "estimated_hours_per_week"
        ].help_text = "For your capacity plan. Hourly caps and retainer hours count on their own."

    @staticmethod
    def initial_for(proposal: Proposal) -> dict[str, Any]:
        """A draft's values, to edit it."""
        engagement = proposal.engagement
        initial: dict[str, Any] = {
            "client": engagement.client_id,
            "title": proposal.title,
            "scope": proposal.scope,
            "valid_until": proposal.valid_until,
        }
        initial.update({name: getattr(engagement, name) for name in TERMS_FIELDS})
        return initial

    def engagement_terms(self, *, clear_others: bool = False) -> dict:
        """The terms to pass on: those of the chosen pay model, and the shared ones.
        Creating, an empty field takes the model's default; editing (`clear_others`), an
        empty field clears the term and another pay model's terms are cleared."""
        data = self.cleaned_data
        keep = set(terms_used(data.get("pay_model")))
        terms = {}
        for name in TERMS_FIELDS:
            if name in ALL_TERMS and name not in keep:
                if clear_others:
                    terms[name] = unused_term_value(name)
                continue
            value = data.get(name)
            if value not in (None, ""):
                terms[name] = value
            elif clear_others and name in ALL_TERMS:
                terms[name] = unused_term_value(name)
            elif clear_others and name in ("end_date", "estimated_hours_per_week"):
                terms[name] = None
        return terms

    def groups(self):
        """Bound fields per pay model, for the template's sections."""
        return [
            (model, [self[name] for name in terms.uses])
            for model, terms in TERMS.items()
            if terms.uses
        ]


class ProposalAcceptForm(forms.Form):
    """Accepting on the public page: the typed name is the client's signature."""

    name = forms.CharField(
        max_length=150,
        label="Your full name",
        error_messages={"required": "Type your full name to accept."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Your email",
        error_messages={"required": "Enter your email so the acceptance is on record."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ProposalDeclineForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ProposalSendForm(forms.Form):
    """Emailing the proposal: to whom, a note, and (sending again) whether to replace the
    link the client has."""

    to = forms.CharField(
        label="To",
        max_length=1000,
        required=False,
        help_text="Separate several addresses with commas. Empty: the client's address.",
        widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    message = forms.CharField(
        required=False,
        max_length=2000,
        label="Note to the client",
        help_text="A short note above the proposal in the email.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    new_link = forms.BooleanField(
        required=False,
        label="Replace the link",
        help_text="The link sent before stops working.",
    )

    def __init__(self, *args: Any, resend: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.auto_id = "send_%s"  # one form among others on the detail page
        if not resend:
            del self.fields["new_link"]
