"""The professional's invoice page once card payments exist: an invoice without payment
instructions is payable by card, so no "no way to pay" warning; a card payment's receipt
is refunded through Stripe, never reversed by hand, and its refund reads as one."""

from decimal import Decimal as D

import pytest

from accounts.tenancy import workspace_scope
from invoicing import services as invoicing
from payments import services
from tests.factories import ClientFactory
from tests.payments.conftest import connect, open_invoice

pytestmark = pytest.mark.django_db
WARNING = "no way to pay"


def _page(client, personas, invoice):
    client.force_login(personas.alice)
    return client.get(f"/w/{personas.a.slug}/invoices/{invoice.pk}/").content.decode()


def _draft(p):
    with workspace_scope(p.a):
        customer = ClientFactory(workspace=p.a, currency="USD")
        draft = invoicing.invoice_create_draft(workspace=p.a, actor=p.alice, client=customer)
        invoicing.invoice_line_save(
            invoice=draft, actor=p.alice, description="Work", unit_price=D("100")
        )
        return draft


def test_without_card_payments_the_draft_warns_and_with_them_it_does_not(
    client, personas, stripe_settings, stripe_server
):
    draft = _draft(personas)
    assert WARNING in _page(client, personas, draft)
    connect(personas.a, personas.alice, stripe_server)
    assert WARNING not in _page(client, personas, draft)


def test_a_card_receipt_offers_no_hand_reversal_and_its_refund_is_labelled(
    client, personas, connected, stripe_client
):
    invoice = open_invoice(personas, "60.00")
    with workspace_scope(personas.a):
        payment, _ = services.card_payment_start(invoice=invoice)
    stripe_client.v1.payment_intents.confirm(
        payment.intent_id, params={"payment_method": "pm_card_visa"}
    )
    with workspace_scope(personas.a):
        payment = services.card_payment_sync(payment=payment)
    page = _page(client, personas, invoice)
    assert 'title="Refund it under Card payments">By card</span>' in page
    assert f"/payments/{payment.receipt_id}/reverse/" not in page
    with workspace_scope(personas.a):
        services.card_refund_create(
            payment=payment, actor=personas.alice, amount=D("10.00"), reason="Discount"
        )
    page = _page(client, personas, invoice)
    assert '<span class="badge badge-danger plain">Refund</span>' in page
