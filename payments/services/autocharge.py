"""Auto-charge: a recurring invoice of a client with a saved card is charged off-session,
by a task per invoice queued through the outbox in the recurring run's transaction.

Exactly once per attempt: the PaymentIntent's idempotency key is the invoice and the
attempt number (not a row id), so a task that dies after Stripe charged and before its
commit, run again, gets the same PaymentIntent back and records it once. A decline is
recorded on its attempt and emailed to both sides with the link to pay; the beat
sweeper retries on a schedule (RETRY_AFTER), at most MAX_ATTEMPTS times, while the
invoice is still owed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from core.tasks import enqueue_on_commit
from invoicing.models import Invoice
from invoicing.services.state import REMINDABLE
from payments import stripe_api
from payments.models import CardPayment, SavedCard
from payments.services.card_payments import (
    card_payment_sync,
    chargeable_account,
    lock_for_money,
    split_for,
)
from payments.services.cards import customer_for

# Attempt n+1 is made this long after attempt n failed.
RETRY_AFTER = {1: dt.timedelta(days=1), 2: dt.timedelta(days=3)}
MAX_ATTEMPTS = 3


def autocharge_queue(workspace: Workspace, invoices: Sequence[Invoice]) -> None:
    """Queue attempt 1 for each invoice whose client has a card in force (one query)."""
    if chargeable_account(workspace) is None:
        return
    with_card = set(
        SavedCard.objects.filter(
            client_id__in={i.client_id for i in invoices}, active=True
        ).values_list("client_id", flat=True)
    )
    from payments import tasks

    for invoice in invoices:
        if invoice.client_id in with_card and invoice.total > 0:
            enqueue_on_commit(
                tasks.invoice_autocharge,
                workspace_id=workspace.pk,
                invoice_id=invoice.pk,
                attempt=1,
            )


def invoice_autocharge(*, workspace: Workspace, invoice_id: int, attempt: int) -> str:
    """Charge the invoice's amount due to the client's saved card, attempt `attempt`.
    Returns what happened: paid, processing, declined, settled, no_card, not_enabled."""
    with transaction.atomic():
        found = Invoice.objects.filter(pk=invoice_id).values_list("client_id", flat=True).first()
        if found is None:
            return "settled"
        invoice = lock_for_money(client_id=found, invoice_id=invoice_id)
        if invoice.status not in REMINDABLE or invoice.amount_due <= 0:
            return "settled"
        done = CardPayment.objects.filter(
            invoice=invoice, origin=CardPayment.Origin.AUTO, attempt=attempt
        ).first()
        if done is not None and done.intent_id:
            return _outcome(card_payment_sync(payment=done))
        card = SavedCard.objects.filter(client_id=invoice.client_id, active=True).first()
        if card is None:
            return "no_card"
        account = chargeable_account(workspace)
        if account is None:
            return "not_enabled"
        split = split_for(invoice, invoice.amount_due)
        try:
            with transaction.atomic():
                payment = done or CardPayment.objects.create(
                    workspace=workspace,
                    invoice=invoice,
                    client_id=invoice.client_id,
                    origin=CardPayment.Origin.AUTO,
                    attempt=attempt,
                    amount=split.amount,
                    currency=invoice.currency,
                    benefits_share=split.benefits_share,
                    processing_fee=split.processing_fee,
                    destination=account.account_id,
                    saved_card=card,
                )
        except IntegrityError:
            return "duplicate"
        intent = None
        try:
            intent = stripe_api.payment_intent_create(
                key=f"autocharge:invoice:{invoice.pk}:attempt:{attempt}",
                amount=payment.amount,
                currency=payment.currency,
                destination=payment.destination,
                application_fee=split.application_fee,
                # No row id: a retry after a crash re-creates the row with another id,
                # and the same key must carry the same parameters.
                metadata={
                    "workspace": str(workspace.pk),
                    "invoice": str(invoice.pk),
                    "autocharge_attempt": str(attempt),
                },
                description=f"Invoice {invoice.number} — {workspace.name} (saved card)",
                customer=customer_for(invoice.client),
                payment_method=card.payment_method_id,
                off_session=True,
            )
        except stripe_api.CardError as exc:
            intent = stripe_api.declined_intent(exc)
            payment.failure_code = str(exc.code or "")[:64]
            payment.failure_message = str(exc.user_message or "")[:300]
            if intent is None:
                payment.status = CardPayment.Status.CANCELED
                payment.save()
        if intent is not None:
            payment.intent_id = intent["id"]
            payment.save(update_fields=["intent_id", "failure_code", "failure_message"])
            payment = card_payment_sync(payment=payment, intent=intent)
        outcome = _outcome(payment)
        if outcome == "declined":
            from payments import tasks

            enqueue_on_commit(
                tasks.autocharge_failed_notify, workspace_id=workspace.pk, payment_id=payment.pk
            )
        return outcome


def _outcome(payment: CardPayment) -> str:
    if payment.status == CardPayment.Status.SUCCEEDED:
        return "paid"
    if payment.status == CardPayment.Status.PROCESSING:
        return "processing"
    return "declined"


def autocharge_retries_queue(*, now: dt.datetime | None = None) -> int:
    """The beat sweeper: the next attempt of each declined auto-charge whose wait is
    over, while its invoice is still owed and the card is still in force."""
    now = now or timezone.now()
    queued = 0
    with scopes_disabled():  # the sweep crosses tenants; each attempt runs in its own scope
        failed = (
            CardPayment.objects.filter(
                origin=CardPayment.Origin.AUTO,
                attempt__lt=MAX_ATTEMPTS,
                status__in=[
                    CardPayment.Status.REQUIRES_PAYMENT_METHOD,
                    CardPayment.Status.CANCELED,
                ],
                invoice__status__in=REMINDABLE,
            )
            # The latest attempt only: one query, not one EXISTS per failed attempt.
            .exclude(
                Exists(
                    CardPayment.objects.filter(
                        invoice_id=OuterRef("invoice_id"),
                        origin=CardPayment.Origin.AUTO,
                        attempt__gt=OuterRef("attempt"),
                    )
                )
            )
            .select_related("workspace")
            .order_by("pk")
        )
        candidates = [p for p in failed if p.updated_at + RETRY_AFTER[p.attempt] <= now]
    from payments import tasks

    for payment in candidates:
        with workspace_scope(payment.workspace), transaction.atomic():
            enqueue_on_commit(
                tasks.invoice_autocharge,
                workspace_id=payment.workspace_id,
                invoice_id=payment.invoice_id,
                attempt=payment.attempt + 1,
            )
            queued += 1
    return queued
