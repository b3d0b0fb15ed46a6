"""Proposals: a quote for an engagement (created `proposed`), sent as a link the client
answers on a public page; accepting makes the engagement active."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.dates import ensure_sane_dates
from core.inputs import UNSET, Unset, given
from core.tokens import hash_token
from engagements.models import Client, EngagementStatus, Proposal
from engagements.services._base import save_validated
from engagements.services.engagements import EngagementDraft, engagement_create_from
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
def proposal_send(*, proposal: Proposal, actor: User) -> tuple[Proposal, str]:
    """Issue a fresh link (an earlier link stops working) and mark the proposal sent.
    Returns the token for the link; only its hash is stored."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status not in (Proposal.Status.DRAFT, Proposal.Status.SENT):
        raise ValidationError("Only a draft or sent proposal can be sent.")
    token = secrets.token_urlsafe(32)
    proposal.token_hash = hash_token(token)
    proposal.status = Proposal.Status.SENT
    proposal.sent_at = timezone.now()
    proposal.save(update_fields=["token_hash", "status", "sent_at"])
    audit_record(workspace=proposal.workspace, actor=actor, action="proposal.send", obj=proposal)
    return proposal, token


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
    audit_record(
        workspace=proposal.workspace,
        actor=None,
        action="proposal.accept" if accept else "proposal.decline",
        obj=proposal,
        details={"by": name, "email": email},
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
