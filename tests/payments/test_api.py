"""The payments API: card payments with their split, refunds (201, the invoice reopened),
payouts (201, on the ledger), the Stripe account's status, tenancy, and 4xx where the
workspace has no account or Stripe is out of reach."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from invoicing.models import Invoice
from payments.models import CardRefund, Payout, StripeAccount
from tests.payments.ui_fixtures import *  # noqa: F403
from tests.payments.ui_fixtures import connect_account, open_invoice, paid_by_card

pytestmark = [pytest.mark.django_db]


def api_url(p, name, workspace=None, **kwargs):
    return reverse(f"payments_api:{name}", kwargs={"workspace": (workspace or p.a).slug, **kwargs})


@pytest.fixture
def paid(personas, ui_connected, stripe_client):
    invoice = open_invoice(personas, amount="300.00")
    return invoice, paid_by_card(stripe_client, invoice)


def test_card_payments_are_listed_filtered_by_invoice_and_retrieved(api_as, personas, paid):
    invoice, payment = paid
    open_invoice(personas)  # another invoice, no card payment
    api = api_as(personas.alice)
    listed = api.get(api_url(personas, "card-payment-list"), {"invoice": invoice.pk}).json()
    assert [row["id"] for row in listed["results"]] == [payment.pk]
    row = api.get(api_url(personas, "card-payment-detail", pk=payment.pk)).json()
    assert row["status"] == "succeeded"
    assert row["amount"] == "300.00"
    assert Decimal(row["landed"]) == payment.landed
    assert Decimal(row["processing_fee"]) + Decimal(row["benefits_share"]) + Decimal(
        row["landed"]
    ) == Decimal("300.00")
    assert row["refunds"] == [] and row["disputes"] == []
    other = open_invoice(personas)
    empty = api.get(api_url(personas, "card-payment-list"), {"invoice": other.pk}).json()
    assert empty["results"] == []


def test_a_refund_through_the_api_is_201_and_reopens_the_invoice(api_as, personas, paid):
    invoice, payment = paid
    api = api_as(personas.alice)
    response = api.post(
        api_url(personas, "card-payment-refund", pk=payment.pk),
        {"amount": "100.00", "reason": "Goodwill"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "100.00" and body["status"] == "succeeded"
    assert body["reason"] == "Goodwill"
    with scopes_disabled():
        assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PARTIALLY_PAID
    again = api.post(
        api_url(personas, "card-payment-refund", pk=payment.pk), {"amount": "500.00"}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["errors"][0]["attr"] == "amount"
    # The rest, with no amount.
    rest = api.post(api_url(personas, "card-payment-refund", pk=payment.pk), {}, format="json")
    assert rest.status_code == 201
    assert rest.json()["amount"] == "200.00"
    row = api.get(api_url(personas, "card-payment-detail", pk=payment.pk)).json()
    assert [r["amount"] for r in row["refunds"]] == ["100.00", "200.00"]


def test_an_amount_as_a_number_is_refused(api_as, personas, paid):
    _invoice, payment = paid
    response = api_as(personas.alice).post(
        api_url(personas, "card-payment-refund", pk=payment.pk), {"amount": 10}, format="json"
    )
    assert response.status_code == 400
    with scopes_disabled():
        assert not CardRefund.objects.exists()


def test_payouts_are_requested_and_listed(api_as, personas, paid, ui_connected):
    api = api_as(personas.alice)
    response = api.post(
        api_url(personas, "payout-list"), {"amount": "20.00", "currency": "USD"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "20.00"
    listed = api.get(api_url(personas, "payout-list")).json()
    assert [p["payout_id"] for p in listed["results"]] == [response.json()["payout_id"]]
    too_much = api.post(
        api_url(personas, "payout-list"), {"amount": "100000.00", "currency": "USD"}, format="json"
    )
    assert too_much.status_code == 400
    # A member reads payouts but does not request them.
    bob = api_as(personas.bob)
    assert bob.get(api_url(personas, "payout-list")).status_code == 200
    refused = bob.post(
        api_url(personas, "payout-list"), {"amount": "1.00", "currency": "USD"}, format="json"
    )
    assert refused.status_code == 403
    with scopes_disabled():
        assert Payout.objects.count() == 1


def test_the_stripe_account_status(api_as, personas, ui_stripe):
    api = api_as(personas.alice)
    body = api.get(api_url(personas, "stripe-account-list")).json()
    assert body["state"] == "not_connected" and body["account_id"] is None
    account = connect_account(personas.a, personas.alice, ui_stripe)
    body = api.get(api_url(personas, "stripe-account-list")).json()
    assert body["state"] == "enabled"
    assert body["account_id"] == account.account_id
    assert body["charges_enabled"] and body["payouts_enabled"]


def test_without_an_account_or_without_stripe_the_answers_are_4xx(api_as, personas, settings):
    api = api_as(personas.alice)
    no_account = api.post(
        api_url(personas, "payout-list"), {"amount": "1.00", "currency": "USD"}, format="json"
    )
    assert no_account.status_code == 400
    with scopes_disabled():
        StripeAccount.objects.create(
            workspace=personas.a, account_id="acct_gone", payouts_enabled=True
        )
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_SECRET_KEY = "sk_test_devstripe"
    unreachable = api.post(
        api_url(personas, "payout-list"), {"amount": "1.00", "currency": "USD"}, format="json"
    )
    assert unreachable.status_code == 409


def test_another_workspaces_payments_are_404(api_as, personas, paid, ui_stripe, stripe_client):
    invoice, payment = paid
    connect_account(personas.b, personas.charlie, ui_stripe)
    b_invoice = open_invoice(personas, workspace=personas.b, actor=personas.charlie)
    b_payment = paid_by_card(stripe_client, b_invoice)
    api = api_as(personas.alice)
    assert api.get(api_url(personas, "card-payment-detail", pk=b_payment.pk)).status_code == 404
    refund = api.post(api_url(personas, "card-payment-refund", pk=b_payment.pk), {}, format="json")
    assert refund.status_code == 404
    listed = api.get(api_url(personas, "card-payment-list")).json()
    assert [row["id"] for row in listed["results"]] == [payment.pk]
    # Charlie on A's URLs: 404.
    charlie = api_as(personas.charlie)
    assert charlie.get(api_url(personas, "card-payment-detail", pk=payment.pk)).status_code == 404
    with scopes_disabled():
        assert not CardRefund.objects.exists()
