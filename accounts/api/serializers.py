from typing import Any, cast

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import ratelimit as allauth_ratelimit
from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from accounts.api.base import WorkspaceSerializerMixin
from accounts.logos import LOGO_MAX_PIXELS, LOGO_MAX_SIDE, logo_check
from accounts.models import ApiToken, Invitation, Membership, Role, User, Workspace
from accounts.selectors import workspaces_for_user
from core.api.serializers import StrictTypesMixin
from core.currencies import currency_choices


def _locked() -> exceptions.Throttled:
    return exceptions.Throttled(
        detail="Too many failed sign-in attempts for this account; try again later."
    )


class TokenRequestSerializer(StrictTypesMixin, serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp_code = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="A current TOTP code (or a recovery code) when two-factor is enabled.",
    )
    name = serializers.CharField(
        required=False,
        max_length=80,
        default="API token",
        help_text="A label to recognise the token by in your account settings.",
    )
    workspace = serializers.SlugField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Limit the token to this workspace (its slug): it then reaches that "
        "workspace's endpoints only. Leave out for a token that reaches all of yours.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        from allauth.mfa.models import Authenticator

        request = self.context["request"]._request  # allauth's limits read the HttpRequest
        try:
            # Through allauth's adapter, as the web login does: it refuses while the
            # account is locked (login_failed per key), counts a failure into the same
            # counter, and rolls back its use on success. One lock for both doors.
            user = get_account_adapter(request).authenticate(
                request, email=attrs["email"].lower(), password=attrs["password"]
            )
        except DjangoValidationError as exc:
            raise _locked() from exc
        if user is None:
            raise serializers.ValidationError(
                "Email or password is not correct.", code="invalid_login"
            )
        authenticators = list(Authenticator.objects.filter(user=user))
        if authenticators:
            code = (attrs.get("otp_code") or "").replace(" ", "")
            if not code:
                raise serializers.ValidationError(
                    {"otp_code": "Two-factor authentication is enabled: give a current code."},
                    code="otp_required",
                )
            # The web login's second step counts wrong codes under this key (allauth's
            # mfa flows.check_rate_limit); guessing codes here counts there too.
            code_key = f"mfa-auth-user-{user.pk}"
            if not allauth_ratelimit.consume(request, action="login_failed", key=code_key):
                raise _locked()
            if not any(a.wrap().validate_code(code) for a in authenticators):
                raise serializers.ValidationError(
                    {"otp_code": "This code is not valid."}, code="otp_invalid"
                )
            allauth_ratelimit.clear(request, action="login_failed", key=code_key)
        attrs["user"] = user
        # Membership is the service's check; an unknown slug gets the same answer, so the
        # error does not tell which workspaces exist.
        slug = attrs.get("workspace") or None
        attrs["workspace"] = Workspace.objects.filter(slug=slug).first() if slug else None
        if slug and attrs["workspace"] is None:
            raise serializers.ValidationError(
                {"workspace": "Choose one of your workspaces."}, code="invalid"
            )
        return attrs


class TokenCreatedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The secret. Shown once; store it now.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    workspace = serializers.CharField(
        allow_null=True, help_text="The workspace the token is limited to; null for all."
    )
    created_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    workspace: "serializers.SlugRelatedField[Workspace]" = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The workspace the token is limited to; null for all of yours.",
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "key_hint",
            "workspace",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class MyWorkspaceSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    role = serializers.CharField(source="my_role")


class MeSerializer(StrictTypesMixin, serializers.ModelSerializer):
    two_factor_enabled = serializers.SerializerMethodField()
    workspaces = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "date_joined", "two_factor_enabled", "workspaces"]
        read_only_fields = ["id", "email", "date_joined", "two_factor_enabled", "workspaces"]

    @extend_schema_field(MyWorkspaceSerializer(many=True))
    def get_workspaces(self, user: User) -> list[dict[str, Any]]:
        data = MyWorkspaceSerializer(workspaces_for_user(user=user), many=True).data
        return cast(list[dict[str, Any]], data)  # many=True: a list, whatever the stubs say

    def get_two_factor_enabled(self, user: User) -> bool:
        from allauth.mfa.utils import is_mfa_enabled

        return bool(is_mfa_enabled(user))


LOGO_HELP = (
    f"PNG or JPEG, at most 512 KB and {LOGO_MAX_PIXELS:,} pixels; stored as a PNG at most "
    f"{LOGO_MAX_SIDE} px on its long side. Send multipart/form-data; null removes it."
)


class WorkspaceSerializer(StrictTypesMixin, serializers.ModelSerializer):
    country = CountryField()
    base_currency = serializers.ChoiceField(choices=currency_choices())
    slug = serializers.SlugField(required=False, max_length=50)
    role = serializers.SerializerMethodField(help_text="Your role in this workspace.")
    # Write-only: uploads are never public media, and the logo is seen on the invoices.
    logo = serializers.FileField(
        required=False,
        allow_null=True,
        write_only=True,
        help_text=LOGO_HELP,
    )
    # Set once the workspace exists (PATCH), like the other invoice details.
    payment_instructions = serializers.CharField(
        read_only=True,
        help_text="Bank details or how to pay; printed on every invoice (frozen on finalise).",
    )

    class Meta:
        model = Workspace
        fields = [
            "slug",
            "name",
            "country",
            "base_currency",
            "timezone",
            "invoice_prefix",
            "payment_terms_days",
            "logo",
            "payment_instructions",
            "created_at",
            "role",
        ]
        read_only_fields = ["created_at", "role"]

    def get_role(self, workspace: Workspace) -> str | None:
        return getattr(workspace, "my_role", None)

    def validate_logo(self, logo: Any) -> Any:
        # The content check here too, so a bad file is a 400 on `logo` before any service.
        if logo is not None:
            try:
                logo_check(logo)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages, code=exc.code) from exc
        return logo


class WorkspaceUpdateSerializer(WorkspaceSerializer):
    """A workspace's settings as changed later: its slug (its address) is fixed."""

    slug = serializers.SlugField(read_only=True)
    payment_instructions = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text="Bank details or how to pay; printed on every invoice (frozen on finalise).",
    )


class WorkspaceLogoSerializer(serializers.Serializer[Any]):
    """The multipart body of a settings PATCH, as documented: the logo file (the other
    settings are accepted there too, but JSON is their documented form)."""

    logo = serializers.FileField(required=False, allow_null=True, help_text=LOGO_HELP)


class MembershipSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "created_at"]
        read_only_fields = ["id", "email", "full_name", "created_at"]


class InvitationSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=[c for c in Role.choices if c[0] != Role.OWNER])
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, default=None)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "invited_by", "created_at", "expires_at"]
        read_only_fields = ["id", "status", "invited_by", "created_at", "expires_at"]
