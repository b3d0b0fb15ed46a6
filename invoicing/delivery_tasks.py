"""Celery tasks that deliver to clients: the email of one invoice send (PDF attached) and
of one payment reminder. Both are queued through the outbox and safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from accounts.models import Workspace
from accounts.tenancy import workspace_task
from invoicing import services
from invoicing.models import Invoice, InvoiceEvent
from invoicing.services.events import event

__all__ = ["invoice_email_deliver", "reminder_email_deliver"]


# The name is explicit: queued messages name it, so it must not follow the function.
@shared_task(name="invoicing.delivery_tasks.invoice_email_deliver", acks_late=True)
@workspace_task
def invoice_email_deliver(*, workspace: Workspace, send_id: int, token: str | None = None) -> bool:
    """Deliver the email of one send (the "sent" event `send_id`). Safe to run twice or
    at once on two workers (the outbox relays at least once; acks are late): the send's
    event row is locked and marked delivered in the same transaction, so each send is
    emailed once (at least once if the mail server accepted it and the commit then
    failed). The link is recomputed from the version the send recorded; a send whose link
    was replaced or revoked since is dropped: its link would not work.

    `token` is only read from messages queued before the outbox, which carried it."""
    with transaction.atomic():
        sent = (
            InvoiceEvent.objects.select_for_update(of=("self",))
            .filter(pk=send_id, kind="sent")
            .select_related("invoice__workspace", "invoice__client", "invoice__credits")
            .first()
        )
        if sent is None or sent.data.get("delivered_at"):
            return False
        invoice: Invoice = sent.invoice
        current = services.invoice_link_current(invoice)
        if token is not None:
            still_valid = current == token
        else:
            still_valid = current is not None and invoice.link_version == sent.data.get(
                "link_version"
            )
        if current is None or not still_valid:
            sent.data["dropped"] = "link replaced or revoked before delivery"
            sent.save(update_fields=["data"])
            return False
        from invoicing.delivery import invoice_email

        mail = invoice_email(invoice=invoice, sent=sent, token=current)
        mail.send()
        sent.data["delivered_at"] = timezone.now().isoformat()
        sent.save(update_fields=["data"])
        event(invoice, "email_delivered", data={"send_id": sent.pk, "to": mail.to})
    return True


@shared_task(name="invoicing.delivery_tasks.reminder_email_deliver", acks_late=True)
@workspace_task
def reminder_email_deliver(*, workspace: Workspace, reminder_id: int) -> str:
    """Email one recorded reminder (a ReminderSent row) if its invoice is still owed; the
    row's state afterwards. At most once per row: see services.reminders.reminder_deliver."""
    from invoicing.services.reminders import reminder_deliver

    return reminder_deliver(workspace=workspace, reminder_id=reminder_id)
