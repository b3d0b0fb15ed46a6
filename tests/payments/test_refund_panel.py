"""The invoice page's card payments section: the split of each payment, a refund made
from the page (a negative receipt, the invoice reopened, the ledger checked clean by the
autouse fixture), disputes with their evidence deadline, and who may refund."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from invoicing.models import Invoice, Receipt
from payments import services, stripe_api
from payments.models import CardRefund
from tests.payments.ui_fixtures import *  # noqa: F403
from tests.payments.ui_fixtures import open_invoice, paid_by_card, post_test_control

pytestmark = [pytest.mark.django_db]


def detail(p, invoice):
    return reverse("invoicing:invoice_detail", args=[p.a.slug, invoice.pk])


def refund_url(p, invoice, payment):
    return reverse("payments:card_refund", args=[p.a.slug, invoice.pk, payment.pk])


@pytest.fixture
def paid(personas, ui_connected, stripe_client):
    invoice = open_invoice(personas, amount="400.00")
    return invoice, paid_by_card(stripe_client, invoice)


def test_the_invoice_page_shows_the_card_payment_and_its_split(client, personas, paid):
    invoice, payment = paid
    client.force_login(personas.alice)
    html = client.get(detail(personas, invoice)).content.decode()
    assert f'data-card-payment="{payment.pk}"' in html
    assert "$400.00" in html
    assert f"${payment.processing_fee:,.2f}" in html
    assert f"${payment.landed:,.2f}" in html
    assert refund_url(personas, invoice, payment) in html
    # An invoice without card payments has no such section.
    other = open_invoice(personas)
    assert 'id="card-payments"' not in client.get(detail(personas, other)).content.decode()


def test_a_part_refund_from_the_page_reopens_the_invoice(client, personas, paid):
    invoice, payment = paid
    client.force_login(personas.alice)
    response = client.post(
        refund_url(personas, invoice, payment),
        {"amount": "150.00", "reason": "Session cancelled"},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Refund of $150.00 made to the card" in html
    assert "data-refunds" in html and "Session cancelled" in html
    with scopes_disabled():
        refund = CardRefund.objects.get(payment=payment)
        invoice = Invoice.objects.get(pk=invoice.pk)
        assert refund.status == "succeeded"
        assert refund.receipt is not None
        assert refund.receipt.amount == Decimal("-150.00")
        assert Receipt.objects.filter(invoice=invoice, amount__lt=0).count() == 1
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert invoice.amount_due == Decimal("150.00")
    # What is left to refund is the form's default now.
    assert 'value="250.00"' in html


def test_an_empty_amount_refunds_the_rest(client, personas, paid):
    invoice, payment = paid
    client.force_login(personas.alice)
    client.post(refund_url(personas, invoice, payment), {"amount": "", "reason": ""})
    with scopes_disabled():
        assert CardRefund.objects.get(payment=payment).amount == Decimal("400.00")
        invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.status == Invoice.Status.OPEN
    html = client.get(detail(personas, invoice)).content.decode()
    assert refund_url(personas, invoice, payment) not in html  # nothing left to refund


def test_more_than_was_paid_is_refused_with_a_message(client, personas, paid):
    invoice, payment = paid
    client.force_login(personas.alice)
    response = client.post(
        refund_url(personas, invoice, payment), {"amount": "400.01"}, follow=True
    )
    assert "Refund not made: At most $400.00 can still be refunded." in response.content.decode()
    with scopes_disabled():
        assert not CardRefund.objects.exists()
        assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID


def test_a_dispute_shows_its_evidence_deadline_and_outcome(client, personas, paid, ui_stripe):
    invoice, payment = paid
    dispute = post_test_control(ui_stripe, f"/_test/charges/{payment.charge_id}/dispute", {})
    with workspace_scope(personas.a):
        row = services.dispute_sync(
            payment=payment, dispute=stripe_api.dispute_retrieve(dispute["id"])
        )
    assert row.evidence_due_by is not None
    client.force_login(personas.alice)
    html = client.get(detail(personas, invoice)).content.decode()
    assert "data-disputes" in html
    assert "evidence due by" in html
    assert row.evidence_due_by.strftime("%b %-d, %Y") in html
    post_test_control(ui_stripe, f"/_test/disputes/{dispute['id']}/close", {"status": "won"})
    with workspace_scope(personas.a):
        services.dispute_sync(payment=payment, dispute=stripe_api.dispute_retrieve(dispute["id"]))
    html = client.get(detail(personas, invoice)).content.decode()
    assert "<strong>Won</strong>" in html


def test_readers_see_payments_but_cannot_refund(client, personas, paid):
    invoice, payment = paid
    client.force_login(personas.andy)  # an accountant: reads
    html = client.get(detail(personas, invoice)).content.decode()
    assert f'data-card-payment="{payment.pk}"' in html
    assert refund_url(personas, invoice, payment) not in html
    response = client.post(refund_url(personas, invoice, payment), {"amount": "1.00"})
    assert response.status_code == 403
    with scopes_disabled():
        assert not CardRefund.objects.exists()


def test_a_payment_of_another_invoice_is_404(client, personas, paid):
    invoice, payment = paid
    other = open_invoice(personas)
    client.force_login(personas.alice)
    response = client.post(refund_url(personas, other, payment), {"amount": "1.00"})
    assert response.status_code == 404
