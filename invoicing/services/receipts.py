"""Money received: receipts and their reversal.

A receipt is everything the client paid; its allocations say where it went (the invoice
it was recorded against, the rest to the client's credit). Reversing a receipt (a bounced
transfer, a payment recorded by mistake) reverses every allocation ever made from it,
including its credit already applied to other invoices: those invoices reopen by that
amount, with a line on their timeline saying why. Money never received pays nothing.
A reopened invoice first takes back any unspent credit of its own credit notes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from accounts.models import User
from accounts.services import audit_record
from core.dates import ensure_sane_dates
from core.money import ZERO, quantize
from invoicing import postings
from invoicing.models import Allocation, Invoice, Receipt
from invoicing.services.allocations import (
    allocate,
    lock_client,
    move_credit,
    moved_to_invoices,
    refresh_invoice,
)
from invoicing.services.events import event
from invoicing.services.exchange_rates import rate_to_base
from invoicing.services.state import Status, ensure_owed, lock_invoice


@transaction.atomic
def receipt_record(
    *,
    invoice: Invoice,
    actor: User | None,
    amount: Decimal,
    received_on: dt.date,
    method: str,
    reference: str = "",
) -> Receipt:
    """Record money received against an invoice. Beyond what is due, the rest becomes the
    client's credit. Income counts the whole receipt, on its date."""
    ensure_sane_dates(received_on=received_on)
    lock_client(invoice.client_id)
    invoice = lock_invoice(invoice)
    ensure_owed(invoice, "Payments are recorded on open invoices.")
    if method not in Receipt.Method.values:
        raise ValidationError({"method": "Choose a payment method."})
    amount = quantize(amount, invoice.currency)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    applied = min(amount, invoice.amount_due)
    excess = amount - applied
    base = invoice.workspace.base_currency
    rate = rate_to_base(workspace=invoice.workspace, currency=invoice.currency, on=received_on)
    receipt: Receipt = Receipt.objects.create(
        workspace=invoice.workspace,
        client_id=invoice.client_id,
        invoice=invoice,
        amount=amount,
        currency=invoice.currency,
        received_on=received_on,
        method=method,
        reference=reference,
        rate_to_base=rate,
        base_amount=quantize(amount * rate, base) if rate else None,
        recorded_by=actor,
    )
    allocations = []
    if applied > 0:
        allocations.append(
            allocate(
                source=receipt,
                invoice=invoice,
                amount=applied,
                client_id=invoice.client_id,
                kind=Allocation.Kind.PAYMENT,
            )
        )
    if excess > 0:
        allocations.append(
            allocate(
                source=receipt,
                invoice=None,
                amount=excess,
                client_id=invoice.client_id,
                kind=Allocation.Kind.OVERPAYMENT,
            )
        )
    refresh_invoice(invoice)
    postings.receipt_posted(receipt, allocations)
    event(
        invoice,
        "payment",
        actor,
        data={
            "amount": str(applied),
            "received": str(amount),
            "method": method,
            "credit": str(excess) if excess else "",
        },
    )
    if invoice.status == Status.PAID:
        event(invoice, "paid", actor)
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="payment.record",
        obj=receipt,
        details={"amount": str(amount), "applied": str(applied), "excess": str(excess)},
    )
    return receipt


@transaction.atomic
def receipt_reverse(
    *, receipt: Receipt, actor: User | None, reason: str, on: dt.date | None = None
) -> Receipt:
    """Undo a receipt with a negative one that reverses each of its allocations."""
    lock_client(receipt.client_id)
    receipt = Receipt.objects.select_for_update().select_related("workspace").get(pk=receipt.pk)
    if receipt.amount <= 0 or Receipt.objects.filter(reverses=receipt).exists():
        raise ValidationError("This payment is already reversed.")
    workspace = receipt.workspace
    on = on or workspace.today()
    net: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for row in receipt.allocations.values("invoice").annotate(total=Sum("amount")):
        net[row["invoice"]] += row["total"]
    invoices = {  # locked in pk order, like every writer of a client's money
        i.pk: i
        for i in Invoice.objects.select_for_update()
        .filter(pk__in=[k for k in net if k])
        .order_by("pk")
    }
    reversal: Receipt = Receipt.objects.create(
        workspace=workspace,
        client_id=receipt.client_id,
        invoice=receipt.invoice,
        amount=-receipt.amount,
        currency=receipt.currency,
        received_on=on,
        method=receipt.method,
        reference=f"Reversal: {reason}"[:120],
        reverses=receipt,
        rate_to_base=receipt.rate_to_base,
        base_amount=-receipt.base_amount if receipt.base_amount is not None else None,
        recorded_by=actor,
    )
    allocations = [
        allocate(
            source=reversal,
            invoice=invoices[invoice_id] if invoice_id else None,
            amount=-total,
            client_id=receipt.client_id,
            kind=Allocation.Kind.REVERSAL,
        )
        for invoice_id, total in sorted(net.items(), key=lambda kv: kv[0] or 0)
        if total != 0
    ]
    postings.receipt_posted(reversal, allocations)
    for invoice_id, invoice in invoices.items():
        refresh_invoice(invoice)
        _take_back_own_credit(invoice, on=on, actor=actor)
        if invoice_id == receipt.invoice_id:
            event(
                invoice,
                "payment_reversed",
                actor,
                data={"amount": str(net[invoice_id]), "reason": reason},
            )
        elif net[invoice_id]:
            event(
                invoice,
                "credit_withdrawn",
                actor,
                data={"amount": str(net[invoice_id]), "reason": reason},
            )
    audit_record(
        workspace=workspace,
        actor=actor,
        action="payment.reverse",
        obj=reversal,
        details={"reason": reason, "amount": str(receipt.amount)},
    )
    return reversal


def _take_back_own_credit(invoice: Invoice, *, on: dt.date, actor: User | None) -> None:
    """A credit note's credit follows its invoice: when the invoice is owed again, the
    unspent credit of its own credit notes goes back to it first."""
    if invoice.amount_due <= 0:
        return
    moved = move_credit(
        invoice=invoice,
        limit=invoice.amount_due,
        kind=Allocation.Kind.CREDIT_RETURNED,
        only=lambda source: isinstance(source, Invoice) and source.credits_id == invoice.pk,
    )
    if moved:
        refresh_invoice(invoice)
        postings.credit_moved(invoice=invoice, allocations=moved, on=on, kind="credit.return")
        event(invoice, "credit_returned", actor, data={"amount": str(moved_to_invoices(moved))})
