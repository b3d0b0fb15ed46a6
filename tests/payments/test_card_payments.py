"""A card payment from the link to "paid", with the ledger right, through devstripe and
its real signed webhooks; 3-D Secure; the same events many times and in any order."""

import random
from decimal import Decimal as D

import pytest

from accounts.tenancy import workspace_scope
from invoicing.models import Invoice, Receipt
from ledger.balances import balance
from payments import services
from payments.models import CardRefund, PaymentSettings, WebhookEvent
from tests.payments.conftest import card, open_invoice, raw_deliveries

pytestmark = [pytest.mark.django_db]


def confirm(stripe_client, payment, card="pm_card_visa"):
    return stripe_client.v1.payment_intents.confirm(
        payment.intent_id, params={"payment_method": card}
    )


def code_balance(workspace, code, currency="USD"):
    return balance(workspace=workspace, code=code, currency=currency)


def test_a_card_payment_from_the_link_ends_paid_with_the_ledger_right(
    personas, connected, stripe_client, webhook_receiver, webhooks
):
    p = personas
    with workspace_scope(p.a):
        PaymentSettings.objects.create(workspace=p.a, benefits_percent=D("5"))
    invoice = open_invoice(p, "1000.00")
    with workspace_scope(p.a):
        payment, secret = services.card_payment_start(invoice=invoice)
    assert secret.startswith(payment.intent_id)
    # 2.9 % + 0.30 fee, 5 % benefits share, the rest lands in the connected account.
    assert (payment.processing_fee, payment.benefits_share) == (D("29.30"), D("50.00"))
    confirm(stripe_client, payment)

    response, _ = webhooks.deliver("payment_intent.succeeded")
    assert response.status_code == 200

    with workspace_scope(p.a):
        invoice.refresh_from_db()
        payment.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
        assert payment.status == "succeeded" and payment.receipt.amount == D("1000.00")
        assert payment.receipt.method == Receipt.Method.STRIPE
        assert code_balance(p.a, "stripe_balance") == D("920.70")
        assert code_balance(p.a, "stripe_fees") == D("29.30")
        assert code_balance(p.a, "benefits_custody") == D("50.00")
        assert code_balance(p.a, "cash") == D(0)  # card money never lands in cash
    # Stripe agrees: the transfer to the connected account is what landed.
    intent = stripe_client.v1.payment_intents.retrieve(payment.intent_id)
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge)
    transfer = stripe_client.v1.transfers.retrieve(charge.transfer)
    assert transfer.amount == 92070 and transfer.destination == connected.account_id


def test_three_d_secure_needs_authentication_then_pays(
    personas, connected, stripe_client, stripe_server, webhook_receiver, webhooks
):
    import json
    import urllib.request

    invoice = open_invoice(personas, "250.00")
    with workspace_scope(personas.a):
        payment, secret = services.card_payment_start(invoice=invoice)
    intent = confirm(stripe_client, payment, card(stripe_client, "4000002500003155"))
    assert intent.status == "requires_action"
    with workspace_scope(personas.a):
        services.card_payment_sync(payment=payment)
        payment.refresh_from_db()
        assert payment.status == "requires_action" and payment.receipt is None
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.OPEN
    # The cardholder completes the challenge (what Stripe.js's modal does).
    body = json.dumps({"key": "pk_test_devstripe", "client_secret": secret}).encode()
    urllib.request.urlopen(  # noqa: S310
        urllib.request.Request(
            f"{stripe_server.url}/v1/payment_intents/{payment.intent_id}/_authenticate?success=true",
            data=body,
            method="POST",
        ),
        timeout=10,
    ).close()
    webhooks.deliver("payment_intent.succeeded")
    with workspace_scope(personas.a):
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID


def test_a_declined_card_leaves_the_invoice_open_and_says_why(
    personas, connected, stripe_client, webhook_receiver, webhooks
):
    import stripe

    invoice = open_invoice(personas, "80.00")
    with workspace_scope(personas.a):
        payment, _ = services.card_payment_start(invoice=invoice)
    with pytest.raises(stripe.CardError):
        confirm(stripe_client, payment, card(stripe_client, "4000000000000002"))
    with workspace_scope(personas.a):
        services.card_payment_sync(payment=payment)
        payment.refresh_from_db()
        invoice.refresh_from_db()
    assert payment.status == "requires_payment_method" and payment.failure_message
    assert invoice.status == Invoice.Status.OPEN and payment.receipt is None


def test_the_same_events_fifty_times_in_shuffled_order_record_once(
    personas, connected, stripe_client, webhook_receiver, webhooks
):
    p = personas
    invoice = open_invoice(p, "400.00")
    with workspace_scope(p.a):
        payment, _ = services.card_payment_start(invoice=invoice)
    confirm(stripe_client, payment)
    intent = stripe_client.v1.payment_intents.retrieve(payment.intent_id)
    # A partial refund made in Stripe's own dashboard, before we heard of the payment.
    stripe_client.v1.refunds.create(
        params={
            "charge": intent.latest_charge,
            "amount": 10000,
            "reverse_transfer": True,
            "refund_application_fee": True,
        }
    )
    webhook_receiver.wait_for("payment_intent.succeeded")
    webhook_receiver.wait_for("charge.refunded")
    deliveries = raw_deliveries(webhook_receiver, "payment_intent.succeeded", "charge.refunded")
    assert len(deliveries) == 2
    sequence = deliveries * 50
    random.Random(20261203).shuffle(sequence)
    # The refund's event first: it must still end right.
    sequence.sort(key=lambda d: b"charge.refunded" not in d[0])
    for payload, signature in sequence:
        assert webhooks.post(payload, signature).status_code == 200
    assert WebhookEvent.objects.count() == 2
    assert sum(WebhookEvent.objects.values_list("times_received", flat=True)) == 100
    with workspace_scope(p.a):
        assert Receipt.objects.filter(card_payment=payment).count() == 1
        assert CardRefund.objects.filter(payment=payment).count() == 1
        receipts = list(Receipt.objects.order_by("pk").values_list("amount", flat=True))
        assert receipts == [D("400.00"), D("-100.00")]
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PARTIALLY_PAID
        assert invoice.amount_due == D("100.00")


def test_a_bad_or_missing_signature_is_400_and_stores_nothing(
    personas, connected, stripe_client, webhook_receiver, webhooks
):
    invoice = open_invoice(personas, "50.00")
    with workspace_scope(personas.a):
        payment, _ = services.card_payment_start(invoice=invoice)
    confirm(stripe_client, payment)
    webhook_receiver.wait_for("payment_intent.succeeded")
    payload, signature = raw_deliveries(webhook_receiver, "payment_intent.succeeded")[0]
    forged = signature.replace("v1=", "v1=0")
    tampered = payload.replace(b'"amount": 5000', b'"amount": 1')
    for body, sig in [
        (payload, None),
        (payload, forged),
        (payload, "t=1,v1=abc"),
        (tampered, signature),
        (b"{not json", signature),
    ]:
        assert webhooks.post(body, sig).status_code == 400
    assert WebhookEvent.objects.count() == 0
    with workspace_scope(personas.a):
        assert not Receipt.objects.exists()
