"""Payments' writes, one module per concept (the Stripe boundary)."""

from payments.services.autocharge import (
    autocharge_queue,
    autocharge_retries_queue,
    invoice_autocharge,
)
from payments.services.card_payments import (
    card_payment_start,
    card_payment_sync,
    chargeable_account,
    payment_settings,
)
from payments.services.cards import customer_for, saved_card_remove
from payments.services.connect import onboarding_link, stripe_account_start, stripe_account_sync
from payments.services.disputes import dispute_sync
from payments.services.events import event_process, event_receive, event_replay, events_sweep
from payments.services.payouts import balance, payout_request, payout_sync
from payments.services.refunds import card_refund_create
from payments.services.settings import payment_settings_update

__all__ = [
    "autocharge_queue",
    "autocharge_retries_queue",
    "balance",
    "card_payment_start",
    "card_payment_sync",
    "card_refund_create",
    "chargeable_account",
    "customer_for",
    "dispute_sync",
    "event_process",
    "event_receive",
    "event_replay",
    "events_sweep",
    "invoice_autocharge",
    "onboarding_link",
    "payment_settings",
    "payment_settings_update",
    "payout_request",
    "payout_sync",
    "saved_card_remove",
    "stripe_account_start",
    "stripe_account_sync",
]
