"""Saved cards: a client who ticks "save this card" when paying becomes a Stripe customer
on the platform, and the card (attached by Stripe through `setup_future_usage`) is kept
as the client's one card in force; recurring invoices of that client charge it."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from engagements.models import Client
from payments import stripe_api
from payments.models import CardPayment, SavedCard, StripeCustomer


def customer_for(client: Client) -> str:
    """The client's Stripe customer id, created once (the idempotency key and the
    unique row make a concurrent second creation the same customer)."""
    found: StripeCustomer | None = StripeCustomer.objects.filter(client=client).first()
    if found is not None:
        return str(found.customer_id)
    customer = stripe_api.customer_create(
        key=f"client:{client.pk}:customer",
        name=client.name,
        email=client.email or "",
        client_ref=str(client.pk),
    )
    try:
        with transaction.atomic():
            StripeCustomer.objects.create(
                workspace_id=client.workspace_id, client=client, customer_id=customer["id"]
            )
    except IntegrityError:
        pass  # created by a concurrent request, with the same key: the same customer
    return str(customer["id"])


def card_save_from_intent(*, payment: CardPayment, intent: Any) -> SavedCard | None:
    """Keep the card a succeeded payment saved; it replaces the client's previous one."""
    method_id = intent.get("payment_method")
    if isinstance(method_id, dict):
        method_id = method_id["id"]
    if not method_id:
        return None
    saved = card_keep(
        workspace_id=payment.workspace_id, client_id=payment.client_id, method_id=method_id
    )
    if payment.saved_card_id != saved.pk:
        payment.saved_card = saved
        payment.save(update_fields=["saved_card", "updated_at"])
    return saved


def card_keep(*, workspace_id: int, client_id: int, method_id: str) -> SavedCard:
    """The client's card in force from now: a card already kept is returned as it is;
    a new one is read from Stripe (brand, last four, expiry) and replaces the client's
    previous card. A payment that saved it and a SetupIntent both come here."""
    existing: SavedCard | None = SavedCard.objects.filter(
        workspace_id=workspace_id, payment_method_id=method_id
    ).first()
    if existing is not None:
        return existing
    card = stripe_api.payment_method_retrieve(method_id).get("card") or {}
    SavedCard.objects.filter(client_id=client_id, active=True).update(
        active=False, removed_at=timezone.now()
    )
    saved: SavedCard = SavedCard.objects.create(
        workspace_id=workspace_id,
        client_id=client_id,
        payment_method_id=method_id,
        brand=str(card.get("brand") or "")[:20],
        last4=str(card.get("last4") or "")[:4],
        exp_month=card.get("exp_month"),
        exp_year=card.get("exp_year"),
    )
    return saved


@transaction.atomic
def saved_card_remove(*, card: SavedCard) -> None:
    """Stop charging the card (it stays on record for the payments made with it)."""
    SavedCard.objects.filter(pk=card.pk, active=True).update(
        active=False, removed_at=timezone.now()
    )
