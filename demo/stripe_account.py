"""The demo workspace's connected Stripe account, onboarded, so its invoices' client links
take cards in `make run`. Only when STRIPE_API_BASE points at devstripe: it uses
devstripe's test control to finish onboarding (development only; tests and the fuzzer
seed without a Stripe stand-in and get no account)."""

from __future__ import annotations

import json
import urllib.request

from django.conf import settings

from accounts.models import User, Workspace
from payments import services as payments
from payments import stripe_api

ONBOARDED = {
    "charges_enabled": True,
    "payouts_enabled": True,
    "details_submitted": True,
    "capabilities": {"transfers": "active", "card_payments": "active"},
}


def demo_stripe_account(*, workspace: Workspace, actor: User) -> str:
    """Connect and onboard the workspace's account on devstripe; says what it did."""
    if not settings.STRIPE_API_BASE:
        return "Stripe: no STRIPE_API_BASE, the demo takes no cards"
    try:
        account = payments.stripe_account_start(
            workspace=workspace, actor=actor, country=settings.STRIPE_CONNECT_COUNTRY
        )
        if not account.charges_enabled:
            request = urllib.request.Request(  # noqa: S310 - devstripe, http(s) only
                f"{settings.STRIPE_API_BASE}/_test/accounts/{account.account_id}",
                data=json.dumps(ONBOARDED).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - devstripe
                pass
            account = payments.stripe_account_sync(account=account)
    except (OSError, stripe_api.StripeError) as error:
        # E.g. .data/stripe was deleted but the database still names the old account.
        return f"Stripe: the demo account could not be connected ({error})"
    state = "takes cards" if account.charges_enabled else "is not chargeable"
    return f"Stripe: the demo workspace's account {account.account_id} {state}"
