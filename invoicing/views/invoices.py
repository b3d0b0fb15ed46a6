"""The invoice list, a new draft, and the invoice page (draft editor or finalised
document, with its timeline), and its PDF."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from accounts.tenancy import WorkspaceRequest
from core.currencies import minor_units
from core.money import ZERO, amount_input, decimal_input, format_money
from core.pages import form_errors_from, role_required
from core.paginator import CappedPaginator
from engagements.models import Engagement
from invoicing import services
from invoicing.forms import (
    CreditNoteForm,
    InvoiceCreateForm,
    InvoiceFilterForm,
    InvoiceHeaderForm,
    InvoiceLineForm,
    PaymentForm,
    PaymentReverseForm,
    VoidForm,
)
from invoicing.invoice_panels import invoice_panels
from invoicing.models import Allocation, Invoice, InvoiceEvent, Receipt, TaxRate
from invoicing.selectors import invoice_currencies, invoice_shows_no_way_to_pay, owed_by_currency
from invoicing.services import late_fees
from invoicing.views.common import (
    OUTSTANDING,
    PAGE_SIZE,
    invoice_or_404,
    to_invoice,
    workspace_slug,
)


@role_required("read")
def invoice_list(request: WorkspaceRequest) -> HttpResponse:
    """Newest first, 50 a page, with what clients owe per currency. Its cost does not grow
    with the workspace's history: each filter's page is read off an index in its order
    (Invoice.Meta.indexes), the count stops at COUNT_CAP, the currencies are an index skip
    scan and the cards read open invoices only. Queries (tests/perf/test_pages.py): the
    currencies, the capped count, the page with its clients, the cards."""
    today = timezone.localdate()
    currencies = invoice_currencies(workspace=request.workspace)
    filters = InvoiceFilterForm(
        request.GET or None, workspace=request.workspace, currencies=currencies
    )
    chosen = filters.cleaned_data if filters.is_valid() else {}
    invoices = Invoice.objects.select_related("client").annotate(
        is_overdue=ExpressionWrapper(
            Q(status__in=OUTSTANDING, due_date__lt=today), output_field=BooleanField()
        )
    )
    status = chosen.get("status")
    if status == InvoiceFilterForm.OUTSTANDING:  # what the "Outstanding" cards count
        invoices = invoices.filter(status__in=OUTSTANDING)
    elif status == InvoiceFilterForm.OVERDUE:
        invoices = invoices.filter(status__in=OUTSTANDING, due_date__lt=today)
    elif status:
        invoices = invoices.filter(status=status)
    if chosen.get("client"):
        invoices = invoices.filter(client_id=chosen["client"])
    if chosen.get("currency"):
        invoices = invoices.filter(currency=chosen["currency"])
    if chosen.get("kind"):
        invoices = invoices.filter(kind=chosen["kind"])
    # Drafts have no number yet: newest first by when they were made.
    page = CappedPaginator(invoices.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # What clients owe, per currency (amounts in different currencies never add up).
    outstanding = owed_by_currency(today=today)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "filtered": any(chosen.values()),
        "querystring": query.urlencode(),
        "outstanding": outstanding,
        "today": today,
        # Any invoice at all, whatever the filters: every invoice has a currency.
        "has_any": bool(currencies),
    }
    return render(request, "invoicing/invoice_list.html", context)


@role_required("write")
def invoice_create(request: WorkspaceRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    engagement = None
    if source.get("engagement", "").isdigit():
        engagement = Engagement.objects.filter(
            pk=int(source["engagement"]), workspace=request.workspace
        ).first()
    initial = {"client": engagement.client_id} if engagement else {}
    if not initial and request.GET.get("client", "").isdigit():
        initial["client"] = int(request.GET["client"])
    form = InvoiceCreateForm(request.POST or None, initial=initial, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        client = form.cleaned_data["client"]
        same_client = engagement is not None and engagement.client_id == client.pk
        if request.POST.get("start") == "unbilled":
            # Nothing is created yet: the draft is made with the work once it is chosen.
            url = reverse("invoicing:invoice_from_work", args=[workspace_slug(request)])
            if engagement is not None and same_client:
                return redirect(f"{url}?engagement={engagement.pk}")
            return redirect(f"{url}?client={client.pk}")
        currency = engagement.currency if engagement and same_client else ""
        try:
            invoice = services.invoice_create_draft(
                workspace=request.workspace, actor=request.user, client=client, currency=currency
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Draft invoice for {client.name} created.")
            return to_invoice(invoice, "lines")
    return render(
        request, "invoicing/invoice_create.html", {"form": form, "engagement": engagement}
    )


EVENT_LABELS = {
    "created": ("Draft created", "neutral"),
    "work_added": ("Billable work added", "neutral"),
    "finalized": ("Finalised", "primary"),
    "link_issued": ("Client link issued", "neutral"),
    "link_revoked": ("Client link revoked", "warning"),
    "sent": ("Sent to the client", "primary"),
    "viewed": ("Viewed by the client", "primary"),
    "reminded": ("Reminder sent", "warning"),
    "payment": ("Payment recorded", "good"),
    "paid": ("Paid in full", "good"),
    "payment_reversed": ("Payment reversed", "bad"),
    "payment_refunded": ("Payment refunded", "warning"),
    "credit_applied": ("Client credit applied", "good"),
    "credit_withdrawn": ("Credit withdrawn: its payment was reversed", "bad"),
    "credit_returned": ("Credit note credit returned", "warning"),
    "credit_unapplied": ("Client credit taken back", "warning"),
    "credited": ("Credit note issued", "warning"),
    "voided": ("Voided", "bad"),
    "uncollectible": ("Marked uncollectible", "bad"),
    "late_fee": ("Late fee added", "warning"),
}


def _event_rows(events: list[InvoiceEvent], currency: str) -> list[dict[str, Any]]:
    methods = dict(Receipt.Method.choices)
    rows = []
    for e in events:
        label, tone = EVENT_LABELS.get(e.kind, (e.kind.replace("_", " ").capitalize(), "neutral"))
        d = e.data or {}
        detail = ""
        if e.kind == "finalized":
            label = f"Finalised as {d.get('number', '')}"
        elif e.kind == "work_added":
            detail = f"{d.get('engagement', '')} · {d.get('items', 0)} item(s)"
        elif e.kind == "payment":
            received = d.get("received") or d.get("amount")
            detail = f"{_money(received, currency)} by {methods.get(str(d.get('method')), '')}"
            if d.get("credit"):
                detail += f"; {_money(d['credit'], currency)} to client credit"
        elif e.kind in ("credit_applied", "credit_returned", "credit_unapplied"):
            detail = _money(d.get("amount"), currency)
        elif e.kind in ("payment_reversed", "credit_withdrawn", "payment_refunded"):
            detail = f"{_money(d.get('amount'), currency)}: {d.get('reason', '')}"
        elif e.kind == "credited":
            detail = f"{d.get('note', '')} for {_money(d.get('amount'), currency)}"
        elif e.kind in ("voided",) and d.get("reason"):
            detail = d["reason"]
        elif e.kind in ("sent", "reminded") and d.get("to"):
            to = d["to"]  # a list of addresses (one address as text in older events)
            detail = "To " + (", ".join(map(str, to)) if isinstance(to, list) else str(to))
        rows.append({"event": e, "label": label, "tone": tone, "detail": detail})
    return rows


def _money(value: object, currency: str) -> str:
    from decimal import InvalidOperation

    try:
        return format_money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError, TypeError):
        return str(value or "")


def client_link(request: WorkspaceRequest, token: str) -> str:
    try:
        path = reverse("invoicing:invoice_public", args=[token])
    except NoReverseMatch:  # the public page's route name, if another one is used
        path = f"/i/{token}/"
    return request.build_absolute_uri(path)


def _current_link(request: WorkspaceRequest, invoice: Invoice) -> str | None:
    membership = getattr(request, "membership", None)
    if membership is None or not membership.can_write:
        return None
    token = services.invoice_link_current(invoice)
    return client_link(request, token) if token else None


def _optional_route(name: str, *args: object) -> str | None:
    """Send and PDF come from the delivery module; the buttons show once it is there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def invoice_page(
    request: WorkspaceRequest, invoice: Invoice, *, status: int = 200, **extra: Any
) -> HttpResponse:
    today = timezone.localdate()
    workspace = request.workspace
    lines = list(invoice.lines.select_related("tax_rate", "engagement"))
    context: dict[str, Any] = {
        "invoice": invoice,
        "lines": lines,
        "today": today,
        "is_overdue": invoice.status in OUTSTANDING
        and invoice.due_date is not None
        and invoice.due_date < today,
        "no_way_to_pay": invoice_shows_no_way_to_pay(invoice),
    }
    if invoice.is_editable:
        editing = extra.get("editing_line")
        if editing is None and request.GET.get("line", "").isdigit():
            editing = next((x for x in lines if x.pk == int(request.GET["line"])), None)
        line_form = extra.get("line_form")
        if line_form is None:
            initial = {}
            if editing is not None:
                initial = {
                    "description": editing.description,
                    "quantity": decimal_input(editing.quantity),
                    "unit_price": decimal_input(editing.unit_price, minor_units(invoice.currency)),
                    "discount_percent": decimal_input(editing.discount_percent)
                    if editing.discount_percent
                    else None,
                    "tax_rate": editing.tax_rate_id,
                }
            line_form = InvoiceLineForm(initial=initial, workspace=workspace, line=editing)
        context.update(
            editing_line=editing,
            line_form=line_form,
            header_form=extra.get("header_form")
            or InvoiceHeaderForm(
                initial={
                    "issue_date": invoice.issue_date,
                    "due_date": invoice.due_date,
                    "currency": invoice.currency,
                    "notes": invoice.notes,
                    "terms": invoice.terms,
                }
            ),
            has_unbilled_engagements=Engagement.objects.filter(client=invoice.client).exists(),
            has_tax_rates=TaxRate.objects.filter(archived=False).exists(),
        )
    else:
        payments = list(
            invoice.receipts.select_related("recorded_by", "reversed_by")
            .annotate(applied=Sum("allocations__amount", filter=Q(allocations__invoice=invoice)))
            .order_by("received_on", "pk")
        )
        reversed_ids = {p.reverses_id for p in payments if p.reverses_id}
        for p in payments:
            p.is_reversed = p.pk in reversed_ids  # type: ignore[attr-defined]  # for the template
        events = list(InvoiceEvent.objects.filter(invoice=invoice).select_related("actor"))
        credit_applied = list(
            Allocation.objects.filter(
                invoice=invoice,
                kind__in=[Allocation.Kind.CREDIT_APPLIED, Allocation.Kind.CREDIT_RETURNED],
            ).order_by("created_at", "pk")
        )
        context.update(
            payments=payments,
            credit_applied=credit_applied,
            credit_applied_net=sum((a.amount for a in credit_applied), ZERO),
            credit_notes=list(invoice.credit_notes.order_by("created_at", "pk")),
            timeline=_event_rows(events, invoice.currency),
            credit_balance=services.client_credit_balance(
                client=invoice.client, currency=invoice.currency
            )
            if invoice.status in OUTSTANDING
            else ZERO,
            payment_form=extra.get("payment_form")
            or PaymentForm(initial={"amount": amount_input(invoice.amount_due, invoice.currency)}),
            credit_note_form=extra.get("credit_note_form") or CreditNoteForm(),
            void_form=extra.get("void_form") or VoidForm(),
            reverse_form=extra.get("reverse_form") or PaymentReverseForm(),
            reverse_payment_id=extra.get("reverse_payment_id"),
            open_panel=extra.get("open_panel", ""),
            link_active=bool(invoice.token_hash) and invoice.link_revoked_at is None,
            # The working link, shown again on every visit: it is an HMAC of the invoice and
            # its link version (services.invoice_link_current), so nothing secret is stored
            # to show it. Only to members who may send it; readers see that it is active.
            current_link=_current_link(request, invoice),
            creditable=invoice.total - services.credited_total(invoice),
            late_fee=late_fees.invoice_late_fee(invoice=invoice, today=timezone.localdate()),
            send_url=_optional_route("invoicing:invoice_send", workspace.slug, invoice.pk),
            pdf_url=_optional_route("invoicing:invoice_pdf", workspace.slug, invoice.pk),
            # Sections of the apps above invoicing (payments: the card payments).
            panels=invoice_panels(invoice, request),
        )
    return render(request, "invoicing/invoice_detail.html", context, status=status)


@role_required("read")
def invoice_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    return invoice_page(request, invoice_or_404(request, pk))


@role_required("read")
def invoice_pdf(request: WorkspaceRequest, pk: int) -> HttpResponse:
    from invoicing.pdf import invoice_pdf as render_invoice_pdf
    from invoicing.pdf import pdf_filename

    invoice = invoice_or_404(request, pk)
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, pdf_filename(invoice))
    return response
