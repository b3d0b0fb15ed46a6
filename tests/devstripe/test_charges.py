"""Destination charges with application fees, idempotency keys, declines and off-session
payments."""

import pytest
import stripe

from tests.devstripe.helpers import available, card, destination_charge, onboarded_account

pytestmark = pytest.mark.slow


def test_a_destination_charge_transfers_amount_minus_fee_and_credits_the_account(
    stripe_client, webhook_receiver
):
    account = onboarded_account(stripe_client)

    intent = destination_charge(stripe_client, account.id, amount=10_000, fee=500)

    assert intent.status == "succeeded"
    assert intent.transfer_data.destination == account.id
    assert intent.application_fee_amount == 500
    assert intent.description == "Invoice 2026-0001"
    assert intent.statement_descriptor_suffix == "INV 0001"
    assert isinstance(intent.latest_charge, str)
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.payment_intent, charge.application_fee_amount) == (intent.id, 500)
    assert (charge.amount_refunded, charge.refunded, charge.disputed) == (0, False, False)
    transfer = stripe_client.v1.transfers.retrieve(charge.transfer)
    assert (transfer.amount, transfer.destination, transfer.source_transaction) == (
        9_500,
        account.id,
        charge.id,
    )
    fee = stripe_client.v1.application_fees.retrieve(charge.application_fee)
    assert (fee.amount, fee.account, fee.charge) == (500, account.id, charge.id)
    assert available(stripe_client, account.id) == 9_500
    succeeded = webhook_receiver.wait_for(
        "payment_intent.succeeded", lambda e: e.data.object.id == intent.id
    )
    assert "account" not in succeeded  # a platform event
    # Expanding still works the Stripe way.
    expanded = stripe_client.v1.payment_intents.retrieve(
        intent.id, params={"expand": ["latest_charge"]}
    )
    assert expanded.latest_charge.id == charge.id


def test_the_same_idempotency_key_replays_and_other_params_are_refused(stripe_client):
    account = onboarded_account(stripe_client)
    params = {
        "amount": 2_000,
        "currency": "eur",
        "payment_method": "pm_card_visa",
        "confirm": True,
        "transfer_data": {"destination": account.id},
        "application_fee_amount": 100,
    }
    first = stripe_client.v1.payment_intents.create(
        params=params, options={"idempotency_key": "invoice-7-attempt-1"}
    )
    again = stripe_client.v1.payment_intents.create(
        params=params, options={"idempotency_key": "invoice-7-attempt-1"}
    )

    assert again.id == first.id
    assert available(stripe_client, account.id) == 1_900  # credited once
    with pytest.raises(stripe.IdempotencyError):
        stripe_client.v1.payment_intents.create(
            params={**params, "amount": 3_000},
            options={"idempotency_key": "invoice-7-attempt-1"},
        )


def test_idempotency_keys_are_per_connected_account(stripe_client):
    first, second = onboarded_account(stripe_client), onboarded_account(stripe_client)
    destination_charge(stripe_client, first.id)
    destination_charge(stripe_client, second.id)

    payouts = [
        stripe_client.v1.payouts.create(
            params={"amount": 100, "currency": "eur"},
            options={"stripe_account": account.id, "idempotency_key": "payout-1"},
        )
        for account in (first, second, first)
    ]

    assert payouts[0].id == payouts[2].id != payouts[1].id
    assert available(stripe_client, first.id) == 9_400


def test_a_declined_card_answers_402_card_error_with_the_payment_intent(stripe_client):
    for number in ("4000000000000002", "4000000000000341"):
        with pytest.raises(stripe.CardError) as error:
            stripe_client.v1.payment_intents.create(
                params={
                    "amount": 1_000,
                    "currency": "eur",
                    "payment_method": card(stripe_client, number).id,
                    "confirm": True,
                }
            )
        assert error.value.http_status == 402
        assert error.value.code == "card_declined"
        intent_id = error.value.error.payment_intent.id
        intent = stripe_client.v1.payment_intents.retrieve(intent_id)
        assert intent.status == "requires_payment_method"
        assert intent.last_payment_error.code == "card_declined"


def test_setup_future_usage_saves_the_card_then_off_session_charges_use_it(stripe_client):
    customer = stripe_client.v1.customers.create(params={"email": "client@example.com"})
    method = card(stripe_client, "4242424242424242")

    stripe_client.v1.payment_intents.create(
        params={
            "amount": 1_000,
            "currency": "eur",
            "customer": customer.id,
            "payment_method": method.id,
            "setup_future_usage": "off_session",
            "confirm": True,
        }
    )
    assert stripe_client.v1.payment_methods.retrieve(method.id).customer == customer.id

    intent = stripe_client.v1.payment_intents.create(
        params={
            "amount": 1_000,
            "currency": "eur",
            "customer": customer.id,
            "payment_method": method.id,
            "off_session": True,
            "confirm": True,
        }
    )
    assert intent.status == "succeeded"


def test_off_session_a_card_needing_authentication_fails_with_authentication_required(
    stripe_client,
):
    customer = stripe_client.v1.customers.create(params={"email": "client@example.com"})
    method = card(stripe_client, "4000002500003155")
    stripe_client.v1.payment_methods.attach(method.id, params={"customer": customer.id})

    with pytest.raises(stripe.CardError) as error:
        stripe_client.v1.payment_intents.create(
            params={
                "amount": 1_000,
                "currency": "eur",
                "customer": customer.id,
                "payment_method": method.id,
                "off_session": True,
                "confirm": True,
            }
        )

    assert (error.value.http_status, error.value.code) == (402, "authentication_required")
    intent = stripe_client.v1.payment_intents.retrieve(error.value.error.payment_intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "authentication_required"


def test_off_session_a_card_attached_but_declining_charges_is_card_declined(stripe_client):
    customer = stripe_client.v1.customers.create(params={"email": "client@example.com"})
    method = card(stripe_client, "4000000000000341")
    stripe_client.v1.payment_methods.attach(method.id, params={"customer": customer.id})

    with pytest.raises(stripe.CardError) as error:
        stripe_client.v1.payment_intents.create(
            params={
                "amount": 1_000,
                "currency": "eur",
                "customer": customer.id,
                "payment_method": method.id,
                "off_session": True,
                "confirm": True,
            }
        )
    assert error.value.code == "card_declined"


def test_on_session_a_card_needing_authentication_requires_action(stripe_client):
    intent = stripe_client.v1.payment_intents.create(
        params={
            "amount": 1_000,
            "currency": "eur",
            "payment_method": card(stripe_client, "4000002500003155").id,
            "confirm": True,
        }
    )
    assert intent.status == "requires_action"
    assert intent.next_action.type == "use_stripe_sdk"


def test_a_fee_without_a_destination_is_refused(stripe_client):
    with pytest.raises(stripe.InvalidRequestError, match="application_fee_amount"):
        stripe_client.v1.payment_intents.create(
            params={"amount": 1_000, "currency": "eur", "application_fee_amount": 10}
        )
