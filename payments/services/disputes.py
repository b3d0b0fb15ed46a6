"""Disputes (chargebacks): when one opens, the disputed amount leaves the balance as a
refund would (the invoice reopens by it, each part of the payment given back pro rata);
if it is won, the amount comes back as a new receipt split as the payment was; if lost,
nothing more moves. Derived from the dispute as Stripe reports it, so events in any order
or repeated record each movement once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from core.money import ZERO
from invoicing import services as invoicing
from invoicing.models import Receipt
from payments import stripe_api
from payments.models import CardDispute, CardPayment
from payments.services.card_payments import (
    _day,
    card_payment_sync,
    money_back,
    refunded_so_far,
)

OPEN = {"warning_needs_response", "warning_under_review", "needs_response", "under_review"}


@transaction.atomic
def dispute_sync(*, payment: CardPayment, dispute: Any) -> CardDispute:
    payment = card_payment_sync(payment=payment)
    row = CardDispute.objects.select_for_update().filter(dispute_id=dispute["id"]).first()
    amount = stripe_api.money(dispute["amount"], payment.currency)
    evidence = dispute.get("evidence_details") or {}
    due_by = evidence.get("due_by")
    if row is None:
        row = CardDispute(workspace=payment.workspace, payment=payment, dispute_id=dispute["id"])
    row.amount = amount
    row.reason = str(dispute.get("reason") or "")[:64]
    row.status = str(dispute.get("status") or "")
    row.evidence_due_by = dt.datetime.fromtimestamp(int(due_by), tz=dt.UTC) if due_by else None
    row.save()
    if payment.receipt is None:
        return row  # the charge never succeeded: nothing was recorded to withdraw
    on = _day(dispute.get("created"), payment.workspace)
    if row.withdrawal_id is None:
        left = payment.amount - refunded_so_far(payment)
        take = min(amount, left)
        if take > ZERO:
            row.withdrawal = money_back(
                payment=payment,
                amount=take,
                on=on,
                reason=f"Disputed by the cardholder ({row.reason or 'no reason given'})",
                action="payment.dispute",
            )
            row.save(update_fields=["withdrawal", "updated_at"])
    if row.status == "won" and row.withdrawal_id and row.reinstatement_id is None:
        assert row.withdrawal is not None
        back = -row.withdrawal.amount
        share = _part_back(row, "benefits_custody")
        fee = _part_back(row, "stripe_fees")
        row.reinstatement = invoicing.receipt_record(
            invoice=payment.invoice,
            actor=None,
            amount=back,
            received_on=payment.workspace.today(),
            method=Receipt.Method.STRIPE,
            reference=f"Dispute won: {row.dispute_id}",
            settled_to={
                "stripe_balance": back - share - fee,
                "stripe_fees": fee,
                "benefits_custody": share,
            },
            whatever_its_state=True,
        )
        row.save(update_fields=["reinstatement", "updated_at"])
    return row


def _part_back(row: CardDispute, code: str) -> Any:
    """What the withdrawal took from `code`, read from its ledger posting."""
    from ledger.models import Entry

    total = ZERO
    for entry in Entry.objects.filter(
        transaction__ref=f"receipt:{row.withdrawal_id}", account__code=code
    ):
        total += entry.amount
    return -total
