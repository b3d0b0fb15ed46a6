"""Writes for accounts and workspaces. Each top-level service is one transaction, takes the
acting user, writes an audit entry and sends side effects on commit."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import slugify
from django_scopes import scopes_disabled

from accounts.logos import logo_normalized
from accounts.models import ApiToken, AuditEntry, Invitation, Membership, Role, User, Workspace
from accounts.tenancy import workspace_scope
from core.tenancy import membership_for
from core.tokens import hash_token

RESERVED_SLUGS = {"new", "api", "admin", "static", "media", "accounts", "settings", "w"}


def audit_record(
    *,
    workspace: Workspace,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    details: Mapping[str, object] | None = None,
) -> AuditEntry:
    """Append who did what. `details` are JSON-ready facts of the change (what changed,
    amounts, counts), stored as the entry's data."""
    entry: AuditEntry = AuditEntry.objects.create(
        workspace=workspace,
        actor=actor,
        action=action,
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=dict(details or {}),
    )
    return entry


def workspace_slug_suggest(*, name: str) -> str:
    """A free slug derived from the name: 'Acme Studio' → 'acme-studio', then '-2', '-3'…"""
    base = slugify(name)[:40].strip("-") or "workspace"
    if base in RESERVED_SLUGS:
        base = f"{base}-ws"
    taken = set(
        Workspace.objects.filter(slug__regex=rf"^{base}(-[0-9]+)?$").values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@transaction.atomic
def workspace_create(
    *,
    user: User,
    name: str,
    country: str,
    base_currency: str,
    timezone_name: str = "UTC",
    slug: str = "",
    invoice_prefix: str = "INV-",
    payment_terms_days: int = 30,
) -> Workspace:
    slug = slug or workspace_slug_suggest(name=name)
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": "This address is reserved; choose another."})
    workspace = Workspace(
        name=name,
        slug=slug,
        country=country,
        base_currency=base_currency,
        timezone=timezone_name,
        invoice_prefix=invoice_prefix,
        payment_terms_days=payment_terms_days,
        created_by=user,
    )
    workspace.full_clean()
    try:
        with transaction.atomic():
            workspace.save()
    except IntegrityError as exc:  # lost a race for the slug
        raise ValidationError({"slug": "This address is already taken."}) from exc
    with workspace_scope(workspace):
        Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
        audit_record(workspace=workspace, actor=user, action="workspace.create", obj=workspace)
    user.last_workspace = workspace
    user.save(update_fields=["last_workspace"])
    return workspace


@transaction.atomic
def workspace_update(
    *,
    workspace: Workspace,
    actor: User,
    name: str | None = None,
    country: str | None = None,
    base_currency: str | None = None,
    timezone_name: str | None = None,
    invoice_prefix: str | None = None,
    payment_terms_days: int | None = None,
    legal_name: str | None = None,
    billing_address: str | None = None,
    tax_id: str | None = None,
    logo: File[bytes] | Literal[False] | None = None,
    payment_instructions: str | None = None,
) -> Workspace:
    """Change the settings given; None leaves a setting as it is (a PATCH names only
    some). `logo=False` removes the logo: the form's "clear" box. A new logo is checked
    and stored as a PNG scaled to accounts.logos.LOGO_MAX_SIDE."""
    if logo and not isinstance(logo, FieldFile):  # a FieldFile: the stored one, kept
        try:
            logo = logo_normalized(logo)
        except ValidationError as exc:
            raise ValidationError({"logo": exc.messages}) from exc
    values: dict[str, object] = {
        "name": name,
        "country": country,
        "base_currency": base_currency,
        "timezone": timezone_name,
        "invoice_prefix": invoice_prefix,
        "payment_terms_days": payment_terms_days,
        "legal_name": legal_name,
        "billing_address": billing_address,
        "tax_id": tax_id,
        "logo": "" if logo is False else logo,
        "payment_instructions": payment_instructions,
    }
    changed: dict[str, str] = {}
    for field, value in values.items():
        if value is not None and getattr(workspace, field) != value:
            changed[field] = str(value)
            setattr(workspace, field, value)
    workspace.full_clean()
    workspace.save()
    with workspace_scope(workspace):
        audit_record(
            workspace=workspace,
            actor=actor,
            action="workspace.update",
            obj=workspace,
            details={"changed": changed},
        )
    return workspace


@transaction.atomic
def invitation_create(*, workspace: Workspace, actor: User, email: str, role: str) -> Invitation:
    """Invite an address (or re-send a pending invitation to it with a fresh link)."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the roles."})
    if role == Role.OWNER:
        raise ValidationError({"role": "Ownership cannot be given by invitation."})
    with workspace_scope(workspace):
        if Membership.objects.filter(user__email__iexact=email).exists():
            raise ValidationError({"email": "This person is already a member."})
        invitation = (
            Invitation.objects.select_for_update()
            .filter(email=email, status=Invitation.Status.PENDING)
            .first()
        )
        if invitation is None:
            invitation = Invitation(workspace=workspace, email=email)
            # The token is derived from the id: hold the unique column with the hash of a
            # token nobody is given until the row has one.
            invitation.token_hash = hash_token(secrets.token_urlsafe(32))
            invitation.save()
        invitation.role = role
        invitation.invited_by = actor
        invitation.link_version += 1
        invitation.token_hash = hash_token(invitation_token(invitation))
        invitation.emailed_at = None
        invitation.expires_at = Invitation._meta.get_field("expires_at").get_default()
        invitation.save()
        audit_record(
            workspace=workspace,
            actor=actor,
            action="invitation.create",
            obj=invitation,
            details={"email": email, "role": role},
        )

    from accounts.tasks import invitation_send_email
    from core.tasks import enqueue_on_commit

    enqueue_on_commit(
        invitation_send_email, invitation_id=invitation.pk, link_version=invitation.link_version
    )
    return invitation


def invitation_token(invitation: Invitation) -> str:
    """The secret in the invitation's current link: an HMAC (SECRET_KEY) of its id and link
    version, like an invoice link. The email task recomputes it from ids, so no token sits
    in the outbox or the broker; a database leak alone still yields no working link."""
    from django.utils.crypto import salted_hmac

    return salted_hmac(
        "accounts.invitation", f"{invitation.pk}:{invitation.link_version}", algorithm="sha256"
    ).hexdigest()


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        return invitation
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    audit_record(
        workspace=invitation.workspace, actor=actor, action="invitation.revoke", obj=invitation
    )
    return invitation


def invitation_from_token(*, token: str) -> Invitation | None:
    """Look an invitation up by the secret in its link. Crosses tenants by design: the
    token is the credential, and it names exactly one invitation."""
    with scopes_disabled():
        return (
            Invitation.objects.select_related("workspace", "invited_by")
            .filter(token_hash=hash_token(token))
            .first()
        )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_from_token(token=token)
    if invitation is None:
        raise ValidationError("This invitation link is not valid.")
    with workspace_scope(invitation.workspace):
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_open:
            raise ValidationError("This invitation has expired or was withdrawn.")
        if invitation.email.lower() != user.email.lower():
            raise ValidationError(
                f"This invitation was sent to {invitation.email}. Sign in with that address."
            )
        membership: Membership
        membership, _ = Membership.objects.get_or_create(
            workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
        )
        invitation.status = Invitation.Status.ACCEPTED
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
        audit_record(
            workspace=invitation.workspace, actor=user, action="invitation.accept", obj=invitation
        )
    user.last_workspace = invitation.workspace
    user.save(update_fields=["last_workspace"])
    return membership


def invitations_expire() -> int:
    """Mark pending invitations past their date as expired (beat, across tenants)."""
    with scopes_disabled():
        return Invitation.objects.filter(
            status=Invitation.Status.PENDING, expires_at__lte=timezone.now()
        ).update(status=Invitation.Status.EXPIRED)


@transaction.atomic
def membership_update_role(*, membership: Membership, actor: User, role: str) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the roles."})
    _ensure_actor_may_change(membership, actor=actor, new_role=role)
    _ensure_an_owner_remains(membership, new_role=role)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        workspace=membership.workspace,
        actor=actor,
        action="membership.update_role",
        obj=membership,
        details={"old": old, "new": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.user_id != actor.pk:  # leaving a workspace yourself needs no rights
        _ensure_actor_may_change(membership, actor=actor, new_role=None)
    _ensure_an_owner_remains(membership, new_role=None)
    audit_record(
        workspace=membership.workspace,
        actor=actor,
        action="membership.remove",
        obj=membership,
        details={"user": membership.user.email},
    )
    membership.delete()


def _ensure_actor_may_change(membership: Membership, *, actor: User, new_role: str | None) -> None:
    """Admins manage members, accountants and other admins; only an owner may make an
    owner, or change or remove one. Otherwise an admin could promote themselves."""
    actor_role = Membership.objects.filter(user=actor).values_list("role", flat=True).first()
    if actor_role not in (Role.OWNER, Role.ADMIN):
        raise ValidationError("Only owners and admins change who belongs to the workspace.")
    touches_ownership = membership.role == Role.OWNER or new_role == Role.OWNER
    if touches_ownership and actor_role != Role.OWNER:
        raise ValidationError({"role": "Only an owner can give, change or remove ownership."})


def _ensure_an_owner_remains(membership: Membership, *, new_role: str | None) -> None:
    if membership.role != Role.OWNER or new_role == Role.OWNER:
        return
    # Lock every owner row so two admins demoting the last two owners cannot both win.
    owners = list(
        Membership.objects.select_for_update().filter(role=Role.OWNER).values_list("pk", flat=True)
    )
    if owners == [membership.pk]:
        raise ValidationError("A workspace needs at least one owner.")


@transaction.atomic
def user_update_profile(*, user: User, full_name: str) -> User:
    user.full_name = full_name.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name"])
    return user


@transaction.atomic
def api_token_create(
    *, user: User, name: str, workspace: Workspace | None = None
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the secret, which is never stored or shown again.
    With a `workspace`, the token reaches only that one, which must be one of the user's."""
    if workspace is not None and membership_for(user, workspace) is None:
        raise ValidationError({"workspace": "Choose one of your workspaces."})
    name = name.strip() or "API token"
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        key_hash=hash_token(key),
        key_hint=key[:10],
        workspace=workspace,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
