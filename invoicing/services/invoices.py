"""An invoice's life after the draft: finalise, view, void, write off, credit notes.
Each is one transaction with an audit entry and a timeline event; state transitions lock
the invoice row and return early when already applied, so a double click or a retried
task is harmless."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.dates import ensure_sane_dates
from core.money import ZERO, quantize
from engagements import services as engagement_services
from engagements.models import Client
from invoicing import postings
from invoicing.models import (
    Allocation,
    Invoice,
    InvoiceLine,
    parties_of,
)
from invoicing.services.allocations import allocate, lock_client, refresh_invoice
from invoicing.services.drafts import recalculate
from invoicing.services.events import event
from invoicing.services.numbering import next_numbers
from invoicing.services.state import Status, lock_invoice


def credited_total(invoice: Invoice) -> Decimal:
    """All credit notes issued against the invoice (also what went to client credit)."""
    total = invoice.credit_notes.exclude(status=Status.DRAFT).aggregate(s=Sum("total"))["s"]
    return total or ZERO


def due_date_for(client: Client, workspace: Workspace, issue_date: dt.date) -> dt.date:
    days = client.payment_terms_days
    if days is None:
        days = workspace.payment_terms_days
    return issue_date + dt.timedelta(days=days)


@transaction.atomic
def invoice_finalize(
    *, invoice: Invoice, actor: User | None, issue_date: dt.date | None = None
) -> Invoice:
    ensure_sane_dates(issue_date=issue_date)
    invoice = lock_invoice(invoice)
    if invoice.status != Status.DRAFT:
        return invoice  # already finalised: idempotent
    if not invoice.lines.exists():
        raise ValidationError("Add at least one line before finalising.")
    if invoice.total < 0:
        raise ValidationError("An invoice cannot total less than zero; issue a credit note.")
    invoice.issue_date = issue_date or invoice.issue_date or timezone.localdate()
    if invoice.kind == Invoice.Kind.INVOICE and invoice.due_date is None:
        invoice.due_date = due_date_for(invoice.client, invoice.workspace, invoice.issue_date)
    (invoice.number,) = next_numbers(
        workspace=invoice.workspace, kind=invoice.kind, issue_date=invoice.issue_date
    )
    # A credit note is settled the moment it is issued (it is applied to its invoice or to
    # the client's credit): it is never a receivable, reminded or overdue.
    settled = invoice.kind == Invoice.Kind.CREDIT_NOTE or invoice.total <= 0
    invoice.status = Status.PAID if settled else Status.OPEN
    invoice.snapshot = parties_of(invoice)
    invoice.finalized_at = timezone.now()
    invoice.save()
    postings.invoice_finalized(invoice)
    event(invoice, "finalized", actor, data={"number": invoice.number})
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="invoice.finalize",
        obj=invoice,
        details={"number": invoice.number, "total": str(invoice.total)},
    )
    return invoice


@transaction.atomic
def invoice_mark_viewed(*, invoice: Invoice) -> None:
    if Invoice.objects.filter(pk=invoice.pk, viewed_at__isnull=True).update(
        viewed_at=timezone.now()
    ):
        event(invoice, "viewed")


@transaction.atomic
def invoice_void(*, invoice: Invoice, actor: User, reason: str = "") -> Invoice:
    """Void an unpaid invoice: its number stays used (never reused), its billable work is
    released so it can be invoiced again."""
    invoice = lock_invoice(invoice)
    if invoice.status == Status.VOID:
        return invoice
    if invoice.status == Status.DRAFT:
        raise ValidationError("Delete a draft instead of voiding it.")
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise ValidationError(
            "A credit note cannot be voided: it already moved the money it credits."
        )
    if invoice.amount_paid != 0:
        raise ValidationError("This invoice has payments: refund or credit them first.")
    if invoice.amount_credited != 0:
        raise ValidationError("This invoice has credit notes: it is settled through them.")
    invoice.status = Status.VOID
    invoice.voided_at = timezone.now()
    invoice.save(update_fields=["status", "voided_at"])
    postings.invoice_voided(invoice, on=invoice.workspace.today())
    engagement_services.billing_release(workspace=invoice.workspace, claimed_for=invoice.claim_ref)
    event(invoice, "voided", actor, data={"reason": reason})
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="invoice.void",
        obj=invoice,
        details={"reason": reason},
    )
    return invoice


@transaction.atomic
def invoice_mark_uncollectible(*, invoice: Invoice, actor: User) -> Invoice:
    invoice = lock_invoice(invoice)
    if invoice.status == Status.UNCOLLECTIBLE:
        return invoice
    if invoice.status not in (Status.OPEN, Status.PARTIALLY_PAID):
        raise ValidationError("Only an open invoice can be written off.")
    amount = invoice.amount_due
    invoice.status = Status.UNCOLLECTIBLE
    invoice.amount_written_off += amount
    invoice.save(update_fields=["status", "amount_written_off"])
    postings.invoice_written_off(invoice, amount, on=invoice.workspace.today())
    event(invoice, "uncollectible", actor, data={"amount": str(amount)})
    audit_record(
        workspace=invoice.workspace, actor=actor, action="invoice.uncollectible", obj=invoice
    )
    return invoice


@transaction.atomic
def credit_note_create(
    *, invoice: Invoice, actor: User, amount: Decimal | None = None, reason: str
) -> Invoice:
    """A finalised credit note against a finalised invoice: the whole remaining amount
    (full) or part of it. It reduces what is due; beyond that it becomes client credit."""
    lock_client(invoice.client_id)
    invoice = lock_invoice(invoice)
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status in (Status.DRAFT, Status.VOID):
        raise ValidationError("Credit notes are issued against finalised invoices.")
    creditable = invoice.total - credited_total(invoice)
    amount = quantize(amount if amount is not None else creditable, invoice.currency)
    if amount <= 0 or amount > creditable:
        raise ValidationError({"amount": f"Credit between 0 and {creditable}."})
    note = Invoice.objects.create(
        workspace=invoice.workspace,
        kind=Invoice.Kind.CREDIT_NOTE,
        client=invoice.client,
        credits=invoice,
        currency=invoice.currency,
        notes=reason,
        created_by=actor,
    )
    InvoiceLine.objects.create(
        workspace=invoice.workspace,
        invoice=note,
        position=1,
        description=f"Credit against {invoice.number}: {reason}"[:500],
        quantity=Decimal(1),
        unit_price=amount,
    )
    recalculate(note)
    note = invoice_finalize(invoice=note, actor=actor)
    to_due = min(amount, invoice.amount_due)
    allocations = [
        allocate(source=note, invoice=target, amount=part, client_id=invoice.client_id, kind=kind)
        for target, part, kind in (
            (invoice, to_due, Allocation.Kind.CREDIT_NOTE),
            (None, amount - to_due, Allocation.Kind.CREDIT_NOTE_EXCESS),
        )
        if part > 0
    ]
    refresh_invoice(invoice)
    postings.credit_note_issued(note, allocations)
    event(
        invoice,
        "credited",
        actor,
        data={"note": note.number, "amount": str(amount), "credit": str(amount - to_due)},
    )
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="credit_note.create",
        obj=note,
        details={"invoice": invoice.number, "amount": str(amount)},
    )
    return note
