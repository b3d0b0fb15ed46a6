"""Reads the payments pages, the API and the dashboard share."""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache

from accounts.models import Workspace
from payments import stripe_api
from payments.models import Payout, StripeAccount
from payments.services.payouts import balance

# The dashboard shows the balance on every visit; Stripe is asked at most once a minute.
BALANCE_CACHE_SECONDS = 60


def stripe_account_of(workspace: Workspace) -> StripeAccount | None:
    found: StripeAccount | None = StripeAccount.objects.filter(workspace=workspace).first()
    return found


def account_state(account: StripeAccount | None) -> str:
    """not_connected, pending (details or Stripe's checks outstanding) or enabled."""
    if account is None:
        return "not_connected"
    if account.charges_enabled and account.payouts_enabled:
        return "enabled"
    return "pending"


def _cache_key(account: StripeAccount) -> str:
    return f"payments:balance:{account.workspace_id}"


def cached_balance(account: StripeAccount) -> dict[str, dict[str, Decimal]] | None:
    """The account's balance per currency (`balance`), from Django's cache for up to a
    minute; None when Stripe cannot be reached (not cached, so the next visit tries again)."""
    key = _cache_key(account)
    found = cache.get(key)
    if found is not None:
        return {cur: {k: Decimal(v) for k, v in row.items()} for cur, row in found.items()}
    try:
        fresh = balance(account)
    except stripe_api.StripeError:
        return None
    cache.set(
        key,
        {cur: {k: str(v) for k, v in row.items()} for cur, row in fresh.items()},
        BALANCE_CACHE_SECONDS,
    )
    return fresh


def balance_forget(account: StripeAccount) -> None:
    """After a payout the cached balance is stale."""
    cache.delete(_cache_key(account))


def last_payout(workspace: Workspace) -> Payout | None:
    found: Payout | None = (
        Payout.objects.filter(workspace=workspace).order_by("-created_at", "-pk").first()
    )
    return found
