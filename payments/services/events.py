"""Stripe's webhook events: verified, stored once by their id before anything else, then
processed by a task through the outbox.

Processing never trusts the event's copy of an object: it names what changed, and the
handler reads that object from Stripe and brings our rows up to it (`*_sync`). So the
same event 50 times, events in any order, an event whose first processing died halfway
and the sweeper re-driving stuck ones all end in the same state, each money movement
recorded once. An event about nothing of ours (another platform's object, a type we do
not act on) is stored and marked *ignored*."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from core.tasks import enqueue_on_commit
from payments import stripe_api
from payments.models import CardPayment, StripeAccount, StripeCustomer, WebhookEvent

logger = logging.getLogger(__name__)

HANDLED = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.canceled",
    "payment_intent.requires_action",
    "charge.refunded",
    "charge.refund.updated",
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "account.updated",
    "payout.created",
    "payout.updated",
    "payout.paid",
    "payout.failed",
    "payout.canceled",
    "setup_intent.succeeded",
}
MAX_ATTEMPTS = 8


class NotOurs(Exception):
    """The event names nothing this platform knows."""


def event_receive(payload: bytes, signature: str | None) -> WebhookEvent | None:
    """Verify and store one delivery. Returns the event when it was new (and its
    processing queued in the same transaction), None for a repeat. A bad or missing
    signature raises (the view answers 400) before anything is stored."""
    event = stripe_api.event_verify(payload, signature)
    data = event.to_dict() if hasattr(event, "to_dict") else dict(event)
    obj = (data.get("data") or {}).get("object") or {}
    try:
        with transaction.atomic():
            row: WebhookEvent = WebhookEvent.objects.create(
                event_id=data["id"],
                type=str(data.get("type", ""))[:64],
                account=str(data.get("account") or "")[:64],
                object_id=str(obj.get("id") or "")[:64],
                payload=data,
            )
            _queue(row)
    except IntegrityError:
        WebhookEvent.objects.filter(event_id=data["id"]).update(
            times_received=F("times_received") + 1
        )
        return None
    return row


def _queue(row: WebhookEvent) -> None:
    from payments import tasks

    enqueue_on_commit(tasks.stripe_event_process, event_id=row.pk)


def event_process(*, event_id: int) -> str:
    """Process one stored event (a task; safe to run twice or at once: the row is
    locked, a settled one is left alone)."""
    with transaction.atomic():
        row: WebhookEvent | None = (
            WebhookEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
        )
        if row is None or row.status in (
            WebhookEvent.Status.PROCESSED,
            WebhookEvent.Status.IGNORED,
        ):
            return row.status if row else "missing"
        row.attempts += 1
        row.attempted_at = timezone.now()
        try:
            with transaction.atomic():
                outcome = _dispatch(row)
        except NotOurs:
            outcome = WebhookEvent.Status.IGNORED
        except Exception as exc:  # recorded on the row and retried by the sweeper
            logger.exception("Stripe event %s failed", row.event_id)
            row.status = WebhookEvent.Status.FAILED
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.save(update_fields=["attempts", "attempted_at", "status", "last_error"])
            return row.status
        row.status = outcome
        row.last_error = ""
        row.processed_at = timezone.now()
        row.save(update_fields=["attempts", "attempted_at", "status", "last_error", "processed_at"])
        return row.status


def event_replay(*, event: WebhookEvent) -> None:
    """An operator's replay: process it again now (handlers are idempotent)."""
    WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.PENDING)
    event_process(event_id=event.pk)


def events_sweep(*, older_than: dt.timedelta = dt.timedelta(minutes=1)) -> int:
    """Re-drive events stuck unprocessed (their task lost, or failed and due a retry
    with backoff: 1, 2, 4 … minutes after their last attempt, up to MAX_ATTEMPTS)."""
    now = timezone.now()
    due = WebhookEvent.objects.filter(
        Q(status=WebhookEvent.Status.PENDING, received_at__lt=now - older_than)
        | Q(status=WebhookEvent.Status.FAILED, attempts__lt=MAX_ATTEMPTS)
    ).order_by("received_at")[:500]
    count = 0
    for row in due:
        waited = row.attempted_at is None or (
            row.attempted_at + older_than * (2 ** max(row.attempts - 1, 0)) <= now
        )
        if row.status == WebhookEvent.Status.FAILED and not waited:
            continue
        event_process(event_id=row.pk)
        count += 1
    return count


def _workspace_of_account(account_id: str) -> tuple[Workspace, StripeAccount]:
    with scopes_disabled():  # the event names the account; it identifies the tenant
        account = (
            StripeAccount.objects.select_related("workspace").filter(account_id=account_id).first()
        )
    if account is None:
        raise NotOurs(account_id)
    return account.workspace, account


def _payment_of_intent(intent_id: str) -> CardPayment:
    with scopes_disabled():  # the intent identifies the tenant
        payment = (
            CardPayment.objects.select_related("workspace").filter(intent_id=intent_id).first()
        )
    if payment is None:
        raise NotOurs(intent_id)
    found: CardPayment = payment
    return found


def _dispatch(row: WebhookEvent) -> str:
    from payments.services.card_payments import card_payment_sync
    from payments.services.connect import stripe_account_sync
    from payments.services.disputes import dispute_sync
    from payments.services.payouts import payout_sync

    kind = row.type
    obj: dict[str, Any] = (row.payload.get("data") or {}).get("object") or {}
    if kind not in HANDLED:
        return WebhookEvent.Status.IGNORED
    if kind.startswith("payment_intent."):
        payment = _payment_of_intent(row.object_id)
        with workspace_scope(payment.workspace):
            card_payment_sync(payment=payment)
    elif kind.startswith("charge.dispute."):
        dispute = stripe_api.dispute_retrieve(row.object_id)
        intent_id = dispute.get("payment_intent")
        if not intent_id:
            charge = stripe_api.charge_retrieve(dispute["charge"])
            intent_id = charge.get("payment_intent")
        payment = _payment_of_intent(str(intent_id or ""))
        with workspace_scope(payment.workspace):
            dispute_sync(payment=payment, dispute=dispute)
    elif kind.startswith("charge."):
        intent_id = obj.get("payment_intent")
        if not intent_id and obj.get("charge"):
            intent_id = stripe_api.charge_retrieve(obj["charge"]).get("payment_intent")
        payment = _payment_of_intent(str(intent_id or ""))
        with workspace_scope(payment.workspace):
            card_payment_sync(payment=payment)
    elif kind == "account.updated":
        workspace, account = _workspace_of_account(row.object_id)
        with workspace_scope(workspace):
            stripe_account_sync(account=account)
    elif kind.startswith("payout."):
        workspace, account = _workspace_of_account(row.account)
        with workspace_scope(workspace):
            payout_sync(workspace=workspace, account_id=account.account_id, payout_id=row.object_id)
    elif kind == "setup_intent.succeeded":
        _setup_intent(obj)
    return WebhookEvent.Status.PROCESSED


def _setup_intent(obj: dict[str, Any]) -> None:
    """A card saved without a payment (a SetupIntent): kept as the client's card."""
    from payments.services.cards import card_keep

    customer, method = obj.get("customer"), obj.get("payment_method")
    with scopes_disabled():  # the customer identifies the tenant
        found = (
            StripeCustomer.objects.select_related("workspace")
            .filter(customer_id=customer or "")
            .first()
        )
    if found is None or not method:
        raise NotOurs(str(customer))
    with workspace_scope(found.workspace):
        card_keep(workspace_id=found.workspace_id, client_id=found.client_id, method_id=str(method))
