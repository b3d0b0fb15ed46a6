"""Invoice-state helpers shared by the service modules: the row lock every transition
takes, the draft guard, and the status that follows from what is paid and credited."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from invoicing.models import Invoice

Status = Invoice.Status
# Still owed: reminded, charged late fees, payable.
REMINDABLE = (Status.OPEN, Status.PARTIALLY_PAID)


def lock_invoice(invoice: Invoice) -> Invoice:
    locked: Invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    return locked


def ensure_owed(invoice: Invoice, message: str, *, paid_too: bool = False) -> None:
    """Refuse (with `message`) anything but an invoice still owed: open or partly paid,
    and also paid when `paid_too`."""
    allowed = (*REMINDABLE, Status.PAID) if paid_too else REMINDABLE
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in allowed:
        raise ValidationError(message)


def ensure_draft(invoice: Invoice) -> None:
    if invoice.status != Status.DRAFT:
        raise ValidationError("A finalised invoice cannot change: issue a credit note or void it.")


def settle_status(invoice: Invoice) -> None:
    """The status that follows from what is paid and credited (a finalised invoice's)."""
    due = invoice.amount_due
    if invoice.status in (Status.OPEN, Status.PARTIALLY_PAID, Status.PAID):
        if due <= 0:
            invoice.status = Status.PAID
        elif invoice.amount_paid > 0 or invoice.amount_credited > 0:
            invoice.status = Status.PARTIALLY_PAID
        else:
            invoice.status = Status.OPEN
