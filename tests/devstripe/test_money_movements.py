"""Refunds reversing transfers, payouts of connected balances, disputes."""

import urllib.error

import pytest
import stripe

from tests.devstripe.helpers import available, destination_charge, onboarded_account
from tests.stripe_fixtures import post_test_control

pytestmark = pytest.mark.slow


def test_refunds_reverse_the_transfer_and_fee_pro_rata(stripe_client, webhook_receiver):
    account = onboarded_account(stripe_client)
    intent = destination_charge(stripe_client, account.id, amount=10_000, fee=500)

    refund = stripe_client.v1.refunds.create(
        params={
            "payment_intent": intent.id,
            "amount": 3_333,
            "reverse_transfer": True,
            "refund_application_fee": True,
            "metadata": {"reason": "partial"},
        }
    )

    assert (refund.status, refund.amount, refund.metadata.reason) == ("succeeded", 3_333, "partial")
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (3_333, False)
    assert [r.id for r in charge.refunds.data] == [refund.id]
    transfer = stripe_client.v1.transfers.retrieve(charge.transfer)
    assert transfer.amount_reversed == 9_500 * 3_333 // 10_000  # 3_166
    fee = stripe_client.v1.application_fees.retrieve(charge.application_fee)
    assert fee.amount_refunded == 500 * 3_333 // 10_000  # 166, rounded down
    assert available(stripe_client, account.id) == 9_500 - 3_166
    webhook_receiver.wait_for("charge.refunded", lambda e: e.data.object.id == charge.id)

    # The rest: what is left of transfer and fee goes back whole, no cent stranded.
    stripe_client.v1.refunds.create(
        params={"charge": charge.id, "reverse_transfer": True, "refund_application_fee": True}
    )
    charge = stripe_client.v1.charges.retrieve(charge.id)
    assert (charge.amount_refunded, charge.refunded) == (10_000, True)
    assert stripe_client.v1.transfers.retrieve(charge.transfer).reversed is True
    assert stripe_client.v1.application_fees.retrieve(charge.application_fee).refunded is True
    assert available(stripe_client, account.id) == 0

    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.refunds.create(params={"charge": charge.id, "amount": 1})


def test_a_refund_without_reverse_transfer_leaves_the_connected_balance(stripe_client):
    account = onboarded_account(stripe_client)
    intent = destination_charge(stripe_client, account.id)

    stripe_client.v1.refunds.create(params={"payment_intent": intent.id})

    assert available(stripe_client, account.id) == 9_500


def test_a_payout_is_pending_then_paid(stripe_client, stripe_server, webhook_receiver):
    account = onboarded_account(stripe_client)
    destination_charge(stripe_client, account.id)
    on_account = {"stripe_account": account.id}

    payout = stripe_client.v1.payouts.create(
        params={"amount": 9_000, "currency": "eur"}, options=on_account
    )
    assert (payout.status, payout.amount, payout.automatic) == ("pending", 9_000, False)
    assert available(stripe_client, account.id) == 500
    created = webhook_receiver.wait_for("payout.created", lambda e: e.data.object.id == payout.id)
    assert created.account == account.id

    post_test_control(stripe_server, f"/_test/payouts/{payout.id}/paid")

    assert stripe_client.v1.payouts.retrieve(payout.id, options=on_account).status == "paid"
    paid = webhook_receiver.wait_for("payout.paid", lambda e: e.data.object.id == payout.id)
    assert paid.account == account.id
    assert [p.id for p in stripe_client.v1.payouts.list(options=on_account)] == [payout.id]
    # Scoped to the account: not visible from the platform or another account.
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.payouts.retrieve(payout.id)
    with pytest.raises(urllib.error.HTTPError):
        post_test_control(stripe_server, f"/_test/payouts/{payout.id}/failed")  # not pending


def test_a_failed_payout_returns_the_money(stripe_client, stripe_server, webhook_receiver):
    account = onboarded_account(stripe_client)
    destination_charge(stripe_client, account.id)

    payout = post_test_control(stripe_server, f"/_test/accounts/{account.id}/payouts")
    assert (payout["amount"], payout["automatic"]) == (9_500, True)
    assert available(stripe_client, account.id) == 0

    post_test_control(
        stripe_server, f"/_test/payouts/{payout['id']}/failed", {"failure_code": "account_closed"}
    )

    failed = stripe_client.v1.payouts.retrieve(payout["id"], options={"stripe_account": account.id})
    assert (failed.status, failed.failure_code) == ("failed", "account_closed")
    assert available(stripe_client, account.id) == 9_500
    event = webhook_receiver.wait_for("payout.failed", lambda e: e.data.object.id == payout["id"])
    assert event.account == account.id


def test_a_payout_above_the_available_balance_is_refused(stripe_client):
    account = onboarded_account(stripe_client)
    destination_charge(stripe_client, account.id)

    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe_client.v1.payouts.create(
            params={"amount": 9_501, "currency": "eur"}, options={"stripe_account": account.id}
        )

    assert error.value.code == "balance_insufficient"
    assert available(stripe_client, account.id) == 9_500


def test_a_dispute_takes_the_money_back_and_winning_restores_it(
    stripe_client, stripe_server, webhook_receiver
):
    account = onboarded_account(stripe_client)
    intent = destination_charge(stripe_client, account.id)

    created = post_test_control(
        stripe_server, f"/_test/charges/{intent.latest_charge}/dispute", {"reason": "fraudulent"}
    )

    dispute = stripe_client.v1.disputes.retrieve(created["id"])
    assert (dispute.status, dispute.amount, dispute.charge, dispute.payment_intent) == (
        "needs_response",
        10_000,
        intent.latest_charge,
        intent.id,
    )
    assert dispute.evidence_details.due_by == dispute.created + 7 * 24 * 3600
    assert stripe_client.v1.charges.retrieve(intent.latest_charge).disputed is True
    assert available(stripe_client, account.id) == 0  # the whole transfer (9_500) reversed
    webhook_receiver.wait_for("charge.dispute.created", lambda e: e.data.object.id == dispute.id)
    assert dispute.id in [d.id for d in stripe_client.v1.disputes.list(params={"limit": 100})]

    post_test_control(stripe_server, f"/_test/disputes/{dispute.id}/close", {"status": "won"})

    assert stripe_client.v1.disputes.retrieve(dispute.id).status == "won"
    assert available(stripe_client, account.id) == 9_500
    closed = webhook_receiver.wait_for(
        "charge.dispute.closed", lambda e: e.data.object.id == dispute.id
    )
    assert closed.data.object.status == "won"


def test_a_lost_dispute_keeps_the_money_taken(stripe_client, stripe_server):
    account = onboarded_account(stripe_client)
    intent = destination_charge(stripe_client, account.id)
    created = post_test_control(
        stripe_server, f"/_test/charges/{intent.latest_charge}/dispute", {"amount": 4_000}
    )
    assert available(stripe_client, account.id) == 5_500

    post_test_control(stripe_server, f"/_test/disputes/{created['id']}/close", {"status": "lost"})

    assert stripe_client.v1.disputes.retrieve(created["id"]).status == "lost"
    assert available(stripe_client, account.id) == 5_500


def test_events_of_the_new_types_can_be_listed_and_fetched(stripe_client, stripe_server):
    account = onboarded_account(stripe_client)
    intent = destination_charge(stripe_client, account.id)
    dispute = post_test_control(stripe_server, f"/_test/charges/{intent.latest_charge}/dispute")

    listed = stripe_client.v1.events.list(params={"type": "charge.dispute.created", "limit": 100})

    event = next(e for e in listed.data if e.data.object.id == dispute["id"])
    fetched = stripe_client.v1.events.retrieve(event.id)
    assert fetched.data.object.object == "dispute"
    assert "account" not in fetched  # a platform event
    updated = stripe_client.v1.events.list(params={"type": "account.updated", "limit": 100})
    assert any(e.account == account.id for e in updated.data)
