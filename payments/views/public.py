"""Paying an invoice by card on the client's link /i/<token>/: the panel on that page
(registered with invoicing.public_panels) and the two JSON endpoints its script calls.

Like the page itself there is no session: the token is the credential, the same rate
limit budget applies (scope "invoice", per trusted client address), and a link that is
revoked, replaced or still a draft is a 404 here (the page says why; these endpoints need
not). The POSTs come from the page, so Django's CSRF check applies: the panel renders the
token (which also sets the cookie) and the script sends it in X-CSRFToken.

`pay_start` makes or reuses the PaymentIntent the browser confirms with Stripe.js;
`pay_status` reads that intent back from Stripe at once (the webhook may come later) and
answers what the page may truthfully say: paid, processing, or failed with Stripe's
message."""

from __future__ import annotations

import json
import urllib.parse
from decimal import Decimal, InvalidOperation
from typing import Any

from csp.constants import SELF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.tenancy import workspace_scope
from core.money import amount_input, format_money
from core.ratelimit import PUBLIC_RATE_LIMIT, PUBLIC_RATE_WINDOW, rate_limited
from invoicing import services as invoicing
from invoicing.models import Invoice
from invoicing.public_panels import panel_csp_update
from invoicing.services.state import REMINDABLE
from payments import stripe_api
from payments.models import CardPayment
from payments.services.card_payments import (
    card_payment_start,
    card_payment_sync,
    chargeable_account,
    payment_settings,
)

Status = CardPayment.Status

# Stripe's own origins when STRIPE_API_BASE is unset (production): Stripe.js is served
# from js.stripe.com, calls api.stripe.com and frames 3-D Secure from hooks.stripe.com.
STRIPE_API_ORIGIN = "https://api.stripe.com"
STRIPE_HOOKS_ORIGIN = "https://hooks.stripe.com"


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def stripe_csp() -> dict[str, list[str]]:
    """The sources Stripe.js needs, from the settings of this moment."""
    js = _origin(settings.STRIPE_JS_URL)
    api = _origin(settings.STRIPE_API_BASE) if settings.STRIPE_API_BASE else STRIPE_API_ORIGIN
    frames = [js] if settings.STRIPE_API_BASE else [js, STRIPE_HOOKS_ORIGIN]
    # connect-src and frame-src are not in the base policy (default-src 'self' covers
    # them), so setting them must name 'self' again or the page's own fetches would stop.
    return {
        "script-src": [js],
        "connect-src": list(dict.fromkeys([SELF, js, api])),
        "frame-src": [SELF, *frames],
    }


def _payable(invoice: Invoice) -> bool:
    return invoice.kind == Invoice.Kind.INVOICE and invoice.status in REMINDABLE


def pay_panel(invoice: Invoice, request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    """The "Pay by card" section of the invoice's page, when the workspace can take card
    payments and something is due; otherwise nothing (the payment instructions remain)."""
    if not _payable(invoice) or not settings.STRIPE_PUBLISHABLE_KEY:
        return None
    if chargeable_account(invoice.workspace) is None:
        return None
    token = request.resolver_match.kwargs["token"] if request.resolver_match else ""
    allow_partial = payment_settings(invoice.workspace).allow_partial
    panel_csp_update(request, stripe_csp())
    get_token(request)  # the CSRF cookie the script's POSTs are checked against
    return (
        "payments/public_pay.html",
        {
            "invoice": invoice,
            "allow_partial": allow_partial,
            # With an amount field the amount is the payer's: the button names none.
            "pay_label": "Pay by card"
            if allow_partial
            else f"Pay {format_money(invoice.amount_due, invoice.currency)}",
            "amount_value": amount_input(invoice.amount_due, invoice.currency),
            "stripe_js_url": settings.STRIPE_JS_URL,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "sender": (invoice.snapshot.get("from") or {}).get("name") or invoice.workspace.name,
            "start_url": reverse("payments:invoice_pay", args=[token]),
        },
    )


def _invoice_for(token: str) -> Invoice:
    invoice = invoicing.invoice_from_token(token=token)
    if (
        invoice is None
        or invoice.status == Invoice.Status.DRAFT
        or invoice.link_revoked_at is not None
    ):
        raise Http404("No such invoice.")
    return invoice


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _error(message: str, status: int = 400) -> HttpResponse:
    return _private(JsonResponse({"error": message}, status=status))


def _message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(str(m) for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("The request was not understood.") from None
    if not isinstance(data, dict):
        raise ValidationError("The request was not understood.")
    return data


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str | int):
        raise ValidationError({"amount": "Enter an amount."})
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError({"amount": "Enter an amount."}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    return amount


@require_POST
@rate_limited(scope="invoice", limit=PUBLIC_RATE_LIMIT, window=PUBLIC_RATE_WINDOW)
def pay_start(request: HttpRequest, token: str) -> HttpResponse:
    invoice = _invoice_for(token)
    with workspace_scope(invoice.workspace):
        try:
            data = _body(request)
            amount = _amount(data.get("amount"))
            if amount is not None and not payment_settings(invoice.workspace).allow_partial:
                amount = None  # the panel offers no amount field: the whole amount due
            payment, client_secret = card_payment_start(
                invoice=invoice, amount=amount, save_card=data.get("save_card") is True
            )
        except ValidationError as error:
            return _error(_message(error))
        except stripe_api.StripeError as error:
            return _error(error.user_message or "Card payments are unavailable right now.")
        return _private(
            JsonResponse(
                {
                    "client_secret": client_secret,
                    "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                    "payment": payment.pk,
                    "status_url": reverse("payments:invoice_pay_status", args=[token, payment.pk]),
                }
            )
        )


def _outcome(payment: CardPayment) -> tuple[str, str]:
    if payment.status == Status.SUCCEEDED:
        invoice = payment.invoice
        invoice.refresh_from_db()
        if invoice.amount_due > 0:
            left = format_money(invoice.amount_due, invoice.currency)
            return "paid", f"Paid — thank you. {left} of this invoice is still due."
        return "paid", "Paid — thank you. This invoice is settled."
    if payment.status == Status.PROCESSING:
        return "processing", "Your payment is processing. This page will show it once it clears."
    if payment.status == Status.REQUIRES_PAYMENT_METHOD and payment.failure_message:
        return "failed", payment.failure_message
    if payment.status == Status.CANCELED:
        return "failed", "This payment was cancelled. Nothing was charged."
    return "failed", "The payment was not completed. Nothing was charged."


@require_POST
@rate_limited(scope="invoice", limit=PUBLIC_RATE_LIMIT, window=PUBLIC_RATE_WINDOW)
def pay_status(request: HttpRequest, token: str, payment_id: int) -> HttpResponse:
    invoice = _invoice_for(token)
    with workspace_scope(invoice.workspace):
        payment = CardPayment.objects.filter(
            pk=payment_id, invoice=invoice, origin=CardPayment.Origin.LINK
        ).first()
        if payment is None:
            raise Http404("No such payment.")
        try:
            payment = card_payment_sync(payment=payment)
        except stripe_api.StripeError as error:
            return _error(error.user_message or "Card payments are unavailable right now.")
        status, message = _outcome(payment)
        return _private(JsonResponse({"status": status, "message": message}))
