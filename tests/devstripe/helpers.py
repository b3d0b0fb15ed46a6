"""Shared steps of the devstripe tests: an onboarded account, a paid destination charge."""

import re
import urllib.error
import urllib.request
from typing import Any

import stripe


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(url: str, data: bytes | None = None) -> tuple[int, str, str]:
    """(status, Location header, body) without following redirects."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=10) as response:
            return response.status, "", response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode()


def new_account(client: stripe.StripeClient, **extra: Any) -> stripe.Account:
    return client.v1.accounts.create(
        params={
            "type": "express",
            "country": "FR",
            "email": "ada@example.com",
            "default_currency": "eur",
            "business_type": "individual",
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
            "metadata": {"workspace": "42"},
            **extra,
        }
    )


def onboarding_link(client: stripe.StripeClient, account: str) -> stripe.AccountLink:
    return client.v1.account_links.create(
        params={
            "account": account,
            "refresh_url": "http://app.test/refresh",
            "return_url": "http://app.test/return",
            "type": "account_onboarding",
        }
    )


def submit_onboarding(url: str, action: str = "submit") -> tuple[int, str]:
    status, _, page = fetch(url)
    assert status == 200, page
    session = re.search(r'name="session" value="([^"]+)"', page)
    assert session is not None
    status, location, _ = fetch(url, f"session={session.group(1)}&action={action}".encode())
    return status, location


def onboarded_account(client: stripe.StripeClient) -> stripe.Account:
    account = new_account(client)
    status, _ = submit_onboarding(onboarding_link(client, account.id).url)
    assert status == 303
    return client.v1.accounts.retrieve(account.id)


def destination_charge(
    client: stripe.StripeClient, account: str, amount: int = 10_000, fee: int = 500
) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "eur",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "transfer_data": {"destination": account},
            "application_fee_amount": fee,
            "description": "Invoice 2026-0001",
            "receipt_email": "client@example.com",
            "statement_descriptor_suffix": "INV 0001",
        }
    )


def card(client: stripe.StripeClient, number: str) -> stripe.PaymentMethod:
    return client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )


def available(client: stripe.StripeClient, account: str, currency: str = "eur") -> int:
    balance = client.v1.balance.retrieve(options={"stripe_account": account})
    return sum(entry.amount for entry in balance.available if entry.currency == currency)
