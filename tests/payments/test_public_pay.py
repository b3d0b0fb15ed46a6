"""The client's "Pay by card" on the invoice link: the panel on /i/<token>/ and the two
JSON endpoints its script calls, against devstripe through the real SDK."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.tenancy import workspace_scope
from invoicing import services as invoicing
from invoicing.models import Invoice
from payments.models import CardPayment, PaymentSettings
from tests.factories import ClientFactory
from tests.payments.conftest import connect
from tests.stripe_fixtures import stripe_server  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_devstripe(stripe_settings):
    cache.clear()  # the rate limit's counters
    return stripe_settings


@pytest.fixture
def a(personas):
    with workspace_scope(personas.a):
        yield personas


def chargeable(p, handle):
    return connect(p.a, p.alice, handle)


def issued(p, price="120.00", *, workspace=None, actor=None):
    workspace, actor = workspace or p.a, actor or p.alice
    client = ClientFactory(workspace=workspace, currency="USD")
    invoice = invoicing.invoice_create_draft(
        workspace=workspace, actor=actor, client=client, currency="USD"
    )
    invoicing.invoice_line_save(
        invoice=invoice, actor=actor, description="Work", unit_price=D(price)
    )
    invoice = invoicing.invoice_finalize(invoice=invoice, actor=actor)
    token = invoicing.invoice_link_issue(invoice=invoice, actor=actor)
    return invoice, token


def start(client, token, body=None, **extra):
    return client.post(
        reverse("payments:invoice_pay", args=[token]),
        data=json.dumps(body or {}),
        content_type="application/json",
        **extra,
    )


def status(client, token, payment_id, **extra):
    return client.post(
        reverse("payments:invoice_pay_status", args=[token, payment_id]),
        content_type="application/json",
        **extra,
    )


def confirm(stripe_server, payment, method="pm_card_visa"):  # noqa: F811
    """What Stripe.js does in the browser: confirm the intent with a card."""
    import stripe

    client = stripe.StripeClient(
        api_key="sk_test_devstripe", base_addresses={"api": stripe_server.url}
    )
    # A decline raises; the intent keeps the error, which the status endpoint reads.
    with contextlib.suppress(stripe.CardError):
        client.v1.payment_intents.confirm(payment.intent_id, params={"payment_method": method})


def test_the_page_shows_the_panel_only_when_the_workspace_takes_cards(client, a, stripe_server):  # noqa: F811
    invoice, token = issued(a)
    page = reverse("invoicing:invoice_public", args=[token])

    response = client.get(page)
    assert response.status_code == 200
    assert b"Pay by card" not in response.content
    assert "js.stripe.com" not in response["Content-Security-Policy"]

    chargeable(a, stripe_server)
    response = client.get(page)
    body = response.content.decode()
    assert "Pay by card" in body
    assert "Save this card for future invoices" in body
    assert 'id="pay-amount"' not in body  # partial payments are off by default
    assert ">Pay $120.00</button>" in body
    assert f'src="{stripe_server.url}/js.stripe.com/v3/" nonce="' in body
    csp = response["Content-Security-Policy"]
    for directive in ("script-src", "connect-src", "frame-src"):
        part = next(p for p in csp.split(";") if p.strip().startswith(directive + " "))
        assert stripe_server.url in part, directive
        assert "'self'" in part, directive  # the page's own fetches still allowed
    assert "csrftoken" in response.cookies

    # Another page keeps the strict policy.
    assert stripe_server.url not in client.get(reverse("landing"))["Content-Security-Policy"]

    PaymentSettings.objects.create(workspace=a.a, allow_partial=True)
    body = client.get(page).content.decode()
    assert 'id="pay-amount"' in body
    assert 'value="120.00"' in body
    assert ">Pay by card</button>" in body


def test_a_paid_invoice_shows_no_panel(client, a, stripe_server):  # noqa: F811
    chargeable(a, stripe_server)
    invoice, token = issued(a)
    response = start(client, token)
    payment = CardPayment.objects.get(pk=response.json()["payment"])
    confirm(stripe_server, payment)
    assert status(client, token, payment.pk).json()["status"] == "paid"
    body = client.get(reverse("invoicing:invoice_public", args=[token])).content.decode()
    assert "Paid in full" in body
    assert "Pay by card" not in body


def test_start_then_status_records_the_payment_at_once(client, a, stripe_server):  # noqa: F811
    chargeable(a, stripe_server)
    invoice, token = issued(a)

    response = start(client, token, {"save_card": False})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["publishable_key"] == "pk_test_devstripe"
    assert data["client_secret"].startswith("pi_")
    payment = CardPayment.objects.get(pk=data["payment"])
    assert payment.invoice == invoice and payment.amount == D("120.00")
    assert data["status_url"] == reverse("payments:invoice_pay_status", args=[token, payment.pk])

    confirm(stripe_server, payment)
    response = status(client, token, payment.pk)
    assert response.status_code == 200
    assert response.json()["status"] == "paid"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID  # recorded without waiting for the webhook


def test_a_declined_card_answers_failed_with_stripes_message(client, a, stripe_server):  # noqa: F811
    chargeable(a, stripe_server)
    invoice, token = issued(a)
    payment = CardPayment.objects.get(pk=start(client, token).json()["payment"])

    confirm(stripe_server, payment, "pm_card_visa_chargeDeclined")
    data = status(client, token, payment.pk).json()

    assert data["status"] == "failed"
    assert "declined" in data["message"].lower()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN


def test_a_partial_amount_when_the_workspace_allows_it(client, a, stripe_server):  # noqa: F811
    chargeable(a, stripe_server)
    invoice, token = issued(a)
    # Off: an amount is ignored, the whole amount due is charged.
    response = start(client, token, {"amount": "50.00"})
    assert CardPayment.objects.get(pk=response.json()["payment"]).amount == D("120.00")

    PaymentSettings.objects.create(workspace=a.a, allow_partial=True)
    response = start(client, token, {"amount": "50.00"})
    assert response.status_code == 200
    part = CardPayment.objects.get(pk=response.json()["payment"])
    assert part.amount == D("50.00")
    # Paid, and the page says truthfully what is still due; then the rest settles it.
    confirm(stripe_server, part)
    answer = status(client, token, part.pk).json()
    assert answer == {
        "status": "paid",
        "message": "Paid — thank you. $70.00 of this invoice is still due.",
    }
    rest = CardPayment.objects.get(pk=start(client, token, {"amount": "70.00"}).json()["payment"])
    confirm(stripe_server, rest)
    assert (
        status(client, token, rest.pk).json()["message"]
        == "Paid — thank you. This invoice is settled."
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("500.00", "At most $120.00 is due."),
        ("0.10", "The smallest card payment is"),
        ("-3", "Enter an amount above zero."),
        ("lots", "Enter an amount."),
        (["1"], "Enter an amount."),
    ],
)
def test_a_bad_amount_is_a_400_with_a_message(client, a, stripe_server, amount, message):  # noqa: F811
    chargeable(a, stripe_server)
    PaymentSettings.objects.create(workspace=a.a, allow_partial=True)
    _, token = issued(a)
    response = start(client, token, {"amount": amount})
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not CardPayment.objects.exists()


def test_not_payable_is_a_400(client, a, stripe_server):  # noqa: F811
    invoice, token = issued(a)
    response = start(client, token)  # no connected account yet
    assert response.status_code == 400
    assert response.json()["error"] == "This business does not take card payments yet."

    chargeable(a, stripe_server)
    invoicing.invoice_void(invoice=invoice, actor=a.alice, reason="Sent twice")
    response = start(client, token)
    assert response.status_code == 400
    assert response.json()["error"] == "This invoice has nothing left to pay."


def test_a_body_that_is_not_json_is_a_400(client, a, stripe_server):  # noqa: F811
    chargeable(a, stripe_server)
    _, token = issued(a)
    response = client.post(
        reverse("payments:invoice_pay", args=[token]), data="{", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "The request was not understood."


def test_a_payment_of_another_invoice_is_a_404(client, a, stripe_server):  # noqa: F811
    chargeable(a, stripe_server)
    _, token = issued(a)
    other, other_token = issued(a, "80.00")
    theirs = start(client, other_token).json()["payment"]
    assert status(client, token, theirs).status_code == 404
    assert status(client, other_token, theirs).status_code == 200
    assert status(client, token, 999_999).status_code == 404
    assert start(client, "not-a-token").status_code == 404


def test_a_revoked_or_replaced_link_cannot_pay(client, a, stripe_server):  # noqa: F811
    chargeable(a, stripe_server)
    invoice, token = issued(a)
    invoicing.invoice_link_issue(invoice=invoice, actor=a.alice)
    assert start(client, token).status_code == 404


def test_get_is_not_allowed(client, a, stripe_server):  # noqa: F811
    _, token = issued(a)
    assert client.get(reverse("payments:invoice_pay", args=[token])).status_code == 405


def test_the_pay_endpoints_check_csrf(a, stripe_server):  # noqa: F811

    chargeable(a, stripe_server)
    _, token = issued(a)
    strict = Client(enforce_csrf_checks=True)
    assert start(strict, token).status_code == 403
    page = strict.get(reverse("invoicing:invoice_public", args=[token]))
    csrf = page.cookies["csrftoken"].value
    assert start(strict, token, HTTP_X_CSRFTOKEN=csrf).status_code == 200


def test_the_link_shares_the_pages_rate_limit_keyed_on_the_trusted_address(
    client,
    a,
    stripe_server,  # noqa: F811
    settings,
):
    from core.ratelimit import PUBLIC_RATE_LIMIT

    settings.TRUSTED_PROXY_COUNT = 1
    chargeable(a, stripe_server)
    _, token = issued(a)
    page = reverse("invoicing:invoice_public", args=[token])
    for i in range(PUBLIC_RATE_LIMIT - 1):
        # The client rotates the part of X-Forwarded-For it writes: still one address.
        assert client.get(page, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 203.0.113.7").status_code == 200
    assert start(client, token, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7").status_code == 200
    refused = start(client, token, HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.7")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert status(client, token, 1, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7").status_code == 429
    # Another address has its own budget.
    assert start(client, token, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_the_demo_takes_cards_only_with_a_stripe_stand_in(settings, stripe_server):  # noqa: F811
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import Workspace
    from payments.models import StripeAccount

    settings.STRIPE_API_BASE = ""
    call_command("seed_demo", stdout=StringIO())
    demo = Workspace.objects.get(slug="demo")
    with workspace_scope(demo):
        assert not StripeAccount.objects.exists()

    settings.STRIPE_API_BASE = stripe_server.url
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)  # still idempotent
    with workspace_scope(demo):
        account = StripeAccount.objects.get()
        assert account.charges_enabled
        assert "takes cards" in out.getvalue()
        invoice = Invoice.objects.filter(status=Invoice.Status.OPEN).first()
        token = invoicing.invoice_link_issue(invoice=invoice, actor=None)
    body = Client().get(reverse("invoicing:invoice_public", args=[token])).content.decode()
    assert "Pay by card" in body
