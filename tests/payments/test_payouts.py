"""The payouts page: the connected balance from devstripe, a payout requested from the
page and its life on the ledger (sent, then failed and back), refusals, and Stripe out of
reach."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from ledger.models import LedgerTransaction
from payments import services
from payments.models import Payout, StripeAccount
from payments.selectors import balance_forget, cached_balance
from tests.payments.ui_fixtures import *  # noqa: F403
from tests.payments.ui_fixtures import open_invoice, paid_by_card, post_test_control

pytestmark = [pytest.mark.django_db]


def url(p):
    return reverse("payments:payouts", args=[p.a.slug])


def kinds(workspace, payout):
    with scopes_disabled():
        return list(
            LedgerTransaction.objects.filter(workspace=workspace, ref=f"payout:{payout.pk}")
            .order_by("pk")
            .values_list("kind", flat=True)
        )


@pytest.fixture
def funded(personas, ui_connected, stripe_client):
    """A's account holds what landed of a 1000.00 USD card payment."""
    payment = paid_by_card(stripe_client, open_invoice(personas))
    return payment.landed


def test_the_balance_is_shown_and_a_payout_goes_through_onto_the_ledger(
    client, personas, funded, ui_connected, ui_stripe
):
    client.force_login(personas.alice)
    html = client.get(url(personas)).content.decode()
    assert 'data-balance="USD"' in html
    assert f"{funded:,.2f}" in html  # available: what landed of the card payment

    response = client.post(url(personas), {"amount": "100.00", "currency": "USD"}, follow=True)
    assert response.status_code == 200
    assert "Payout of $100.00 requested" in response.content.decode()
    with scopes_disabled():
        payout = Payout.objects.get(workspace=personas.a)
    assert payout.amount == Decimal("100.00")
    assert payout.requested_by == personas.alice
    assert payout.posted_sent and not payout.posted_failed
    assert kinds(personas.a, payout) == ["payout.sent"]
    # The page shows the payout, and a balance read after it (the cache was dropped).
    html = response.content.decode()
    assert f'data-payout="{payout.payout_id}"' in html
    assert f"{funded - Decimal(100):,.2f}" in html

    # The bank bounces it: Stripe's payout fails and the money is back in the balance.
    post_test_control(ui_stripe, f"/_test/payouts/{payout.payout_id}/failed", {})
    with workspace_scope(personas.a):
        services.payout_sync(
            workspace=personas.a, account_id=ui_connected.account_id, payout_id=payout.payout_id
        )
    payout.refresh_from_db()
    assert payout.status == "failed"
    assert payout.posted_failed
    assert kinds(personas.a, payout) == ["payout.sent", "payout.failed"]
    html = client.get(url(personas)).content.decode()
    assert "Failed" in html
    assert "data-failure" in html
    assert (payout.failure_message or payout.failure_code) in html


def test_more_than_is_available_is_a_field_error_and_nothing_is_paid(
    client, personas, funded, ui_connected
):
    client.force_login(personas.alice)
    response = client.post(url(personas), {"amount": "99999.00", "currency": "USD"})
    assert response.status_code == 400
    assert "available to pay out" in str(response.context["form"].errors["amount"])
    with scopes_disabled():
        assert not Payout.objects.exists()


def test_payouts_are_refused_while_not_enabled(client, personas, ui_stripe):
    with workspace_scope(personas.a):
        services.stripe_account_start(workspace=personas.a, actor=personas.alice, country="US")
    client.force_login(personas.alice)
    page = client.get(url(personas)).content.decode()
    assert "Payouts are not enabled" in page
    assert "Request payout</button>" not in page
    response = client.post(url(personas), {"amount": "10.00", "currency": "USD"})
    assert response.status_code == 400
    assert "not enabled" in response.content.decode()
    with scopes_disabled():
        assert not Payout.objects.exists()


def test_without_an_account_the_page_says_how_to_start(client, personas):
    client.force_login(personas.alice)
    response = client.get(url(personas))
    assert response.status_code == 200
    assert "No Stripe account yet" in response.content.decode()


def test_stripe_out_of_reach_shows_a_message_not_a_500(client, personas, settings):
    with scopes_disabled():
        StripeAccount.objects.create(
            workspace=personas.a, account_id="acct_unreachable", payouts_enabled=True
        )
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_SECRET_KEY = "sk_test_devstripe"
    client.force_login(personas.alice)
    response = client.get(url(personas))
    assert response.status_code == 200
    assert "could not be reached" in response.content.decode()
    response = client.post(url(personas), {"amount": "10.00", "currency": "USD"})
    assert response.status_code == 400
    assert "could not be reached" in response.content.decode()


def test_members_see_payouts_but_only_owners_and_admins_request_them(
    client, personas, funded, ui_connected
):
    client.force_login(personas.bob)
    assert client.get(url(personas)).status_code == 200
    assert client.post(url(personas), {"amount": "1.00", "currency": "USD"}).status_code == 403
    with scopes_disabled():
        assert not Payout.objects.exists()


def test_the_balance_is_read_from_stripe_at_most_once_a_minute(
    personas, funded, ui_connected, ui_stripe, settings
):
    with workspace_scope(personas.a):
        first = cached_balance(ui_connected)
        settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe gone: the cache answers
        assert cached_balance(ui_connected) == first
        balance_forget(ui_connected)
        assert cached_balance(ui_connected) is None


def test_the_dashboard_card_shows_the_balance_and_the_last_payout(
    client, personas, funded, ui_connected
):
    client.force_login(personas.alice)
    client.post(url(personas), {"amount": "50.00", "currency": "USD"})
    html = client.get(reverse("insights:dashboard", args=[personas.a.slug])).content.decode()
    assert "data-stripe-balance" in html
    assert f"{funded - Decimal(50):,.2f}" in html
    assert "Last payout: $50.00" in html


def test_after_stripe_refuses_a_payout_a_smaller_one_goes_through(
    personas, funded, ui_connected, ui_stripe, monkeypatch
):
    """Our read of the balance can be a moment old (another payout drained it meanwhile):
    Stripe refuses, and the next request, for another amount, is a new request rather
    than a clash with the refused one's idempotency key."""
    from django.core.exceptions import ValidationError

    from payments.services import payouts

    real = payouts.balance
    monkeypatch.setattr(payouts, "balance", lambda account: {"USD": {"available": funded + 500}})
    with workspace_scope(personas.a):
        with pytest.raises(ValidationError, match="insufficient funds"):
            services.payout_request(
                workspace=personas.a, actor=personas.alice, amount=funded + 1, currency="USD"
            )
        monkeypatch.setattr(payouts, "balance", real)
        payout = services.payout_request(
            workspace=personas.a, actor=personas.alice, amount=Decimal("10.00"), currency="USD"
        )
    assert payout.amount == Decimal("10.00")
