"""Events other than a payment's, through the webhook: the Connect account kept current
by `account.updated`, a card saved by a SetupIntent, a decline recorded from
`payment_intent.payment_failed`, and events about nothing of ours ignored."""

import pytest
import stripe

from accounts.tenancy import workspace_scope
from payments import services
from payments.models import SavedCard, StripeAccount, WebhookEvent
from tests.factories import ClientFactory
from tests.payments.conftest import card, open_invoice, post_test_control

pytestmark = pytest.mark.django_db


def test_account_updated_keeps_the_connect_status_current(
    personas, stripe_settings, stripe_server, webhooks
):
    with workspace_scope(personas.a):
        account = services.stripe_account_start(
            workspace=personas.a, actor=personas.alice, country="US"
        )
        assert not account.charges_enabled and account.requirements_due
    post_test_control(
        stripe_server,
        f"/_test/accounts/{account.account_id}",
        {
            "charges_enabled": True,
            "payouts_enabled": True,
            "details_submitted": True,
            "requirements": {
                "currently_due": [],
                "past_due": [],
                "eventually_due": [],
                "disabled_reason": None,
            },
        },
    )
    response, _ = webhooks.deliver("account.updated", lambda e: e.data.object.charges_enabled)
    assert response.status_code == 200
    with workspace_scope(personas.a):
        account = StripeAccount.objects.get()
        assert account.charges_enabled and account.payouts_enabled
        assert account.requirements_due == []
    assert WebhookEvent.objects.filter(type="account.updated", status="processed").exists()


def test_a_card_saved_by_a_setup_intent_becomes_the_clients_card(
    personas, connected, stripe_client, webhooks
):
    with workspace_scope(personas.a):
        client = ClientFactory(workspace=personas.a, currency="USD")
        customer = services.customer_for(client)
    method = card(stripe_client, "4242424242424242")
    intent = stripe_client.v1.setup_intents.create(
        params={"customer": customer, "usage": "off_session"}
    )
    stripe_client.v1.setup_intents.confirm(intent.id, params={"payment_method": method})
    webhooks.deliver("setup_intent.succeeded")
    with workspace_scope(personas.a):
        saved = SavedCard.objects.get(client=client, active=True)
        assert (saved.payment_method_id, saved.last4) == (method, "4242")


def test_a_decline_is_recorded_from_its_event(personas, connected, stripe_client, webhooks):
    invoice = open_invoice(personas, "75.00")
    with workspace_scope(personas.a):
        payment, _ = services.card_payment_start(invoice=invoice)
    with pytest.raises(stripe.CardError):
        stripe_client.v1.payment_intents.confirm(
            payment.intent_id, params={"payment_method": card(stripe_client, "4000000000000002")}
        )
    webhooks.deliver("payment_intent.payment_failed")
    with workspace_scope(personas.a):
        payment.refresh_from_db()
        assert payment.status == "requires_payment_method"
        assert payment.failure_code and payment.failure_message
        assert payment.receipt is None


def test_an_event_about_nothing_of_ours_is_stored_and_ignored(
    personas, stripe_settings, stripe_client, webhooks
):
    # A payment made on the platform outside Portfolio.
    intent = stripe_client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "usd", "payment_method_types": ["card"]}
    )
    stripe_client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    response, event = webhooks.deliver("payment_intent.succeeded")
    assert response.status_code == 200
    assert WebhookEvent.objects.get(event_id=event.id).status == "ignored"
