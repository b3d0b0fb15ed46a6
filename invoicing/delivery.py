"""Sending an invoice to the client: the write (`invoice_send`) and what the email says
(`invoice_email`). The email itself leaves from a Celery task queued through the outbox in
the send's transaction (invoicing.delivery_tasks), so a rolled-back send never emails
anyone and a committed one is emailed even if the broker was down at that moment.

The email carries the invoice's working link (services.invoice_link_current: the token is
an HMAC of the invoice and its link version, so it can be sent again); only when there is
none is a new one issued. "New link" in the dashboard revokes the old one."""

from __future__ import annotations

import email.utils
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from core.money import ZERO
from core.recipients import clean_recipients
from core.templatetags.money import money
from invoicing import services
from invoicing.models import Invoice, InvoiceEvent
from invoicing.pdf import invoice_pdf, pdf_filename

Status = Invoice.Status
UNSENDABLE: dict[str, str] = {
    Status.DRAFT: "Finalise the invoice before sending it.",
    Status.VOID: "A void invoice cannot be sent.",
}


def public_url(token: str) -> str:
    site: str = settings.SITE_URL
    return site + reverse("invoicing:invoice_public", args=[token])


def default_recipients(invoice: Invoice) -> list[str]:
    """The address printed on the invoice (frozen at finalise), else the client's."""
    address = (invoice.snapshot.get("to") or {}).get("email") or invoice.client.email
    return [address] if address else []


def _clean_recipients(to: list[str] | str | None, invoice: Invoice) -> list[str]:
    return clean_recipients(to, default_recipients(invoice))


@transaction.atomic
def invoice_send(
    *, invoice: Invoice, actor: User | None, to: list[str] | str | None = None, message: str = ""
) -> InvoiceEvent:
    """Email the invoice (PDF attached) with its client link. Returns the "sent"
    event: its id is the send's id, which the task uses to deliver it exactly once."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status in UNSENDABLE:
        raise ValidationError(UNSENDABLE[invoice.status])
    recipients = _clean_recipients(to, invoice)
    # The working link if there is one (a link copied earlier keeps working), else a new one.
    if services.invoice_link_current(invoice) is None:
        services.invoice_link_issue(invoice=invoice, actor=actor)
        invoice.refresh_from_db(fields=["link_version", "token_hash", "link_revoked_at"])
    invoice.sent_at = timezone.now()
    invoice.save(update_fields=["sent_at"])
    sent = services.event(
        invoice,
        "sent",
        actor,
        data={
            "to": recipients,
            "message": message[:2000],
            "reply_to": actor.email if actor else "",
            # The task emails this version's link, recomputed from it (an HMAC of the
            # invoice and its version): the token itself never sits in the outbox.
            "link_version": invoice.link_version,
        },
    )
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="invoice.send",
        obj=invoice,
        details={"to": recipients},
    )
    from core.tasks import enqueue_on_commit
    from invoicing.delivery_tasks import invoice_email_deliver

    enqueue_on_commit(invoice_email_deliver, workspace_id=invoice.workspace_id, send_id=sent.pk)
    return sent


def _from_address(workspace_name: str) -> str:
    """ "<Workspace> via Portfolio <no-reply@…>": the client sees who it is from; the
    address stays ours (sending as the professional's domain would fail SPF/DMARC)."""
    _, address = email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)
    return email.utils.formataddr((f"{workspace_name} via Portfolio", address))


# A message the professional typed that opens with its own greeting ("Hi Jordan,") is
# not greeted again by ours ("Hello Jordan Lee,"): the email greets once.
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|greetings|good (morning|afternoon|evening)|hallo|bonjour|hola)\b",
    re.IGNORECASE,
)


def invoice_email(*, invoice: Invoice, sent: InvoiceEvent, token: str) -> EmailMultiAlternatives:
    """The email of one send: text and HTML bodies, the PDF attached."""
    is_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
    sender = (invoice.snapshot.get("from") or {}).get("name") or invoice.workspace.name
    due = max(invoice.amount_due, ZERO)
    to = invoice.snapshot.get("to") or {}
    message = sent.data.get("message", "")
    context = {
        "invoice": invoice,
        "is_note": is_note,
        "sender": sender,
        "client_name": to.get("contact") or to.get("name") or invoice.client.name,
        "message": message,
        "greet": not _GREETING.match(message),
        "link": public_url(token),
        "total": money(invoice.total, invoice.currency),
        "amount_due": money(due, invoice.currency),
        "has_due": due > 0 and invoice.status not in (Status.VOID, Status.UNCOLLECTIBLE),
    }
    kind = "Credit note" if is_note else "Invoice"
    subject = f"{kind} {invoice.number} from {sender}"
    if context["has_due"] and not is_note and invoice.due_date:
        subject += f": {context['amount_due']} due {invoice.due_date:%b} {invoice.due_date.day}"
    mail = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("invoicing/email/invoice.txt", context),
        from_email=_from_address(sender),
        to=sent.data["to"],
        reply_to=[sent.data["reply_to"]] if sent.data.get("reply_to") else None,
    )
    mail.attach_alternative(render_to_string("invoicing/email/invoice.html", context), "text/html")
    mail.attach(pdf_filename(invoice), invoice_pdf(invoice), "application/pdf")
    return mail
