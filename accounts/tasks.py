from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts import services
from accounts.models import Invitation
from core.tokens import hash_token


@shared_task(acks_late=True)
def invitation_send_email(
    *, invitation_id: int, link_version: int | None = None, token: str | None = None
) -> bool:
    """Email the invitation link of version `link_version`, once. Safe to run twice or at
    once (the outbox relays at least once): the invitation row is locked and its
    `emailed_at` stamped in the same transaction as the send. A re-invite since (a new
    version, emailed by its own task) or a closed invitation sends nothing; so does a
    token that no longer matches the stored hash (SECRET_KEY rotated since).

    `token` is only read from messages queued before the outbox, which carried it."""
    with scopes_disabled(), transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("workspace", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or not invitation.is_open or invitation.emailed_at:
            return False
        if token is None:
            if invitation.link_version != link_version:
                return False
            token = services.invitation_token(invitation)
        if hash_token(token) != invitation.token_hash:
            return False
        context = {
            "invitation": invitation,
            "accept_url": settings.SITE_URL + reverse("accounts:invitation_accept", args=[token]),
        }
        message = EmailMultiAlternatives(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}You're invited to "
            f"{invitation.workspace}",
            body=render_to_string("accounts/email/invitation.txt", context),
            to=[invitation.email],
        )
        message.attach_alternative(
            render_to_string("accounts/email/invitation.html", context), "text/html"
        )
        message.send()
        invitation.emailed_at = timezone.now()
        invitation.save(update_fields=["emailed_at"])
    return True


@shared_task
def invitations_expire() -> int:
    return services.invitations_expire()


@shared_task
def ping() -> str:
    """Round trip used by /healthz-style checks and the smoke tests."""
    return "pong"
