"""Money received: payments, their reversals, and the client's credit (overpayments and
credit notes beyond what was due), used towards later invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from core.money import ZERO, quantize
from engagements.models import Client
from invoicing.models import (
    ClientCredit,
    Invoice,
    Payment,
)
from invoicing.services.events import event
from invoicing.services.exchange_rates import rate_to_base
from invoicing.services.state import (
    Status,
    lock_invoice,
    settle_status,
)


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    actor: User | None,
    amount: Decimal,
    received_on: dt.date,
    method: str,
    reference: str = "",
) -> Payment:
    """Record money received. Beyond what is due, the rest becomes client credit."""
    invoice = lock_invoice(invoice)
    if invoice.status not in (Status.OPEN, Status.PARTIALLY_PAID):
        raise ValidationError("Payments are recorded on open invoices.")
    if method not in Payment.Method.values:
        raise ValidationError({"method": "Choose a payment method."})
    amount = quantize(amount, invoice.currency)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    applied = min(amount, invoice.amount_due)
    excess = amount - applied
    rate = rate_to_base(workspace=invoice.workspace, currency=invoice.currency, on=received_on)
    payment: Payment = Payment.objects.create(
        workspace=invoice.workspace,
        invoice=invoice,
        amount=applied,
        currency=invoice.currency,
        received_on=received_on,
        method=method,
        reference=reference,
        rate_to_base=rate,
        base_amount=quantize(applied * rate, invoice.workspace.base_currency) if rate else None,
        recorded_by=actor,
    )
    if excess > 0:
        ClientCredit.objects.create(
            workspace=invoice.workspace,
            client=invoice.client,
            currency=invoice.currency,
            amount=excess,
            reason=f"Overpayment of {invoice.number}",
            invoice=invoice,
        )
    invoice.amount_paid += applied
    settle_status(invoice)
    invoice.save(update_fields=["amount_paid", "status"])
    event(
        invoice,
        "payment",
        actor,
        data={"amount": str(applied), "method": method, "credit": str(excess) if excess else ""},
    )
    if invoice.status == Status.PAID:
        event(invoice, "paid", actor)
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="payment.record",
        obj=payment,
        details={"amount": str(amount), "excess": str(excess)},
    )
    return payment


@transaction.atomic
def payment_reverse(*, payment: Payment, actor: User, reason: str) -> Payment:
    """Undo a payment recorded by mistake with a negative entry; the original stays."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.amount <= 0 or Payment.objects.filter(reverses=payment).exists():
        raise ValidationError("This payment is already reversed.")
    invoice = lock_invoice(payment.invoice)
    reversal: Payment = Payment.objects.create(
        workspace=payment.workspace,
        invoice=invoice,
        amount=-payment.amount,
        currency=payment.currency,
        received_on=timezone.localdate(),
        method=payment.method,
        reference=f"Reversal: {reason}"[:120],
        reverses=payment,
        rate_to_base=payment.rate_to_base,
        base_amount=-payment.base_amount if payment.base_amount is not None else None,
        recorded_by=actor,
    )
    if payment.method == Payment.Method.CREDIT:  # the client's credit comes back
        ClientCredit.objects.create(
            workspace=invoice.workspace,
            client=invoice.client,
            currency=invoice.currency,
            amount=payment.amount,
            reason=f"Reversal of credit applied to {invoice.number}",
            invoice=invoice,
        )
    invoice.amount_paid -= payment.amount
    settle_status(invoice)
    invoice.save(update_fields=["amount_paid", "status"])
    event(
        invoice,
        "payment_reversed",
        actor,
        data={"amount": str(payment.amount), "reason": reason},
    )
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="payment.reverse",
        obj=reversal,
        details={"reason": reason},
    )
    return reversal


def client_credit_balance(*, client: Client, currency: str) -> Decimal:
    return (
        ClientCredit.objects.filter(client=client, currency=currency).aggregate(s=Sum("amount"))[
            "s"
        ]
        or ZERO
    )


@transaction.atomic
def client_credit_apply(*, invoice: Invoice, actor: User) -> Payment | None:
    """Use the client's credit in the invoice's currency towards it."""
    invoice = lock_invoice(invoice)
    Client.objects.select_for_update().filter(pk=invoice.client_id).first()
    balance = client_credit_balance(client=invoice.client, currency=invoice.currency)
    use = min(balance, invoice.amount_due)
    if use <= 0:
        return None
    ClientCredit.objects.create(
        workspace=invoice.workspace,
        client=invoice.client,
        currency=invoice.currency,
        amount=-use,
        reason=f"Applied to {invoice.number}",
        invoice=invoice,
    )
    return payment_record(
        invoice=invoice,
        actor=actor,
        amount=use,
        received_on=timezone.localdate(),
        method=Payment.Method.CREDIT,
    )
