"""What the proposal emails say: the proposal to the client (its price and terms, the
link to answer), and the client's answer to the professional. Built by the tasks in
`engagements.tasks`, which re-read everything from ids."""

from __future__ import annotations

import email.utils

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import AuditEntry, Membership, Role
from engagements.models import Proposal
from engagements.proposal_terms import proposal_terms


def public_url(token: str) -> str:
    site: str = settings.SITE_URL
    return site + reverse("engagements:proposal_public", args=[token])


def _from_address(name: str) -> str:
    """ "<Workspace> via Portfolio <no-reply@…>": the client sees who it is from; the
    address stays ours (sending as the professional's domain would fail SPF/DMARC)."""
    _, address = email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)
    return email.utils.formataddr((f"{name} via Portfolio", address))


def proposal_email(*, proposal: Proposal, sent: AuditEntry, token: str) -> EmailMultiAlternatives:
    """The email of one send: the proposal's price and terms, and its link."""
    engagement = proposal.engagement
    client = engagement.client
    sender = proposal.workspace.name
    context = {
        "proposal": proposal,
        "engagement": engagement,
        "sender": sender,
        "client_name": client.contact_name or client.name,
        "message": sent.data.get("message", ""),
        "link": public_url(token),
        "terms": proposal_terms(engagement),
    }
    mail = EmailMultiAlternatives(
        subject=f"Proposal from {sender}: {proposal.title}",
        body=render_to_string("engagements/email/proposal.txt", context),
        from_email=_from_address(sender),
        to=sent.data["to"],
        reply_to=[sent.data["reply_to"]] if sent.data.get("reply_to") else None,
    )
    mail.attach_alternative(
        render_to_string("engagements/email/proposal.html", context), "text/html"
    )
    return mail


def answer_recipients(proposal: Proposal) -> list[str]:
    """Who hears of the client's answer: who wrote the proposal while still a member,
    else the workspace's owners."""
    members = Membership.objects.filter(workspace=proposal.workspace).select_related("user")
    author = members.filter(user_id=proposal.created_by_id).first()
    if author is not None and author.user.email:
        return [author.user.email]
    owners = members.filter(role=Role.OWNER).order_by("created_at")
    return [m.user.email for m in owners if m.user.email]


def proposal_answer_email(*, proposal: Proposal, to: list[str]) -> EmailMultiAlternatives:
    accepted = proposal.status == Proposal.Status.ACCEPTED
    site: str = settings.SITE_URL
    context = {
        "proposal": proposal,
        "engagement": proposal.engagement,
        "client": proposal.engagement.client,
        "accepted": accepted,
        "url": site
        + reverse(
            "engagements:proposal_detail",
            kwargs={"workspace": proposal.workspace.slug, "pk": proposal.pk},
        ),
    }
    verb = "accepted" if accepted else "declined"
    client_name = proposal.engagement.client.name
    return EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{client_name} {verb} “{proposal.title}”",
        body=render_to_string("engagements/email/proposal_answer.txt", context),
        to=to,
    )
