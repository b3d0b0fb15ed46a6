"""Payments' rows checked against the ledger by `ledger_check` (and after every test):

- every card payment Stripe reported as succeeded is recorded as exactly one receipt of
  its amount, and every recorded refund as a negative receipt of its amount;
- the Stripe-side accounts (Stripe balance, fees, benefits custody) moved by receipts
  equal the card receipts, per currency: card money never lands in `cash`;
- what is in transit to the bank equals the payouts sent and not yet arrived or failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q, Sum

from accounts.models import Workspace
from invoicing.models import Receipt
from ledger.checks import Problem, register_check, totals_differ
from ledger.models import Entry
from payments.models import CardPayment, CardRefund, Payout

STRIPE_SIDE = ["stripe_balance", "stripe_fees", "benefits_custody"]
RECEIPT_KINDS = ["receipt", "receipt.reverse", "receipt.refund"]


def _where(workspace: Workspace | None) -> Q:
    return Q(workspace=workspace) if workspace is not None else Q()


def _problem(
    ws: int, check: str, subject: str, expected: object, actual: object, msg: str
) -> Problem:
    return Problem(ws, check, subject, str(expected), str(actual), msg)


def card_payments_recorded(workspace: Workspace | None) -> Iterable[Problem]:
    rows = CardPayment.objects.filter(_where(workspace), status="succeeded").values_list(
        "workspace_id", "pk", "amount", "receipt__amount"
    )
    for ws, pk, amount, received in rows.iterator():
        if received != amount:
            yield _problem(
                ws,
                "card_payments_recorded",
                f"card payment {pk}",
                amount,
                received,
                "a succeeded card payment is not recorded as one receipt of its amount",
            )
    refunds = CardRefund.objects.filter(_where(workspace), receipt__isnull=False).values_list(
        "workspace_id", "pk", "amount", "receipt__amount"
    )
    for ws, pk, amount, received in refunds.iterator():
        if received != -amount:
            yield _problem(
                ws,
                "card_payments_recorded",
                f"card refund {pk}",
                -amount,
                received,
                "a recorded refund is not a negative receipt of its amount",
            )


def stripe_side_is_card_receipts(workspace: Workspace | None) -> Iterable[Problem]:
    received = {
        (ws, cur): total
        for ws, cur, total in Receipt.objects.filter(
            _where(workspace), method=Receipt.Method.STRIPE
        )
        .values_list("workspace_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    posted = {
        (ws, cur): total
        for ws, cur, total in Entry.objects.filter(
            _where(workspace), account__code__in=STRIPE_SIDE, transaction__kind__in=RECEIPT_KINDS
        )
        .values_list("workspace_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    yield from totals_differ(
        "stripe_side_is_card_receipts",
        received,
        posted,
        subject="stripe {}",
        message="the Stripe balance, fees and benefits custody differ from the card receipts",
    )


def in_transit_is_payouts(workspace: Workspace | None) -> Iterable[Problem]:
    expected: dict[tuple[int, str], Decimal] = {}
    for ws, cur, total in (
        Payout.objects.filter(
            _where(workspace), posted_sent=True, posted_paid=False, posted_failed=False
        )
        .values_list("workspace_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        expected[(ws, cur)] = total
    actual = {
        (ws, cur): total
        for ws, cur, total in Entry.objects.filter(
            _where(workspace), account__code="payouts_in_transit"
        )
        .values_list("workspace_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    yield from totals_differ(
        "in_transit_is_payouts",
        expected,
        actual,
        subject="in transit {}",
        message="payouts in transit differ from the payouts sent and not yet settled",
    )


def register() -> None:
    for check in (card_payments_recorded, stripe_side_is_card_receipts, in_transit_is_payouts):
        register_check(f"payments.{check.__name__}", check)
