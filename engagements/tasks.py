"""Celery tasks of proposals: email one send to the client, and tell the professional of
the client's answer. Queued through the outbox (`core.tasks.enqueue_on_commit`) with ids
only; each re-reads what it needs and is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from accounts.models import AuditEntry, Workspace
from accounts.services import audit_record
from accounts.tenancy import workspace_task
from engagements.models import Proposal

__all__ = ["proposal_answer_notify", "proposal_email_deliver"]


def _already(proposal: Proposal, action: str, key: str, value: int) -> bool:
    return AuditEntry.objects.filter(
        workspace=proposal.workspace,
        action=action,
        object_type="proposal",
        object_id=str(proposal.pk),
        data__contains={key: value},
    ).exists()


# Names are explicit: queued messages name them, so they must not follow the functions.
@shared_task(name="engagements.tasks.proposal_email_deliver", acks_late=True)
@workspace_task
def proposal_email_deliver(*, workspace: Workspace, send_id: int) -> bool:
    """Email one send (the "proposal.send" audit entry `send_id`), once: the proposal row
    is locked and the delivery recorded in the same transaction. The link is recomputed
    from the version the send recorded; a send whose link was replaced since, or whose
    proposal is no longer open, is dropped: its link would not work or not be answerable."""
    from engagements import services
    from engagements.proposal_mail import proposal_email

    with transaction.atomic():
        sent = AuditEntry.objects.filter(pk=send_id, action="proposal.send").first()
        if sent is None:
            return False
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("workspace", "engagement__client")
            .filter(pk=int(sent.object_id))
            .first()
        )
        if proposal is None or _already(proposal, "proposal.email_delivered", "send_id", send_id):
            return False
        token = services.proposal_link_current(proposal)
        if (
            token is None
            or proposal.link_version != sent.data.get("link_version")
            or proposal.status != Proposal.Status.SENT
        ):
            return False
        mail = proposal_email(proposal=proposal, sent=sent, token=token)
        mail.send()
        audit_record(
            workspace=workspace,
            actor=None,
            action="proposal.email_delivered",
            obj=proposal,
            details={"send_id": send_id, "to": list(mail.to)},
        )
    return True


@shared_task(name="engagements.tasks.proposal_answer_notify", acks_late=True)
@workspace_task
def proposal_answer_notify(*, workspace: Workspace, answer_id: int) -> bool:
    """Email the professional the client's answer (the "proposal.accept"/"decline" audit
    entry `answer_id`), once, and put it on the proposal's timeline."""
    from engagements.proposal_mail import answer_recipients, proposal_answer_email

    with transaction.atomic():
        answer = AuditEntry.objects.filter(
            pk=answer_id, action__in=("proposal.accept", "proposal.decline")
        ).first()
        if answer is None:
            return False
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("workspace", "engagement__client")
            .filter(pk=int(answer.object_id))
            .first()
        )
        if proposal is None or _already(
            proposal, "proposal.answer_notified", "answer_id", answer_id
        ):
            return False
        to = answer_recipients(proposal)
        if to:
            proposal_answer_email(proposal=proposal, to=to).send()
        audit_record(
            workspace=workspace,
            actor=None,
            action="proposal.answer_notified",
            obj=proposal,
            details={"answer_id": answer_id, "to": to},
        )
    return True
