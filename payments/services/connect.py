"""Stripe Connect onboarding: the workspace's Express account, its onboarding link and
its status, kept current by `account.updated` (and read again when the owner comes
back from Stripe's pages)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.services import audit_record
from payments import stripe_api
from payments.models import StripeAccount


@transaction.atomic
def stripe_account_start(*, workspace: Workspace, actor: User, country: str) -> StripeAccount:
    """The workspace's connected account, created on first use (once: the workspace row
    lock and an idempotency key per workspace)."""
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
    found: StripeAccount | None = StripeAccount.objects.filter(workspace=workspace).first()
    if found is not None:
        return found
    remote = stripe_api.account_create(
        key=f"workspace:{workspace.pk}:account",
        email=actor.email,
        country=country,
        workspace_id=workspace.pk,
    )
    account: StripeAccount = StripeAccount.objects.create(
        workspace=workspace, account_id=remote["id"]
    )
    _apply(account, remote)
    audit_record(
        workspace=workspace,
        actor=actor,
        action="stripe.account_create",
        obj=account,
        details={"account": account.account_id},
    )
    return account


def onboarding_link(*, account: StripeAccount, refresh_url: str, return_url: str) -> str:
    link = stripe_api.account_link_create(
        account_id=account.account_id, refresh_url=refresh_url, return_url=return_url
    )
    return str(link["url"])


def _apply(account: StripeAccount, remote: Any) -> None:
    requirements = remote.get("requirements") or {}
    due = list(requirements.get("currently_due") or []) + [
        item
        for item in (requirements.get("past_due") or [])
        if item not in (requirements.get("currently_due") or [])
    ]
    account.details_submitted = bool(remote.get("details_submitted"))
    account.charges_enabled = bool(remote.get("charges_enabled"))
    account.payouts_enabled = bool(remote.get("payouts_enabled"))
    account.requirements_due = due
    account.disabled_reason = str(requirements.get("disabled_reason") or "")[:120]
    account.default_currency = str(remote.get("default_currency") or "").upper()[:3]
    account.synced_at = timezone.now()
    account.save()


@transaction.atomic
def stripe_account_sync(*, account: StripeAccount) -> StripeAccount:
    """Read the account from Stripe and store its status (idempotent)."""
    locked: StripeAccount = StripeAccount.objects.select_for_update().get(pk=account.pk)
    _apply(locked, stripe_api.account_retrieve(locked.account_id))
    return locked
