"""Exactly once under failure and concurrency: a worker that dies after the charge and
before recording it; twenty payers at once on one invoice; auto-charge success, decline,
retry and a crash between Stripe's charge and our commit."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
import stripe
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.tenancy import workspace_scope
from invoicing.models import Invoice, Receipt
from payments import services
from payments.models import CardPayment, SavedCard, WebhookEvent
from payments.services import card_payments as card_payments_module
from tests.payments.conftest import card, open_invoice, raw_deliveries


@pytest.mark.django_db
def test_a_worker_killed_after_the_charge_records_it_once_when_the_sweeper_runs(
    personas, connected, stripe_client, webhook_receiver, webhooks, monkeypatch
):
    invoice = open_invoice(personas, "300.00")
    with workspace_scope(personas.a):
        payment, _ = services.card_payment_start(invoice=invoice)
    stripe_client.v1.payment_intents.confirm(
        payment.intent_id, params={"payment_method": "pm_card_visa"}
    )

    real = card_payments_module._record_success

    def dies_halfway(payment, intent):
        real(payment, intent)  # the receipt is written in the transaction …
        raise SystemExit("worker killed")  # … which never commits

    monkeypatch.setattr(card_payments_module, "_record_success", dies_halfway)
    with pytest.raises(SystemExit):
        webhooks.deliver("payment_intent.succeeded")
    monkeypatch.setattr(card_payments_module, "_record_success", real)
    with workspace_scope(personas.a):
        assert not Receipt.objects.exists()
    # The event was stored before anything else; the sweeper re-drives it.
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.PENDING
    WebhookEvent.objects.filter(pk=event.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert services.events_sweep() == 1
    # And the webhook delivered again (Stripe retries) changes nothing more.
    payload, signature = raw_deliveries(webhook_receiver, "payment_intent.succeeded")[0]
    assert webhooks.post(payload, signature).status_code == 200
    assert services.events_sweep() == 0
    with workspace_scope(personas.a):
        assert Receipt.objects.count() == 1
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID


@pytest.mark.django_db(transaction=True)
def test_twenty_payers_at_once_cannot_overpay(personas, connected, stripe_client):
    invoice = open_invoice(personas, "500.00")
    started, errors = [], []

    def start():
        try:
            with workspace_scope(personas.a):
                started.append(services.card_payment_start(invoice=invoice))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    # One intent, shared: whoever confirms first pays; the rest find it paid.
    assert len({payment.intent_id for payment, _ in started}) == 1
    intent_id = started[0][0].intent_id
    outcomes = []

    def pay():
        try:
            stripe_client.v1.payment_intents.confirm(
                intent_id, params={"payment_method": "pm_card_visa"}
            )
            outcomes.append("paid")
        except stripe.StripeError:
            outcomes.append("refused")

    threads = [threading.Thread(target=pay) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("paid") == 1
    with workspace_scope(personas.a):
        services.card_payment_sync(payment=started[0][0])
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID and invoice.amount_paid == D("500.00")
        # A new attempt now is refused: nothing is left to pay.
        with pytest.raises(Exception, match="nothing left to pay"):
            services.card_payment_start(invoice=invoice)


@pytest.mark.django_db
def test_a_second_payer_beyond_what_is_due_becomes_visible_client_credit(
    personas, connected, stripe_client
):
    """With part payments allowed, two payers of different amounts can both succeed: the
    excess is the client's credit, shown as such, never lost and never silent."""
    from payments.models import PaymentSettings

    with workspace_scope(personas.a):
        PaymentSettings.objects.create(workspace=personas.a, allow_partial=True)
    invoice = open_invoice(personas, "200.00")
    with workspace_scope(personas.a):
        first, _ = services.card_payment_start(invoice=invoice)
        second, _ = services.card_payment_start(invoice=invoice, amount=D("150.00"))
    for payment in (first, second):
        stripe_client.v1.payment_intents.confirm(
            payment.intent_id, params={"payment_method": "pm_card_visa"}
        )
    with workspace_scope(personas.a):
        for payment in (first, second):
            services.card_payment_sync(payment=payment)
        invoice.refresh_from_db()
        from invoicing.services import client_credit_balance

        assert invoice.status == Invoice.Status.PAID
        assert client_credit_balance(client=invoice.client, currency="USD") == D("150.00")


def _saved_card(personas, stripe_client, number="4242424242424242"):
    """A client with a saved card, saved the way a payer saves it: paying on the link
    with "save this card" ticked."""
    invoice = open_invoice(personas, "10.00")
    with workspace_scope(personas.a):
        payment, _ = services.card_payment_start(invoice=invoice, save_card=True)
    stripe_client.v1.payment_intents.confirm(
        payment.intent_id, params={"payment_method": card(stripe_client, "4242424242424242")}
    )
    with workspace_scope(personas.a):
        services.card_payment_sync(payment=payment)
        saved = SavedCard.objects.get(client=invoice.client, active=True)
    assert saved.last4 == "4242"
    if number != "4242424242424242":  # swap in a card that will fail later
        with workspace_scope(personas.a):
            customer = services.customer_for(invoice.client)
        method = card(stripe_client, number)
        stripe_client.v1.payment_methods.attach(method, params={"customer": customer})
        with workspace_scope(personas.a):
            SavedCard.objects.filter(pk=saved.pk).update(
                payment_method_id=method, last4=number[-4:]
            )
    return invoice.client


@pytest.mark.django_db
def test_auto_charge_pays_a_recurring_invoice_with_the_saved_card_once(
    personas, connected, stripe_client, monkeypatch
):
    client = _saved_card(personas, stripe_client)
    invoice = open_invoice(personas, "120.00", client=client)
    # A crash after Stripe charged and before our commit: the retry is the same charge.
    real = card_payments_module.card_payment_sync
    import payments.services.autocharge as autocharge

    def crash(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(autocharge, "card_payment_sync", crash)
    with workspace_scope(personas.a), pytest.raises(SystemExit):
        services.invoice_autocharge(workspace=personas.a, invoice_id=invoice.pk, attempt=1)
    monkeypatch.setattr(autocharge, "card_payment_sync", real)
    with workspace_scope(personas.a):
        assert not CardPayment.objects.filter(origin="auto").exists()  # rolled back
        assert (
            services.invoice_autocharge(workspace=personas.a, invoice_id=invoice.pk, attempt=1)
            == "paid"
        )
        assert (
            services.invoice_autocharge(workspace=personas.a, invoice_id=invoice.pk, attempt=1)
            == "settled"
        )
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
        payment = CardPayment.objects.get(origin="auto")
    # Stripe made one PaymentIntent for it, whatever the crash.
    intents = stripe_client.v1.payment_intents.list(params={"limit": 100})
    mine = [i for i in intents.data if i.metadata.to_dict().get("invoice") == str(invoice.pk)]
    assert [i.id for i in mine] == [payment.intent_id]


@pytest.mark.django_db
def test_auto_charge_decline_emails_both_sides_and_retries_on_schedule(
    personas, connected, stripe_client, django_capture_on_commit_callbacks, inline_tasks
):
    client = _saved_card(personas, stripe_client, number="4000000000000341")
    invoice = open_invoice(personas, "90.00", client=client)
    with workspace_scope(personas.a), django_capture_on_commit_callbacks(execute=True):
        outcome = services.invoice_autocharge(
            workspace=personas.a, invoice_id=invoice.pk, attempt=1
        )
    assert outcome == "declined"
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        f"Auto-charge declined: invoice {invoice.number}",
        f"Your card was declined for invoice {invoice.number}",
    ]
    client_mail = next(m for m in mail.outbox if m.to == ["ap@client.example"])
    assert "/i/" in client_mail.body  # the link to pay by hand
    # Not before a day has passed; then attempt 2.
    assert services.autocharge_retries_queue() == 0
    later = timezone.now() + dt.timedelta(days=1, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.autocharge_retries_queue(now=later) == 1
    with workspace_scope(personas.a):
        attempts = list(CardPayment.objects.filter(origin="auto").order_by("attempt"))
        assert [(p.attempt, p.status) for p in attempts] == [
            (1, "requires_payment_method"),
            (2, "requires_payment_method"),
        ]
        # The client updates the card: the third attempt pays.
        good = card(stripe_client, "4242424242424242")
        stripe_client.v1.payment_methods.attach(
            good, params={"customer": services.customer_for(invoice.client)}
        )
        SavedCard.objects.filter(client=client).update(payment_method_id=good)
        assert (
            services.invoice_autocharge(workspace=personas.a, invoice_id=invoice.pk, attempt=3)
            == "paid"
        )
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
