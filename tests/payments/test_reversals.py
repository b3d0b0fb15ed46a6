"""Refunds and disputes give back each part of a card payment pro rata (what landed, the
fee, the benefits share) and reopen the invoice; a payout that fails comes back to the
Stripe balance and tells the owner. All through devstripe's events."""

from decimal import Decimal as D

import pytest
from django.core import mail
from hypothesis import given
from hypothesis import strategies as st

from accounts.tenancy import workspace_scope
from invoicing.models import Invoice
from ledger.balances import balance
from payments import services
from payments.models import CardDispute, PaymentSettings, Payout
from payments.shares import Split, payment_split, refund_split
from tests.payments.conftest import open_invoice, post_test_control

pytestmark = pytest.mark.django_db


def paid_by_card(personas, stripe_client, amount="1000.00", percent="10"):
    with workspace_scope(personas.a):
        PaymentSettings.objects.update_or_create(
            workspace=personas.a, defaults={"benefits_percent": D(percent)}
        )
    invoice = open_invoice(personas, amount)
    with workspace_scope(personas.a):
        payment, _ = services.card_payment_start(invoice=invoice)
    stripe_client.v1.payment_intents.confirm(
        payment.intent_id, params={"payment_method": "pm_card_visa"}
    )
    with workspace_scope(personas.a):
        return invoice, services.card_payment_sync(payment=payment)


def books(workspace):
    return {
        code: balance(workspace=workspace, code=code, currency="USD")
        for code in (
            "stripe_balance",
            "stripe_fees",
            "benefits_custody",
            "cash",
            "payouts_in_transit",
        )
    }


def test_refunds_give_back_each_part_pro_rata_and_all_of_it_in_the_end(
    personas, connected, stripe_client
):
    invoice, payment = paid_by_card(personas, stripe_client)
    # 1000.00: fee 29.30, share 100.00, landed 870.70.
    assert (payment.processing_fee, payment.benefits_share) == (D("29.30"), D("100.00"))
    with workspace_scope(personas.a):
        refund = services.card_refund_create(
            payment=payment, actor=personas.alice, amount=D("333.33"), reason="Scope cut"
        )
        assert refund.receipt.amount == D("-333.33")
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PARTIALLY_PAID
        assert invoice.amount_due == D("333.33")
        # floor(29.30 × 333.33/1000) = 9.76; floor(100 × 0.33333) = 33.33; the rest landed.
        assert books(personas.a) == {
            "stripe_balance": D("870.70") - (D("333.33") - D("9.76") - D("33.33")),
            "stripe_fees": D("29.30") - D("9.76"),
            "benefits_custody": D("100.00") - D("33.33"),
            "cash": D(0),
            "payouts_in_transit": D(0),
        }
        with pytest.raises(Exception, match="At most"):
            services.card_refund_create(
                payment=payment, actor=personas.alice, amount=D("700.00"), reason="Too much"
            )
        services.card_refund_create(
            payment=payment, actor=personas.alice, amount=None, reason="All"
        )
        assert all(value == 0 for value in books(personas.a).values())
        invoice.refresh_from_db()
        assert invoice.amount_due == D("1000.00") and invoice.status == Invoice.Status.OPEN
    # Stripe agrees the whole charge is refunded.
    charge = stripe_client.v1.charges.retrieve(payment.charge_id)
    assert charge.amount_refunded == 100000


def test_a_dispute_withdraws_then_a_won_dispute_reinstates(
    personas, connected, stripe_client, stripe_server, webhooks
):
    invoice, payment = paid_by_card(personas, stripe_client, amount="200.00", percent="0")
    post_test_control(
        stripe_server, f"/_test/charges/{payment.charge_id}/dispute", {"reason": "fraudulent"}
    )
    response, _ = webhooks.deliver("charge.dispute.created")
    assert response.status_code == 200
    with workspace_scope(personas.a):
        dispute = CardDispute.objects.get()
        assert dispute.status == "needs_response" and dispute.evidence_due_by is not None
        invoice.refresh_from_db()
        assert invoice.amount_due == D("200.00")  # the money left: owed again
        assert books(personas.a)["stripe_balance"] == 0
    post_test_control(
        stripe_server, f"/_test/disputes/{dispute.dispute_id}/close", {"status": "won"}
    )
    webhooks.deliver("charge.dispute.closed")
    with workspace_scope(personas.a):
        dispute.refresh_from_db()
        assert dispute.outcome == "Won" and dispute.reinstatement is not None
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
        assert books(personas.a)["stripe_balance"] == D("200.00") - payment.processing_fee


def test_a_lost_dispute_keeps_the_money_withdrawn(
    personas, connected, stripe_client, stripe_server, webhooks
):
    invoice, payment = paid_by_card(personas, stripe_client, amount="80.00", percent="0")
    dispute = post_test_control(stripe_server, f"/_test/charges/{payment.charge_id}/dispute", {})
    post_test_control(stripe_server, f"/_test/disputes/{dispute['id']}/close", {"status": "lost"})
    webhooks.deliver("charge.dispute.closed")  # the close first: still ends right
    webhooks.deliver("charge.dispute.created")
    with workspace_scope(personas.a):
        row = CardDispute.objects.get()
        assert row.outcome == "Lost" and row.reinstatement is None
        invoice.refresh_from_db()
        assert invoice.amount_due == D("80.00")


def test_a_failed_payout_comes_back_to_the_balance_and_tells_the_owner(
    personas, connected, stripe_client, stripe_server, webhooks
):
    paid_by_card(personas, stripe_client, amount="500.00", percent="0")
    with workspace_scope(personas.a):
        payout = services.payout_request(
            workspace=personas.a, actor=personas.alice, amount=D("400.00"), currency="USD"
        )
        assert payout.status == "pending"
        assert books(personas.a)["payouts_in_transit"] == D("400.00")
    post_test_control(stripe_server, f"/_test/payouts/{payout.payout_id}/failed", {})
    webhooks.deliver("payout.failed")
    with workspace_scope(personas.a):
        payout.refresh_from_db()
        assert payout.status == "failed" and payout.posted_failed
        assert books(personas.a)["payouts_in_transit"] == 0
        assert books(personas.a)["stripe_balance"] == D("500.00") - D("14.80")
    assert [m.subject for m in mail.outbox] == ["A Stripe payout of $400.00 failed"]
    # A paid one arrives in the bank.
    with workspace_scope(personas.a):
        again = services.payout_request(
            workspace=personas.a, actor=personas.alice, amount=D("100.00"), currency="USD"
        )
    post_test_control(stripe_server, f"/_test/payouts/{again.payout_id}/paid", {})
    webhooks.deliver("payout.paid", lambda e: e.data.object.id == again.payout_id)
    with workspace_scope(personas.a):
        assert Payout.objects.get(pk=again.pk).posted_paid
        assert books(personas.a)["cash"] == D("100.00")


amounts = st.decimals(min_value=D("1.00"), max_value=D("100000.00"), places=2)


@given(
    amount=amounts,
    percent=st.decimals(min_value=0, max_value=50, places=2),
    cuts=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=6),
)
def test_refund_parts_always_sum_to_the_payment_parts(amount, percent, cuts):
    """Whatever the refunds, each part given back never exceeds what it held, and
    refunding everything gives back each part exactly."""
    split = payment_split(
        amount=amount, currency="USD", invoice_total=amount, contribution=D(0), own_percent=percent
    )
    assert split.benefits_share + split.processing_fee <= amount or amount < D("1.00")
    whole = Split(amount, split.benefits_share, split.processing_fee)
    refunded, share, fee = D(0), D(0), D(0)
    total = sum(cuts)
    for i, cut in enumerate(cuts):
        part = (
            (amount * cut / total).quantize(D("0.01")) if i < len(cuts) - 1 else amount - refunded
        )
        part = min(part, amount - refunded)
        if part <= 0:
            continue
        back = refund_split(payment=whole, currency="USD", refunded_before=refunded, amount=part)
        assert back.benefits_share >= 0 and back.processing_fee >= 0
        refunded, share, fee = (
            refunded + part,
            share + back.benefits_share,
            fee + back.processing_fee,
        )
        assert share <= whole.benefits_share and fee <= whole.processing_fee
    assert refunded == amount
    assert (share, fee) == (whole.benefits_share, whole.processing_fee)
