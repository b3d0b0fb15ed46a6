"""A refund of a card payment, asked for from the invoice page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accounts.tenancy import WorkspaceRequest
from core.money import format_money
from core.pages import role_required
from invoicing.views.common import invoice_or_404
from payments import services, stripe_api
from payments.forms import RefundForm
from payments.models import CardPayment


@require_POST
@role_required("write")
def card_refund(request: WorkspaceRequest, pk: int, payment_pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    payment = get_object_or_404(CardPayment, pk=payment_pk, invoice=invoice)
    back = redirect("invoicing:invoice_detail", request.workspace.slug, invoice.pk)
    form = RefundForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Refund not made: {error}")
        return back
    try:
        refund = services.card_refund_create(
            payment=payment,
            actor=request.user,
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, f"Refund not made: {error}")
        return back
    except stripe_api.StripeError:
        messages.error(request, "Stripe could not be reached; no refund was made. Try again.")
        return back
    messages.success(
        request, f"Refund of {format_money(refund.amount, payment.currency)} made to the card."
    )
    back["Location"] += "#card-payments"
    return back
