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
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum

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
from invoicing.services.state import REMINDABLE, Status, ensure_owed, lock_invoice


@transaction.atomic
def receipt_record(
    *,
    invoice: Invoice,
    actor: User | None,
    amount: Decimal,
    received_on: dt.date,
    method: str,
    reference: str = "",
    settled_to: Mapping[str, Decimal] | None = None,
    whatever_its_state: bool = False,
) -> Receipt:
    """Record money received against an invoice. Beyond what is due, the rest becomes the
    client's credit. Income counts the whole receipt, on its date.

    `settled_to` says where the money landed, as ledger codes and amounts summing to it
    (default: all of it in `cash`); a card payment lands in the Stripe balance, less the
    fee and the benefits share. `whatever_its_state`: money that already arrived (a card
    payment confirmed by Stripe) is recorded even if the invoice was paid, voided or
    written off meanwhile; what the invoice no longer owes becomes the client's credit."""
    ensure_sane_dates(received_on=received_on)
    lock_client(invoice.client_id)
    invoice = lock_invoice(invoice)
    if not whatever_its_state:
        ensure_owed(invoice, "Payments are recorded on open invoices.")
    if method not in Receipt.Method.values:
        raise ValidationError({"method": "Choose a payment method."})
    amount = quantize(amount, invoice.currency)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    owed = invoice.amount_due if invoice.status in REMINDABLE else ZERO
    applied = max(ZERO, min(amount, owed))
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
    postings.receipt_posted(receipt, allocations, settled_to=_settled(settled_to, amount))
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
    if receipt.method == Receipt.Method.STRIPE:
        raise ValidationError(
            "A card payment is returned through Stripe: refund it from the invoice instead."
        )
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


def _settled(settled_to: Mapping[str, Decimal] | None, amount: Decimal) -> dict[str, Decimal]:
    if settled_to is None:
        return {"cash": amount}
    if sum(settled_to.values(), ZERO) != amount:
        raise ValueError(f"where the money landed ({settled_to}) does not sum to {amount}")
    return dict(settled_to)


@transaction.atomic
def receipt_refund(
    *,
    receipt: Receipt,
    amount: Decimal,
    on: dt.date,
    reason: str,
    settled_from: Mapping[str, Decimal],
    actor: User | None = None,
    action: str = "payment.refund",
) -> Receipt:
    """Money sent back out of a received payment (a card refund, a dispute's withdrawal):
    a negative receipt `refund_of` the original that undoes `amount` of where it went,
    the client's unapplied credit from it first, then the invoices it paid (the latest
    first, the one it was recorded on last), which reopen by that much. `settled_from`
    says which ledger accounts the money left, as positive amounts summing to `amount`.
    Several refunds of one payment never exceed it."""
    ensure_sane_dates(on=on)
    lock_client(receipt.client_id)
    receipt = Receipt.objects.select_for_update().select_related("workspace").get(pk=receipt.pk)
    if receipt.amount <= 0 or receipt.refund_of_id is not None:
        raise ValidationError("Only a payment received can be refunded.")
    if Receipt.objects.filter(reverses=receipt).exists():
        raise ValidationError("This payment is already reversed.")
    amount = quantize(amount, receipt.currency)
    refunded = -(Receipt.objects.filter(refund_of=receipt).aggregate(s=Sum("amount"))["s"] or ZERO)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    if amount > receipt.amount - refunded:
        raise ValidationError(
            {"amount": f"At most {receipt.amount - refunded} of this payment is left to refund."}
        )
    settled = _settled({code: -value for code, value in settled_from.items()}, -amount)
    net: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for row in (
        Allocation.objects.filter(Q(receipt=receipt) | Q(receipt__refund_of=receipt))
        .values("invoice")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        net[row["invoice"]] += row["total"]
    order = [None] + sorted(
        (k for k in net if k is not None and k != receipt.invoice_id), reverse=True
    )
    if receipt.invoice_id in net:
        order.append(receipt.invoice_id)
    takes: list[tuple[int | None, Decimal]] = []
    left = amount
    for target in order:
        take = min(max(net[target], ZERO), left)
        if take > 0:
            takes.append((target, take))
            left -= take
    if left != 0:
        raise ValueError(f"receipt {receipt.pk}: its allocations cannot give back {amount}")
    invoices = {
        i.pk: i
        for i in Invoice.objects.select_for_update()
        .filter(pk__in=[t for t, _ in takes if t])
        .order_by("pk")
    }
    refund: Receipt = Receipt.objects.create(
        workspace=receipt.workspace,
        client_id=receipt.client_id,
        invoice=receipt.invoice,
        amount=-amount,
        currency=receipt.currency,
        received_on=on,
        method=receipt.method,
        reference=reason[:120],
        refund_of=receipt,
        rate_to_base=receipt.rate_to_base,
        base_amount=quantize(-amount * receipt.rate_to_base, receipt.workspace.base_currency)
        if receipt.rate_to_base
        else None,
        recorded_by=actor,
    )
    allocations = [
        allocate(
            source=refund,
            invoice=invoices[target] if target else None,
            amount=-take,
            client_id=receipt.client_id,
            kind=Allocation.Kind.REFUND,
        )
        for target, take in takes
    ]
    postings.receipt_posted(refund, allocations, settled_to=settled)
    for invoice in invoices.values():
        refresh_invoice(invoice)
        taken = sum((t for target, t in takes if target == invoice.pk), ZERO)
        event(invoice, "payment_refunded", actor, data={"amount": str(taken), "reason": reason})
    audit_record(
        workspace=receipt.workspace,
        actor=actor,
        action=action,
        obj=refund,
        details={"amount": str(amount), "reason": reason, "of": receipt.pk},
    )
    return refund


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
