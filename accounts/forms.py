from typing import Any

from django import forms

from accounts.models import ApiToken, Invitation, Role, User, Workspace
from core.forms import name_the_blank


class WorkspaceForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = [
            "name",
            "slug",
            "country",
            "base_currency",
            "timezone",
            "invoice_prefix",
            "payment_terms_days",
            "legal_name",
            "billing_address",
            "tax_id",
            "logo",
            "payment_instructions",
        ]
        labels = {
            "slug": "Web address",
            "timezone": "Time zone",
            "payment_terms_days": "Payment terms (days)",
        }
        widgets = {
            "billing_address": forms.Textarea(attrs={"rows": 3}),
            "payment_instructions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Leave empty to derive it from the name."
        name_the_blank(self, country="Choose a country", base_currency="Choose a currency")
        if self.instance.pk:
            # The slug is in every link already sent; it does not change.
            del self.fields["slug"]
        elif not self.is_bound:
            # A new workspace: app.js preselects the browser's time zone over the UTC
            # default (not when the form comes back with the person's own choice).
            self.fields["timezone"].widget.attrs["data-browser-timezone"] = ""


class InvitationForm(forms.ModelForm):
    role = forms.ChoiceField(
        choices=[c for c in Role.choices if c[0] != Role.OWNER], initial=Role.MEMBER
    )

    class Meta:
        model = Invitation
        fields = ["email", "role"]


class ApiTokenForm(forms.ModelForm):
    workspace = forms.ModelChoiceField(
        queryset=Workspace.objects.none(),
        required=False,
        empty_label="All my workspaces",
        to_field_name="slug",
        label="Reaches",
        help_text="Limit it to one workspace if that is all it needs.",
    )

    class Meta:
        model = ApiToken
        fields = ["name"]
        labels = {"name": "Token name"}
        widgets = {"name": forms.TextInput(attrs={"placeholder": "e.g. Accounting sync"})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from accounts.selectors import workspaces_for_user

        # Offered: the person's own workspaces (the service checks membership again).
        self.fields["workspace"].queryset = workspaces_for_user(user=user)  # type: ignore[attr-defined]


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name"]
        labels = {"full_name": "Your name"}
        help_texts = {"full_name": "Shown to people in your workspaces and on your invoices."}
