"""Every call to Stripe, in one module: nothing else in the project imports `stripe`.

- One `StripeClient`, built from settings: `STRIPE_SECRET_KEY`, and `STRIPE_API_BASE`
  when set (development and tests point it at the local stand-in, devstripe; production
  leaves it unset). The application never knows which it talks to.
- Every call that creates or changes something carries an idempotency key derived from
  our own ids (`"cardpayment:12:create"`), so a retry after a timeout or a crash is the
  same request to Stripe, never a second charge, refund or payout.
- Amounts cross as integer minor units (`core.currencies.to_stripe_amount`), exact.
- Reads take an optional connected account (`Stripe-Account`), for payouts and balances.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

import stripe
from django.conf import settings

from core.currencies import from_stripe_amount, to_stripe_amount

StripeError = stripe.StripeError
CardError = stripe.CardError
SignatureError = stripe.SignatureVerificationError
InvalidRequestError = stripe.InvalidRequestError

__all__ = [
    "CardError",
    "InvalidRequestError",
    "SignatureError",
    "StripeError",
    "account_create",
    "account_link_create",
    "account_retrieve",
    "balance_retrieve",
    "charge_retrieve",
    "customer_create",
    "declined_intent",
    "dispute_retrieve",
    "event_verify",
    "minor",
    "onboarding_origin",
    "money",
    "payment_intent_cancel",
    "payment_intent_create",
    "payment_intent_retrieve",
    "payment_intent_update",
    "payment_method_retrieve",
    "payout_create",
    "payout_list",
    "payout_retrieve",
    "refund_create",
    "refund_list",
]


@cache
def _client(api_key: str, api_base: str | None) -> stripe.StripeClient:
    bases: dict[str, str] = {"api": api_base} if api_base else {}
    return stripe.StripeClient(api_key, base_addresses=bases, max_network_retries=2)  # type: ignore[arg-type]


def client() -> stripe.StripeClient:
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE or None)


def onboarding_origin() -> str:
    """Where account links send the owner: Stripe's Connect pages, or devstripe's when the
    SDK is pointed at it. The settings page's CSP `form-action` allows it, since Chrome
    applies `form-action` to the redirect that follows the "Connect with Stripe" POST."""
    base = settings.STRIPE_API_BASE
    if base:
        scheme, _, rest = base.partition("://")
        return f"{scheme}://{rest.split('/')[0]}"
    return "https://connect.stripe.com"


def _options(key: str | None = None, account: str | None = None) -> Any:
    options: dict[str, str] = {}
    if key:
        options["idempotency_key"] = key
    if account:
        options["stripe_account"] = account
    return options


def _plain(obj: Any) -> Any:
    """Stripe's answer as plain dicts and lists (StripeObject is not a dict since v13)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def declined_intent(exc: stripe.CardError) -> Any:
    """The PaymentIntent a declined confirmation left behind (Stripe puts it in the
    error), as a plain dict, or None."""
    intent = getattr(exc.error, "payment_intent", None) if exc.error else None
    return _plain(intent) if intent else None


def minor(amount: Decimal, currency: str) -> int:
    return to_stripe_amount(amount, currency)


def money(value: int, currency: str) -> Decimal:
    return from_stripe_amount(int(value), currency)


# --- Connect ------------------------------------------------------------------------------


def account_create(*, key: str, email: str, country: str, workspace_id: int) -> Any:
    return _plain(
        client().v1.accounts.create(
            params={
                "type": "express",
                "country": country,
                "email": email,
                "capabilities": {
                    "card_payments": {"requested": True},
                    "transfers": {"requested": True},
                },
                "metadata": {"workspace_id": str(workspace_id)},
            },
            options=_options(key),
        )
    )


def account_retrieve(account_id: str) -> Any:
    return _plain(client().v1.accounts.retrieve(account_id))


def account_link_create(*, account_id: str, refresh_url: str, return_url: str) -> Any:
    # Account links are single-use and short-lived: each visit asks for a new one, so no
    # idempotency key (a replayed link would already be used).
    return _plain(
        client().v1.account_links.create(
            params={
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            }
        )
    )


def balance_retrieve(account_id: str) -> Any:
    return _plain(client().v1.balance.retrieve(options=_options(account=account_id)))


def payout_create(
    *, key: str, account_id: str, amount: Decimal, currency: str, payout_ref: str
) -> Any:
    return _plain(
        client().v1.payouts.create(
            params={
                "amount": to_stripe_amount(amount, currency, payout=True),
                "currency": currency.lower(),
                "metadata": {"payout_ref": payout_ref},
            },
            options=_options(key, account_id),
        )
    )


def payout_retrieve(payout_id: str, *, account_id: str) -> Any:
    return _plain(client().v1.payouts.retrieve(payout_id, options=_options(account=account_id)))


def payout_list(*, account_id: str, limit: int = 20) -> Any:
    return _plain(
        client().v1.payouts.list(params={"limit": limit}, options=_options(account=account_id))
    )


# --- Payments -------------------------------------------------------------------------------


def payment_intent_create(
    *,
    key: str,
    amount: Decimal,
    currency: str,
    destination: str,
    application_fee: Decimal,
    metadata: dict[str, str],
    description: str,
    customer: str | None = None,
    payment_method: str | None = None,
    save_card: bool = False,
    off_session: bool = False,
    receipt_email: str | None = None,
) -> Any:
    """A destination charge: paid on the platform, `amount − application_fee` transferred
    to the connected account, the application fee (benefits share + processing fee) kept
    on the platform."""
    params: dict[str, Any] = {
        "amount": to_stripe_amount(amount, currency),
        "currency": currency.lower(),
        "payment_method_types": ["card"],
        "transfer_data": {"destination": destination},
        "application_fee_amount": to_stripe_amount(application_fee, currency),
        "metadata": metadata,
        "description": description[:500],
    }
    if customer:
        params["customer"] = customer
    if save_card:
        params["setup_future_usage"] = "off_session"
    if receipt_email:
        params["receipt_email"] = receipt_email
    if off_session:
        params.update(payment_method=payment_method, off_session=True, confirm=True)
    return _plain(
        client().v1.payment_intents.create(params=params, options=_options(key))  # type: ignore[arg-type]
    )


def payment_intent_retrieve(intent_id: str) -> Any:
    """The PaymentIntent with its latest charge expanded (whether anything of it was
    refunded is then known without another call)."""
    return _plain(
        client().v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]})
    )


def payment_intent_update(intent_id: str, *, key: str, **params: Any) -> Any:
    return _plain(
        client().v1.payment_intents.update(intent_id, params=params, options=_options(key))  # type: ignore[arg-type]
    )


def payment_intent_cancel(intent_id: str, *, key: str) -> Any:
    return _plain(client().v1.payment_intents.cancel(intent_id, options=_options(key)))


def charge_retrieve(charge_id: str) -> Any:
    return _plain(client().v1.charges.retrieve(charge_id))


def refund_create(*, key: str, charge_id: str, amount: Decimal, currency: str, ref: str) -> Any:
    """Refund part or all of a destination charge: the transfer to the connected account
    and the application fee come back pro rata, so both sides give back their share."""
    return _plain(
        client().v1.refunds.create(
            params={
                "charge": charge_id,
                "amount": to_stripe_amount(amount, currency),
                "reverse_transfer": True,
                "refund_application_fee": True,
                "metadata": {"refund_ref": ref},
            },
            options=_options(key),
        )
    )


def refund_list(charge_id: str) -> Any:
    return _plain(client().v1.refunds.list(params={"charge": charge_id, "limit": 100}))


def dispute_retrieve(dispute_id: str) -> Any:
    return _plain(client().v1.disputes.retrieve(dispute_id))


def customer_create(*, key: str, name: str, email: str, client_ref: str) -> Any:
    return _plain(
        client().v1.customers.create(
            params={"name": name, "email": email, "metadata": {"client_ref": client_ref}},
            options=_options(key),
        )
    )


def payment_method_retrieve(payment_method_id: str) -> Any:
    return _plain(client().v1.payment_methods.retrieve(payment_method_id))


# --- Webhooks --------------------------------------------------------------------------------


def event_verify(payload: bytes, signature: str | None) -> Any:
    """The event in `payload` if `signature` is Stripe's for it under our endpoint secret
    (within Stripe's 5-minute tolerance); SignatureError or ValueError otherwise."""
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
