"""Connect accounts and their onboarding through the stand-in Express page."""

import json
import urllib.request

import pytest
import stripe

from tests.devstripe.helpers import fetch, new_account, onboarding_link, submit_onboarding
from tests.stripe_fixtures import post_test_control

pytestmark = pytest.mark.slow


def test_a_new_express_account_cannot_take_charges_until_onboarded(stripe_client):
    account = new_account(stripe_client)

    assert account.id.startswith("acct_")
    assert (account.details_submitted, account.charges_enabled, account.payouts_enabled) == (
        False,
        False,
        False,
    )
    assert "external_account" in account.requirements.currently_due
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert account.metadata["workspace"] == "42"

    with pytest.raises(stripe.InvalidRequestError, match="capabilities"):
        stripe_client.v1.payment_intents.create(
            params={
                "amount": 1000,
                "currency": "eur",
                "payment_method": "pm_card_visa",
                "confirm": True,
                "transfer_data": {"destination": account.id},
            }
        )


def test_submitting_onboarding_enables_the_account_and_sends_account_updated(
    stripe_client, stripe_server, webhook_receiver
):
    account = new_account(stripe_client)
    link = onboarding_link(stripe_client, account.id)
    assert link.object == "account_link"
    assert link.url.startswith(stripe_server.url + "/_connect/onboard/")
    assert link.expires_at > link.created

    status, _, page = fetch(link.url)
    assert status == 200
    assert "<title>Stand-in for Stripe Express onboarding</title>" in page
    assert 'name="viewport"' in page
    assert "Submit details" in page and "Leave for now" in page

    status, location = submit_onboarding(onboarding_link(stripe_client, account.id).url)
    assert (status, location) == (303, "http://app.test/return")

    account = stripe_client.v1.accounts.retrieve(account.id)
    assert (account.details_submitted, account.charges_enabled, account.payouts_enabled) == (
        True,
        True,
        True,
    )
    assert account.requirements.currently_due == []
    assert account.requirements.disabled_reason is None
    assert account.capabilities["transfers"] == "active"

    event = webhook_receiver.wait_for(
        "account.updated",
        lambda e: e.data.object.id == account.id and e.data.object.charges_enabled,
    )
    assert event.account == account.id
    # The app re-fetches: the event is retrievable too.
    assert stripe_client.v1.events.retrieve(event.id).account == account.id


def test_leave_for_now_changes_nothing(stripe_client):
    account = new_account(stripe_client)

    status, location = submit_onboarding(onboarding_link(stripe_client, account.id).url, "leave")

    assert (status, location) == (303, "http://app.test/return")
    assert stripe_client.v1.accounts.retrieve(account.id).charges_enabled is False


def test_a_used_or_expired_link_sends_the_user_to_refresh_url(stripe_client, stripe_server):
    account = new_account(stripe_client)
    used = onboarding_link(stripe_client, account.id).url
    assert fetch(used)[0] == 200
    assert fetch(used)[:2] == (302, "http://app.test/refresh")

    expired = onboarding_link(stripe_client, account.id).url
    post_test_control(stripe_server, f"/_test/account_links/{expired.rsplit('/', 1)[1]}/expire")
    assert fetch(expired)[:2] == (302, "http://app.test/refresh")


def test_accounts_can_be_updated_listed_and_set_by_test_controls(
    stripe_client, stripe_server, webhook_receiver
):
    account = new_account(stripe_client)

    updated = stripe_client.v1.accounts.update(account.id, params={"metadata": {"plan": "pro"}})
    assert updated.metadata.to_dict() == {"workspace": "42", "plan": "pro"}
    assert account.id in [a.id for a in stripe_client.v1.accounts.list(params={"limit": 100})]

    post_test_control(
        stripe_server,
        f"/_test/accounts/{account.id}",
        {"charges_enabled": True, "requirements": {"currently_due": ["individual.id_number"]}},
    )
    account = stripe_client.v1.accounts.retrieve(account.id)
    assert account.charges_enabled is True
    assert account.requirements.currently_due == ["individual.id_number"]
    webhook_receiver.wait_for(
        "account.updated",
        lambda e: e.account == account.id and e.data.object.charges_enabled,
    )


def test_unknown_account_is_404(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe_client.v1.accounts.retrieve("acct_missing")
    assert error.value.http_status == 404


def test_the_store_survives_a_restart(tmp_path):
    from devstripe.server import start

    first = start(data_dir=tmp_path)
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": first.url})
    account = new_account(client)
    first.stop()

    second = start(data_dir=tmp_path)
    try:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": second.url})
        assert client.v1.accounts.retrieve(account.id).email == "ada@example.com"
    finally:
        second.stop()


def test_test_controls_need_no_key_but_the_api_does(stripe_server):
    request = urllib.request.Request(stripe_server.url + "/v1/accounts")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 401
    assert json.loads(error.value.read())["error"]["type"] == "invalid_request_error"
