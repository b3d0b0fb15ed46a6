"""The payments settings page: Stripe onboarding driven through devstripe's own
onboarding page, the account's status in words, and the payment settings form."""

import urllib.parse
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.models import AuditEntry
from payments.models import PaymentSettings, StripeAccount
from tests.payments.ui_fixtures import *  # noqa: F403
from tests.payments.ui_fixtures import onboard_through_devstripe

pytestmark = [pytest.mark.django_db]


def url(p, name="payments:settings"):
    return reverse(name, args=[p.a.slug])


def test_onboarding_from_the_page_ends_with_charges_and_payouts_enabled(
    client, personas, ui_stripe
):
    client.force_login(personas.alice)
    page = client.get(url(personas))
    assert 'data-stripe-state="not_connected"' in page.content.decode()
    assert "Connect with Stripe" in page.content.decode()

    response = client.post(url(personas, "payments:settings_connect"))
    assert response.status_code == 302
    onboarding = response["Location"]
    assert onboarding.startswith(ui_stripe.url + "/_connect/onboard/")
    with scopes_disabled():
        account = StripeAccount.objects.get(workspace=personas.a)
    assert not account.charges_enabled

    # Before finishing, the page lists what Stripe still needs, in words.
    pending = client.get(url(personas)).content.decode()
    assert 'data-stripe-state="pending"' in pending
    assert "Continue onboarding" in pending
    assert "data-requirements" in pending
    assert "individual.dob" not in pending  # keys are translated, not shown raw

    back = onboard_through_devstripe(onboarding)
    parts = urllib.parse.urlsplit(back)
    assert parts.path == url(personas, "payments:settings_return")

    page = client.get(parts.path)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-stripe-state="enabled"' in html
    assert "clients can pay by card" in html
    account.refresh_from_db()
    assert account.charges_enabled and account.payouts_enabled
    assert account.requirements_due == []


def test_the_onboarding_links_are_absolute_and_come_back_to_this_workspace(
    client, personas, ui_stripe, stripe_client
):
    client.force_login(personas.alice)
    client.post(url(personas, "payments:settings_connect"))
    with scopes_disabled():
        account = StripeAccount.objects.get(workspace=personas.a)
    # Leaving Stripe's pages early comes back to the return page, still pending.
    first = client.post(url(personas, "payments:settings_connect"))["Location"]
    back = onboard_through_devstripe(first, action="leave")
    assert back == "http://testserver" + url(personas, "payments:settings_return")
    html = client.get(urllib.parse.urlsplit(back).path).content.decode()
    assert 'data-stripe-state="pending"' in html
    assert "Stripe still needs a few details" in html
    # A used link sends the owner to refresh, which makes a new one and goes back to Stripe.
    response = client.get(url(personas, "payments:settings_refresh"))
    assert response.status_code == 302
    assert response["Location"].startswith(ui_stripe.url + "/_connect/onboard/")
    assert response["Location"] != first
    # The same account, never a second one.
    with scopes_disabled():
        assert StripeAccount.objects.filter(workspace=personas.a).count() == 1
    assert account.account_id in stripe_client.v1.accounts.retrieve(account.account_id).id


def test_stripe_out_of_reach_is_a_message_not_an_error(client, personas, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    settings.STRIPE_SECRET_KEY = "sk_test_devstripe"
    client.force_login(personas.alice)
    response = client.post(url(personas, "payments:settings_connect"), follow=True)
    assert response.status_code == 200
    assert "Stripe could not be reached" in response.content.decode()
    with scopes_disabled():
        assert not StripeAccount.objects.exists()


def test_only_owners_and_admins_connect_or_change_settings(client, personas, ui_stripe):
    client.force_login(personas.bob)  # a member
    page = client.get(url(personas))
    assert page.status_code == 200
    assert "Connect with Stripe" not in page.content.decode()
    assert client.post(url(personas, "payments:settings_connect")).status_code == 403
    response = client.post(url(personas), {"benefits_percent": "10"})
    assert response.status_code == 403
    with scopes_disabled():
        assert not PaymentSettings.objects.exists()
        assert not StripeAccount.objects.exists()


def test_payment_settings_are_saved_through_the_service_and_audited(client, personas):
    client.force_login(personas.alice)
    response = client.post(url(personas), {"benefits_percent": "12.5", "allow_partial": "on"})
    assert response.status_code == 302
    with scopes_disabled():
        saved = PaymentSettings.objects.get(workspace=personas.a)
        entry = AuditEntry.objects.get(workspace=personas.a, action="payments.settings_update")
    assert saved.benefits_percent == Decimal("12.50")
    assert saved.allow_partial is True
    assert entry.data["after"] == {"benefits_percent": "12.50", "allow_partial": True}
    page = client.get(url(personas)).content.decode()
    assert 'value="12.50"' in page


@pytest.mark.parametrize("value", ["50.01", "-1", "abc", ""])
def test_a_share_outside_0_to_50_is_a_field_error(client, personas, value):
    client.force_login(personas.alice)
    response = client.post(url(personas), {"benefits_percent": value})
    assert response.status_code == 400
    assert response.context["form"].errors["benefits_percent"]
    with scopes_disabled():
        assert not PaymentSettings.objects.exists()


def test_the_page_lets_the_connect_form_redirect_to_stripe_and_nowhere_else(
    client, personas, ui_stripe
):
    """Chrome applies `form-action` to the redirect after the Connect POST: the settings
    page allows Stripe's onboarding origin (devstripe's here); other pages do not."""
    client.force_login(personas.alice)
    policy = client.get(url(personas))["Content-Security-Policy"]
    form_action = next(d for d in policy.split(";") if d.strip().startswith("form-action"))
    assert ui_stripe.url in form_action
    other = client.get(reverse("payments:payouts", args=[personas.a.slug]))
    assert ui_stripe.url not in other["Content-Security-Policy"]
