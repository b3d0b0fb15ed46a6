"""Refunds asked for here (the invoice page, the API): a `CardRefund` row first, then
Stripe's refund with an idempotency key of that row, so a retry never refunds twice. The
money is recorded when Stripe says the refund succeeded (`card_payment_sync`), which for
a card is at once."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from core.money import format_money, quantize
from payments import stripe_api
from payments.models import CardPayment, CardRefund
from payments.services.card_payments import (
    card_payment_sync,
    lock_for_money,
    refunded_so_far,
)


@transaction.atomic
def card_refund_create(
    *, payment: CardPayment, actor: User, amount: Decimal | None, reason: str
) -> CardRefund:
    lock_for_money(client_id=payment.client_id, invoice_id=payment.invoice_id)
    payment = CardPayment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
    if payment.receipt_id is None or not payment.charge_id:
        raise ValidationError("Only a card payment that succeeded can be refunded.")
    pending = sum(
        (r.amount for r in CardRefund.objects.filter(payment=payment, receipt__isnull=True)),
        Decimal(0),
    )
    left = payment.amount - refunded_so_far(payment) - pending
    amount = left if amount is None else quantize(amount, payment.currency)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    if amount > left:
        raise ValidationError(
            {"amount": f"At most {format_money(left, payment.currency)} can still be refunded."}
        )
    refund: CardRefund = CardRefund.objects.create(
        workspace=payment.workspace,
        payment=payment,
        amount=amount,
        reason=(reason or "Refund")[:200],
        requested_by=actor,
    )
    try:
        remote = stripe_api.refund_create(
            key=f"cardrefund:{refund.pk}",
            charge_id=payment.charge_id,
            amount=amount,
            currency=payment.currency,
            ref=str(refund.pk),
        )
    except stripe_api.InvalidRequestError as exc:
        raise ValidationError(exc.user_message or "Stripe refused this refund.") from exc
    refund.refund_id = remote["id"]
    refund.status = remote["status"]
    refund.save(update_fields=["refund_id", "status"])
    audit_record(
        workspace=payment.workspace,
        actor=actor,
        action="payment.refund_request",
        obj=refund,
        details={"amount": str(amount), "reason": refund.reason},
    )
    card_payment_sync(payment=payment)
    refund.refresh_from_db()
    return refund
