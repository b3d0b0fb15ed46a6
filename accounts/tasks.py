from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts import services
from accounts.models import Invitation
from core.tokens import hash_token


@shared_task(acks_late=True)
def invitation_send_email(*, invitation_id: int, token: str) -> bool:
    """Email the invitation link. Safe to run twice: it only sends for a pending invitation
    whose stored hash still matches this token (a re-invite rotates the token)."""
    with scopes_disabled():
        invitation = (
            Invitation.objects.select_related("workspace", "invited_by")
            .filter(pk=invitation_id, token_hash=hash_token(token))
            .first()
        )
    if invitation is None or not invitation.is_open:
        return False
    context = {
        "invitation": invitation,
        "accept_url": settings.SITE_URL + reverse("accounts:invitation_accept", args=[token]),
    }
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}You're invited to {invitation.workspace}",
        body=render_to_string("accounts/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("accounts/email/invitation.html", context), "text/html"
    )
    message.send()
    return True


@shared_task
def invitations_expire() -> int:
    return services.invitations_expire()


@shared_task
def ping() -> str:
    """Round trip used by /healthz-style checks and the smoke tests."""
    return "pong"
