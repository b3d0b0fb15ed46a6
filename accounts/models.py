from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.files import File
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django_countries.fields import CountryField

from accounts.logos import logo_check
from accounts.tenancy import TenantModel
from core.currencies import currency_choices


def validate_logo(file: File[bytes] | None) -> None:
    """The upload's content, by accounts.logos (kept here by name: migrations cite it).
    A logo already stored is not re-read on every settings save."""
    if not file or (isinstance(file, FieldFile) and getattr(file, "_committed", False)):
        return
    logo_check(file)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Email is the login; there is no username."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The workspace the dashboard opens on; a hint only, membership is checked on use.
    last_workspace = models.ForeignKey(
        "Workspace", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split(" ")[0] if self.full_name else "") or self.email


def _timezone_choices() -> list[tuple[str, str]]:
    return [(tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones())]


class Workspace(models.Model):
    """A tenant: one professional's business. Everything else hangs off it."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=50,
        unique=True,
        validators=[
            RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Lowercase letters, digits and dashes.")
        ],
        help_text="Used in addresses: /w/<slug>/. Lowercase letters, digits and dashes.",
    )
    country = CountryField()
    base_currency = models.CharField(max_length=3, choices=currency_choices, default="USD")
    timezone = models.CharField(max_length=64, choices=_timezone_choices, default="UTC")
    invoice_prefix = models.CharField(
        max_length=12,
        default="INV-",
        blank=True,
        help_text="Put before every invoice number, e.g. INV-0001.",
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days until an invoice is due, unless a client says otherwise."
    )
    # Who invoices come from, as printed on them (copied into each invoice when finalised).
    legal_name = models.CharField(
        max_length=200, blank=True, help_text="The name on your invoices, if not the above."
    )
    billing_address = models.TextField(blank=True)
    tax_id = models.CharField("tax ID", max_length=50, blank=True)
    logo = models.ImageField(
        upload_to="logos/",
        blank=True,
        validators=[validate_logo],
        help_text="PNG or JPEG, at most 512 KB. Shown at the top of your invoices.",
    )
    payment_instructions = models.TextField(
        blank=True, help_text="Bank details or how to pay; printed on every invoice."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def today(self) -> dt.date:
        """The date in the workspace's time zone (what its people call "today")."""
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(self.timezone))


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    ACCOUNTANT = "accountant", "Accountant (read-only)"

    @property
    def can_write(self) -> bool:
        """Create and change business records (clients, invoices…)."""
        return self is not Role.ACCOUNTANT

    @property
    def can_manage(self) -> bool:
        """Change workspace settings and who belongs to it."""
        return self in (Role.OWNER, Role.ADMIN)


class Membership(TenantModel):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user")
        ]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def can_write(self) -> bool:
        return self.role_enum.can_write

    @property
    def can_manage(self) -> bool:
        return self.role_enum.can_manage


def _invitation_expiry() -> dt.datetime:
    return timezone.now() + timedelta(days=14)


class Invitation(TenantModel):
    """An invitation by email. The link's token is an HMAC of the invitation's id and link
    version (`accounts.services.invitation_token`; random before 2026-12); only its hash
    is stored. A re-invite bumps the version: the old link stops working."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    link_version = models.PositiveIntegerField(default=0, editable=False)
    # When the current version's link was emailed: the email task sends each version once.
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            # One open invitation per address per workspace; re-inviting resends it.
            models.UniqueConstraint(
                fields=["workspace", "email"],
                condition=models.Q(status="pending"),
                name="invitation_unique_pending_email",
            )
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.workspace} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()


class ApiToken(models.Model):
    """A personal API token. Shown once at creation; only its SHA-256 is stored.

    Tokens belong to a user, not a workspace: a request still names the workspace in its
    URL and is checked against the user's membership there, exactly like a page. A token
    may also be limited to one workspace (an accounting sync for one business): then it
    reaches that workspace's endpoints only, and none of the account-level ones.
    """

    PREFIX = "pf_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token, so a person can tell tokens apart in a list.
    key_hint = models.CharField(max_length=12, editable=False)
    # The one workspace the token reaches, or null for all of the user's. A limit, not an
    # owner: tokens are looked up across workspaces, so this model is not tenant-scoped.
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_hint}…)"

    @classmethod
    def generate_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def tenant_limit(self) -> Workspace | None:
        """The tenant this token is limited to, read by `core.api.permissions`."""
        return self.workspace


class AuditEntry(TenantModel):
    """Who did what in a workspace. Append-only: services write it, nothing edits it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)  # "<noun>.<verb>", e.g. "invitation.create"
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"
