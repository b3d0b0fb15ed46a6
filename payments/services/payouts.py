"""Payouts: money leaving the connected account's Stripe balance for the bank.

On the ledger a payout moves through three states, each posted at most once, derived
from the payout as Stripe reports it (so `payout.paid` before anything else still posts
"sent" first):
  sent     payouts_in_transit  ←  stripe_balance
  paid     cash (the bank)     ←  payouts_in_transit
  failed   stripe_balance      ←  payouts_in_transit   (the money is back; the owner is told)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.money import format_money, quantize
from core.tasks import enqueue_on_commit
from ledger.posting import Leg, post
from payments import stripe_api
from payments.models import Payout, StripeAccount


def balance(account: StripeAccount) -> dict[str, dict[str, Decimal]]:
    """The connected account's balance per currency: available and pending."""
    remote = stripe_api.balance_retrieve(account.account_id)
    found: dict[str, dict[str, Decimal]] = {}
    for kind in ("available", "pending"):
        for row in remote.get(kind) or []:
            currency = str(row["currency"]).upper()
            found.setdefault(currency, {"available": Decimal(0), "pending": Decimal(0)})
            found[currency][kind] += stripe_api.money(row["amount"], currency)
    return found


@transaction.atomic
def payout_request(*, workspace: Workspace, actor: User, amount: Decimal, currency: str) -> Payout:
    """A manual payout of `amount` from what is available, where Stripe allows it."""
    account: StripeAccount | None = StripeAccount.objects.filter(workspace=workspace).first()
    if account is None or not account.payouts_enabled:
        raise ValidationError("Payouts are not enabled on your Stripe account yet.")
    currency = currency.upper()
    amount = quantize(amount, currency)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    available = balance(account).get(currency, {}).get("available", Decimal(0))
    if amount > available:
        raise ValidationError(
            {"amount": f"At most {format_money(available, currency)} is available to pay out."}
        )
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
    ref = f"{workspace.pk}-{Payout.objects.filter(workspace=workspace).count() + 1}"
    try:
        remote = stripe_api.payout_create(
            # The amount is in the key: after Stripe refuses one request, the next with
            # another amount is a new request, not a clash with the refused one's key.
            key=f"payout:{ref}:{amount}{currency}",
            account_id=account.account_id,
            amount=amount,
            currency=currency,
            payout_ref=ref,
        )
    except stripe_api.InvalidRequestError as exc:
        raise ValidationError(
            {"amount": exc.user_message or "Stripe refused this payout."}
        ) from exc
    payout = _apply(workspace, remote)
    payout.requested_by = actor
    payout.save(update_fields=["requested_by"])
    audit_record(
        workspace=workspace,
        actor=actor,
        action="payout.request",
        obj=payout,
        details={"amount": str(amount), "currency": currency},
    )
    return payout


def _apply(workspace: Workspace, remote: Any) -> Payout:
    currency = str(remote["currency"]).upper()
    payout: Payout | None = (
        Payout.objects.select_for_update().filter(payout_id=remote["id"]).first()
    )
    if payout is None:
        payout = Payout(workspace=workspace, payout_id=remote["id"])
    payout.amount = stripe_api.money(remote["amount"], currency)
    payout.currency = currency
    payout.status = str(remote["status"])
    arrival = remote.get("arrival_date")
    payout.arrival_date = (
        dt.datetime.fromtimestamp(int(arrival), tz=dt.UTC).date() if arrival else None
    )
    payout.failure_code = str(remote.get("failure_code") or "")[:64]
    payout.failure_message = str(remote.get("failure_message") or "")[:300]
    payout.save()
    _post(payout)
    return payout


def _post(payout: Payout) -> None:
    cur = payout.currency
    on = payout.workspace.today()
    steps = []
    if not payout.posted_sent:
        steps.append(("payout.sent", "payouts_in_transit", "stripe_balance", "posted_sent"))
    if payout.status == "paid" and not payout.posted_paid and not payout.posted_failed:
        steps.append(("payout.paid", "cash", "payouts_in_transit", "posted_paid"))
    if (
        payout.status in ("failed", "canceled")
        and not payout.posted_failed
        and not payout.posted_paid
    ):
        steps.append(("payout.failed", "stripe_balance", "payouts_in_transit", "posted_failed"))
    for kind, debit, credit, flag in steps:
        post(
            workspace=payout.workspace,
            kind=kind,
            on=on,
            legs=[Leg(debit, payout.amount, cur), Leg(credit, -payout.amount, cur)],
            ref=f"payout:{payout.pk}",
            memo=f"Payout {payout.payout_id}",
        )
        setattr(payout, flag, True)
        if flag == "posted_failed":
            enqueue_on_commit_failed(payout)
    payout.save(update_fields=["posted_sent", "posted_paid", "posted_failed", "updated_at"])


def enqueue_on_commit_failed(payout: Payout) -> None:
    from payments import tasks

    enqueue_on_commit(
        tasks.payout_failed_notify, workspace_id=payout.workspace_id, payout_id=payout.pk
    )


@transaction.atomic
def payout_sync(*, workspace: Workspace, account_id: str, payout_id: str) -> Payout:
    return _apply(workspace, stripe_api.payout_retrieve(payout_id, account_id=account_id))
