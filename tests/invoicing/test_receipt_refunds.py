"""Money sent back out of a received payment (`receipt_refund`): unapplied credit first,
then the invoices it paid; never more than the payment; and credit given back cannot be
spent again."""

import contextlib
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.models import Invoice, Receipt
from tests.invoicing.schedule_helpers import open_invoice

pytestmark = pytest.mark.django_db
DAY = open_invoice.__globals__["RUN_DAY"]


def card_receipt(invoice, amount):
    return services.receipt_record(
        invoice=invoice,
        actor=None,
        amount=D(amount),
        received_on=DAY,
        method=Receipt.Method.STRIPE,
        settled_to={"stripe_balance": D(amount)},
        whatever_its_state=True,
    )


def back(receipt, amount, reason="Refund"):
    return services.receipt_refund(
        receipt=receipt,
        amount=D(amount),
        on=DAY,
        reason=reason,
        settled_from={"stripe_balance": D(amount)},
    )


def test_a_refund_gives_back_the_unapplied_credit_first_and_it_cannot_be_spent_again(personas):
    with workspace_scope(personas.a):
        first = open_invoice(personas, due=DAY, amount="100")
        receipt = card_receipt(first, "150.00")  # 50 over: the client's credit
        assert services.client_credit_balance(client=first.client, currency="USD") == D("50.00")
        back(receipt, "50.00")
        assert services.client_credit_balance(client=first.client, currency="USD") == D(0)
        first.refresh_from_db()
        assert first.status == Invoice.Status.PAID  # the invoice keeps its payment
        # A second invoice of the same client finds no credit from that payment left.
        draft = services.invoice_create_draft(
            workspace=personas.a, actor=personas.alice, client=first.client
        )
        services.invoice_line_save(
            invoice=draft,
            actor=personas.alice,
            description="More",
            quantity=D(1),
            unit_price=D("40"),
        )
        second = services.invoice_finalize(invoice=draft, actor=personas.alice)
        # "No credit to apply" is as good as applying nothing.
        with contextlib.suppress(ValidationError):
            services.client_credit_apply(invoice=second, actor=personas.alice)
        second.refresh_from_db()
        assert second.amount_due == D("40.00")


def test_refunds_reopen_the_invoice_and_never_exceed_the_payment(personas):
    with workspace_scope(personas.a):
        invoice = open_invoice(personas, due=DAY, amount="100")
        receipt = card_receipt(invoice, "100.00")
        back(receipt, "30.00")
        invoice.refresh_from_db()
        assert (invoice.status, invoice.amount_due) == (Invoice.Status.PARTIALLY_PAID, D("30.00"))
        with pytest.raises(ValidationError, match="At most 70"):
            back(receipt, "70.01")
        back(receipt, "70.00")
        invoice.refresh_from_db()
        assert (invoice.status, invoice.amount_due) == (Invoice.Status.OPEN, D("100.00"))
        with pytest.raises(ValidationError):
            back(receipt, "0.01")
        # A card payment is not reversed by hand: it goes back through Stripe.
        with pytest.raises(ValidationError, match="refund it"):
            services.receipt_reverse(receipt=receipt, actor=personas.alice, reason="x")


def test_a_card_payment_on_an_invoice_voided_meanwhile_is_the_clients_credit(personas):
    with workspace_scope(personas.a):
        invoice = open_invoice(personas, due=DAY, amount="100")
        services.invoice_void(invoice=invoice, actor=personas.alice)
        card_receipt(invoice, "100.00")
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.VOID and invoice.amount_paid == 0
        assert services.client_credit_balance(client=invoice.client, currency="USD") == D("100.00")


def test_the_invoice_timeline_says_what_was_refunded_and_why(personas, client):
    from django.urls import reverse

    client.force_login(personas.alice)
    with workspace_scope(personas.a):
        invoice = open_invoice(personas, due=DAY, amount="100")
        back(card_receipt(invoice, "100.00"), "30.00", reason="Late delivery")
        page = reverse("invoicing:invoice_detail", args=[personas.a.slug, invoice.pk])
        body = client.get(page).content.decode()
    assert "Payment refunded" in body
    assert "$30.00: Late delivery" in body
