"""Fixtures of the professional's payments pages and API tests (settings, payouts, the
invoice page's card payments, the API): devstripe through the real SDK, an onboarded
account, an invoice paid by card. Import them into a test module:

    from tests.payments.ui_fixtures import *  # noqa: F403
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal as D

import pytest

from accounts.tenancy import workspace_scope
from invoicing import services as invoicing
from payments import services
from payments.models import CardPayment, StripeAccount
from tests.factories import ClientFactory
from tests.stripe_fixtures import (  # noqa: F401
    PUBLISHABLE_KEY,
    SECRET_KEY,
    post_test_control,
    stripe_client,
    stripe_server,
)

__all__ = [
    "connect_account",
    "onboard_through_devstripe",
    "open_invoice",
    "paid_by_card",
    "post_test_control",
    "stripe_client",
    "stripe_server",
    "ui_connected",
    "ui_stripe",
]


@pytest.fixture
def ui_stripe(settings, stripe_server):  # noqa: F811
    """The app pointed at devstripe."""
    settings.STRIPE_API_BASE = stripe_server.url
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_JS_URL = stripe_server.url + "/js.stripe.com/v3/"
    return stripe_server


def connect_account(workspace, actor, handle) -> StripeAccount:
    """`workspace`'s connected account, onboarded (charges and payouts enabled)."""
    with workspace_scope(workspace):
        account = services.stripe_account_start(workspace=workspace, actor=actor, country="US")
        post_test_control(
            handle,
            f"/_test/accounts/{account.account_id}",
            {
                "charges_enabled": True,
                "payouts_enabled": True,
                "details_submitted": True,
                "capabilities": {"transfers": "active", "card_payments": "active"},
            },
        )
        return services.stripe_account_sync(account=account)


@pytest.fixture
def ui_connected(personas, ui_stripe):
    return connect_account(personas.a, personas.alice, ui_stripe)


def open_invoice(p, amount="1000.00", currency="USD", *, client=None, workspace=None, actor=None):
    """A finalised invoice of one line of `amount`, due in 30 days, for `client` (a new
    one by default) of `workspace` (A by default)."""
    workspace, actor = workspace or p.a, actor or p.alice
    with workspace_scope(workspace):
        client = client or ClientFactory(
            workspace=workspace, currency=currency, email="ap@client.example"
        )
        invoice = invoicing.invoice_create_draft(
            workspace=workspace,
            actor=actor,
            client=client,
            due_date=dt.date.today() + dt.timedelta(days=30),
        )
        invoicing.invoice_line_save(
            invoice=invoice, actor=actor, description="Work", quantity=D(1), unit_price=D(amount)
        )
        return invoicing.invoice_finalize(invoice=invoice, actor=actor)


def paid_by_card(stripe_client, invoice) -> CardPayment:  # noqa: F811
    """The invoice paid in full by card on its link (the PaymentIntent confirmed with a
    test card through the SDK), recorded from Stripe's state."""
    with workspace_scope(invoice.workspace):
        payment, _secret = services.card_payment_start(invoice=invoice)
        stripe_client.v1.payment_intents.confirm(
            payment.intent_id, params={"payment_method": "pm_card_visa"}
        )
        services.card_payment_sync(payment=payment)
        payment.refresh_from_db()
    assert payment.status == CardPayment.Status.SUCCEEDED
    return payment


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def onboard_through_devstripe(onboarding_url: str, action: str = "submit") -> str:
    """Open devstripe's onboarding page, submit its form as the owner would, and return
    where it sends them back (the return_url)."""
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(onboarding_url, timeout=10) as response:
        html = response.read().decode()
    assert "Stand-in for Stripe Express onboarding" in html
    session = re.search(r'name="session" value="([^"]+)"', html)
    assert session is not None
    body = urllib.parse.urlencode({"session": session.group(1), "action": action}).encode()
    try:
        opener.open(urllib.request.Request(onboarding_url, data=body, method="POST"), timeout=10)
    except urllib.error.HTTPError as exc:
        assert exc.code in (302, 303)
        return str(exc.headers["Location"])
    raise AssertionError("devstripe's onboarding did not redirect back")
