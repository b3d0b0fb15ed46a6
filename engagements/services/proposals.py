"""Proposals: a quote for an engagement (created `proposed`), emailed to the client with
a link they answer on a public page; accepting makes the engagement active, and the
professional is emailed the answer.

The link's token is an HMAC of the proposal and its `link_version` (like an invoice's),
so the email task recomputes it from ids: no token ever sits in the outbox. Only its hash
is stored. Sending again emails the working link; `new_link=True` (or a link from before
versions, which cannot be recomputed) issues the next version, turning the old one off."""

from __future__ import annotations

import datetime as dt
from typing import Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_scopes import scopes_disabled

from accounts.models import AuditEntry, User, Workspace
from accounts.services import audit_record
from core.dates import ensure_sane_dates
from core.inputs import UNSET, Unset, given
from core.recipients import clean_recipients
from core.tasks import enqueue_on_commit
from core.tokens import hash_token
from engagements.models import Client, EngagementStatus, PayModel, Proposal
from engagements.services._base import apply_changes, save_validated
from engagements.services.engagements import (
    EngagementDraft,
    engagement_create_from,
    engagement_update,
)
from engagements.services.locks import engagement_lock


@transaction.atomic
def proposal_create(
    *,
    workspace: Workspace,
    actor: User,
    client: Client,
    title: str,
    scope: str,
    valid_until: dt.date | None = None,
    # The proposed engagement (its name defaults to the title), as `engagement_create`.
    **engagement_fields: Unpack[EngagementDraft],
) -> Proposal:
    ensure_sane_dates(valid_until=valid_until)
    draft: dict[str, object] = dict(engagement_fields)
    if isinstance(draft.get("name", UNSET), Unset):
        draft["name"] = title
    engagement = engagement_create_from(
        workspace=workspace,
        actor=actor,
        client=client,
        fields=given(**draft, status=EngagementStatus.PROPOSED),
    )
    proposal = Proposal(
        workspace=workspace,
        engagement=engagement,
        title=title,
        scope=scope,
        valid_until=valid_until,
        created_by=actor,
    )
    save_validated(proposal)
    audit_record(workspace=workspace, actor=actor, action="proposal.create", obj=proposal)
    return proposal


@transaction.atomic
def proposal_update(
    *,
    proposal: Proposal,
    actor: User,
    title: str | Unset = UNSET,
    scope: str | Unset = UNSET,
    valid_until: dt.date | None | Unset = UNSET,
    client: Client | Unset = UNSET,
    # The proposed engagement's terms, as `engagement_update`; its name follows the title
    # while it was the title.
    **engagement_fields: Unpack[EngagementDraft],
) -> Proposal:
    """Change a draft: what the client has not seen yet. A sent proposal is what the
    client read; changing it under them is refused (withdraw it and make a new one)."""
    ensure_sane_dates(valid_until=valid_until)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != Proposal.Status.DRAFT:
        raise ValidationError("Only a draft proposal can be edited.")
    engagement = engagement_lock(proposal.engagement_id)
    draft: dict[str, object] = dict(engagement_fields)
    if not isinstance(title, Unset) and "name" not in draft and engagement.name == proposal.title:
        draft["name"] = title
    if not isinstance(client, Unset) and client.workspace_id != proposal.workspace_id:
        raise ValidationError({"client": "Choose one of your clients."})
    engagement_update(engagement=engagement, actor=actor, client=client, **draft)  # type: ignore[arg-type]
    changed = apply_changes(proposal, given(title=title, scope=scope, valid_until=valid_until))
    save_validated(proposal)
    audit_record(
        workspace=proposal.workspace,
        actor=actor,
        action="proposal.update",
        obj=proposal,
        details={"fields": changed + sorted(given(**draft))},
    )
    return proposal


def _link_token(proposal: Proposal) -> str:
    return salted_hmac(
        "engagements.proposal_link", f"{proposal.pk}:{proposal.link_version}", algorithm="sha256"
    ).hexdigest()


def proposal_link_current(proposal: Proposal) -> str | None:
    """The token of the proposal's working link (to email, or to show the professional
    again), or None: never sent, withdrawn, or a link from before versions (random, so not
    recomputable; it keeps working until the next send replaces it)."""
    if not proposal.token_hash or proposal.status == Proposal.Status.WITHDRAWN:
        return None
    token = _link_token(proposal)
    return token if hash_token(token) == proposal.token_hash else None


def proposal_recipients(proposal: Proposal, to: list[str] | str | None) -> list[str]:
    """The addresses to email: those given (comma or semicolon separated), else the
    client's. Checked: at most 10, each an email address."""
    client_email = proposal.engagement.client.email
    return clean_recipients(to, [client_email] if client_email else [])


def proposal_unpriced(proposal: Proposal) -> str | None:
    """Why the client could not see a price yet, or None: a fixed fee is the sum of its
    milestones and a bounty the fees of its outcomes, so either needs at least one."""
    engagement = proposal.engagement
    if engagement.pay_model == PayModel.FIXED_FEE and not engagement.milestones.exists():
        return "Add the milestones and their amounts before sending: they are the price."
    if engagement.pay_model == PayModel.BOUNTY and not engagement.outcomes.exists():
        return "Add the outcomes and their fees before sending: they are the price."
    return None


@transaction.atomic
def proposal_send(
    *,
    proposal: Proposal,
    actor: User,
    to: list[str] | str | None = None,
    message: str = "",
    new_link: bool = False,
) -> tuple[Proposal, str]:
    """Email the proposal to the client (the client's address unless `to` is given) with
    its link, and mark it sent. The email leaves from a task queued through the outbox in
    this transaction (`engagements.tasks.proposal_email_deliver`). Returns the link's
    token: the working one, or a new version when there is none or `new_link`."""
    proposal = (
        Proposal.objects.select_for_update()
        .select_related("engagement__client")
        .get(pk=proposal.pk)
    )
    if proposal.status not in (Proposal.Status.DRAFT, Proposal.Status.SENT):
        raise ValidationError("Only a draft or sent proposal can be sent.")
    unpriced = proposal_unpriced(proposal)
    if unpriced:
        raise ValidationError(unpriced)
    recipients = proposal_recipients(proposal, to)
    token = None if new_link else proposal_link_current(proposal)
    if token is None:
        proposal.link_version += 1
        token = _link_token(proposal)
        proposal.token_hash = hash_token(token)
    proposal.status = Proposal.Status.SENT
    proposal.sent_at = timezone.now()
    proposal.save(update_fields=["token_hash", "link_version", "status", "sent_at"])
    sent = audit_record(
        workspace=proposal.workspace,
        actor=actor,
        action="proposal.send",
        obj=proposal,
        details={
            "to": recipients,
            "message": message[:2000],
            "reply_to": actor.email,
            # The task emails this version's link, recomputed (an HMAC of the proposal
            # and its version): the token itself never sits in the outbox.
            "link_version": proposal.link_version,
        },
    )
    from engagements.tasks import proposal_email_deliver

    enqueue_on_commit(proposal_email_deliver, workspace_id=proposal.workspace_id, send_id=sent.pk)
    return proposal, token


def proposal_send_of(proposal: Proposal, send_id: int) -> AuditEntry | None:
    """The audit entry of one send of this proposal."""
    found: AuditEntry | None = AuditEntry.objects.filter(
        pk=send_id,
        workspace=proposal.workspace,
        action="proposal.send",
        object_type="proposal",
        object_id=str(proposal.pk),
    ).first()
    return found


def proposal_from_token(*, token: str) -> Proposal | None:
    """The token is the credential and names exactly one proposal: crossing tenants here
    is deliberate, like the invitation link."""
    with scopes_disabled():
        found: Proposal | None = (
            Proposal.objects.select_related("engagement__client", "workspace")
            .filter(token_hash=hash_token(token))
            .first()
        )
        return found


@transaction.atomic
def proposal_respond(
    *,
    proposal: Proposal,
    accept: bool,
    name: str,
    email: str = "",
    reason: str = "",
    today: dt.date | None = None,
) -> Proposal:
    """The client accepts (the engagement becomes active) or declines. Idempotent for a
    repeated click; a withdrawn or expired proposal cannot be answered."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    today = today or timezone.localdate()
    if proposal.status == (Proposal.Status.ACCEPTED if accept else Proposal.Status.DECLINED):
        return proposal
    if proposal.status != Proposal.Status.SENT:
        raise ValidationError("This proposal can no longer be answered.")
    if proposal.valid_until and today > proposal.valid_until:
        raise ValidationError("This proposal has expired. Ask for a new one.")
    if accept and not name.strip():
        raise ValidationError({"name": "Type your name to accept."})
    proposal.status = Proposal.Status.ACCEPTED if accept else Proposal.Status.DECLINED
    proposal.responded_at = timezone.now()
    proposal.accepted_name = name.strip()
    proposal.accepted_email = email
    proposal.decline_reason = "" if accept else reason
    proposal.save()
    if accept:
        engagement = engagement_lock(proposal.engagement_id)
        engagement.status = EngagementStatus.ACTIVE
        engagement.save(update_fields=["status"])
    answer = audit_record(
        workspace=proposal.workspace,
        actor=None,
        action="proposal.accept" if accept else "proposal.decline",
        obj=proposal,
        details={"by": name, "email": email},
    )
    # The professional hears of it by email (the task re-reads the proposal; no answer
    # of the client's travels in the outbox but the audit entry's id).
    from engagements.tasks import proposal_answer_notify

    enqueue_on_commit(
        proposal_answer_notify, workspace_id=proposal.workspace_id, answer_id=answer.pk
    )
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, actor: User) -> Proposal:
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status in (Proposal.Status.ACCEPTED, Proposal.Status.WITHDRAWN):
        raise ValidationError("An accepted or withdrawn proposal cannot be withdrawn.")
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.save(update_fields=["status"])
    engagement = engagement_lock(proposal.engagement_id)
    if engagement.status == EngagementStatus.PROPOSED:
        # Ended, with an end date like every ended engagement: the day it was withdrawn
        # (within its dates). It never billed and never will (`billing.engagement_bills`).
        today = timezone.localdate()
        engagement.end_date = max(engagement.start_date, min(today, engagement.end_date or today))
        engagement.status = EngagementStatus.ENDED
        engagement.save(update_fields=["status", "end_date"])
    audit_record(
        workspace=proposal.workspace, actor=actor, action="proposal.withdraw", obj=proposal
    )
    return proposal


@transaction.atomic
def proposal_mark_viewed(*, proposal: Proposal) -> None:
    if proposal.viewed_at is None:
        Proposal.objects.filter(pk=proposal.pk, viewed_at__isnull=True).update(
            viewed_at=timezone.now()
        )
