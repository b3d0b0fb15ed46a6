"""One-button and small-form actions on a finalised invoice: payments and their
reversal, client credit, credit notes, void, write-off, the client link, sending."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.tenancy import WorkspaceRequest
from core.money import format_money
from core.pages import form_errors_from, role_required
from core.tenancy import get_tenant_object_or_404
from invoicing import services
from invoicing.forms import CreditNoteForm, PaymentForm, PaymentReverseForm, SendForm, VoidForm
from invoicing.models import Receipt
from invoicing.selectors import invoice_shows_no_way_to_pay
from invoicing.views.common import act, invoice_or_404, to_invoice
from invoicing.views.invoices import invoice_page


@require_POST
@role_required("write")
def invoice_payment_record(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            receipt = services.receipt_record(
                invoice=invoice,
                actor=request.user,
                amount=form.cleaned_data["amount"],
                received_on=form.cleaned_data["received_on"],
                method=form.cleaned_data["method"],
                reference=form.cleaned_data["reference"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            applied = receipt.allocations.filter(invoice=invoice).first()
            extra = receipt.amount - (applied.amount if applied else 0)
            note = (
                f" {format_money(extra, invoice.currency)} went to client credit." if extra else ""
            )
            messages.success(
                request,
                f"Payment of {format_money(receipt.amount, invoice.currency)} recorded.{note}",
            )
            return to_invoice(invoice, "payments")
    return invoice_page(request, invoice, payment_form=form, open_panel="payment")


@require_POST
@role_required("write")
def invoice_payment_reverse(request: WorkspaceRequest, pk: int, payment_pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    payment = get_tenant_object_or_404(Receipt, request.workspace, pk=payment_pk, invoice=invoice)
    form = PaymentReverseForm(request.POST)
    if form.is_valid():
        try:
            services.receipt_reverse(
                receipt=payment, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.info(request, "Payment reversed.")
            return to_invoice(invoice, "payments")
    return invoice_page(
        request, invoice, reverse_form=form, reverse_payment_id=payment.pk, open_panel="reverse"
    )


@require_POST
@role_required("write")
def invoice_credit_apply(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)

    def said(applied: Decimal) -> tuple[int, str]:
        if not applied:
            return messages.INFO, "The client has no credit to apply."
        amount = format_money(applied, invoice.currency)
        return messages.SUCCESS, f"{amount} of client credit applied."

    return act(
        request,
        invoice,
        lambda: services.client_credit_apply(invoice=invoice, actor=request.user),
        said,
        "payments",
    )


@require_POST
@role_required("write")
def invoice_credit_unapply(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)

    def said(given_back: Decimal) -> tuple[int, str]:
        if not given_back:
            return messages.INFO, "No client credit was applied to this invoice."
        amount = format_money(given_back, invoice.currency)
        return messages.SUCCESS, f"{amount} went back to the client's credit."

    return act(
        request,
        invoice,
        lambda: services.client_credit_unapply(invoice=invoice, actor=request.user),
        said,
        "payments",
    )


@require_POST
@role_required("write")
def invoice_credit_note(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    form = CreditNoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.credit_note_create(
                invoice=invoice,
                actor=request.user,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Credit note {note.number} issued.")
            return to_invoice(invoice)
    return invoice_page(request, invoice, credit_note_form=form, open_panel="credit")


@require_POST
@role_required("write")
def invoice_void(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.invoice_void(
                invoice=invoice, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.info(request, f"{invoice.number} voided. Its work can be invoiced again.")
            return to_invoice(invoice)
    return invoice_page(request, invoice, void_form=form, open_panel="void")


@require_POST
@role_required("write")
def invoice_uncollectible(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    return act(
        request,
        invoice,
        lambda: services.invoice_mark_uncollectible(invoice=invoice, actor=request.user),
        lambda _: (messages.INFO, f"{invoice.number} marked uncollectible."),
    )


@require_POST
@role_required("write")
def invoice_link_issue(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """A new link replaces the old one; the invoice page shows it (and can at any time)."""
    invoice = invoice_or_404(request, pk)
    try:
        services.invoice_link_issue(invoice=invoice, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return to_invoice(invoice)
    replaced = invoice.token_hash and invoice.link_revoked_at is None
    messages.success(
        request,
        "New client link ready: the previous one no longer works."
        if replaced
        else "Client link ready: copy it below.",
    )
    return to_invoice(invoice, "client-link")


@require_POST
@role_required("write")
def invoice_link_revoke(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    services.invoice_link_revoke(invoice=invoice, actor=request.user)
    messages.info(request, "Client link revoked: it no longer opens the invoice.")
    return to_invoice(invoice, "client-link")


@role_required("read")
def invoice_send(request: WorkspaceRequest, pk: int) -> HttpResponse:
    from invoicing.delivery import default_recipients
    from invoicing.delivery import invoice_send as send

    invoice = invoice_or_404(request, pk)
    if request.method == "POST" and not request.membership.can_write:
        raise PermissionDenied("Your role in this workspace is read-only.")
    form = SendForm(request.POST or None, initial={"to": ", ".join(default_recipients(invoice))})
    if request.method == "POST" and form.is_valid():
        try:
            sent = send(
                invoice=invoice,
                actor=request.user,
                to=form.cleaned_data["to"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request, f"{invoice.number} is on its way to {', '.join(sent.data['to'])}."
            )
            return to_invoice(invoice, "timeline")
    context = {
        "invoice": invoice,
        "form": form,
        "no_way_to_pay": invoice_shows_no_way_to_pay(invoice),
    }
    return render(request, "invoicing/invoice_send.html", context)
