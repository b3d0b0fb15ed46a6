"""Dashboard pages of invoicing under /w/<workspace>/invoices/.

Thin, like the engagement pages: parse a form, call one service, render. Every POST that
writes is gated by `role_required("write")` (accountants read only: 403); every object
comes through `get_tenant_object_or_404` (another workspace's id is a 404). A service's
ValidationError lands on the form it came from with a 200, or, for one-button actions, in
a flash message after the redirect."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from core.money import ZERO, format_money, quantize
from core.pages import form_errors_from, role_required
from core.tenancy import get_tenant_object_or_404
from engagements.billing import unbilled_items, unbilled_total
from engagements.models import Engagement
from invoicing import services
from invoicing.forms import (
    AddUnbilledForm,
    CreditNoteForm,
    ExchangeRateForm,
    ExchangeRateImportForm,
    InvoiceCreateForm,
    InvoiceFilterForm,
    InvoiceHeaderForm,
    InvoiceLineForm,
    PaymentForm,
    PaymentReverseForm,
    SendForm,
    TaxRateForm,
    VoidForm,
)
from invoicing.models import ExchangeRate, Invoice, InvoiceEvent, InvoiceLine, Payment, TaxRate
from invoicing.rates_csv import exchange_rates_import
from invoicing.services import late_fees
from invoicing.services.state import UNSET

Status = Invoice.Status
OUTSTANDING = (Status.OPEN, Status.PARTIALLY_PAID)
PAGE_SIZE = 50


def _ws(request: HttpRequest) -> str:
    return request.workspace.slug


def _to_invoice(invoice: Invoice, anchor: str = "") -> HttpResponse:
    url = reverse("invoicing:invoice_detail", args=[invoice.workspace.slug, invoice.pk])
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _act(request: HttpRequest, invoice: Invoice, call, success, anchor: str = "") -> HttpResponse:
    """Run one service for a POST action: its ValidationError becomes an error message,
    otherwise `success(result)` says what happened; back to the invoice either way."""
    try:
        result = call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        level, text = success(result)
        messages.add_message(request, level, text)
    return _to_invoice(invoice, anchor)


def _invoice(request: HttpRequest, pk: int) -> Invoice:
    return get_tenant_object_or_404(
        Invoice.objects.select_related("client", "credits", "workspace"), request.workspace, pk=pk
    )


# --- The list --------------------------------------------------------------------------------
@role_required("read")
def invoice_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    currencies = list(
        Invoice.objects.order_by("currency").values_list("currency", flat=True).distinct()
    )
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
    if status == InvoiceFilterForm.OVERDUE:
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
    page = Paginator(invoices.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # What clients owe, per currency (amounts in different currencies never add up).
    due = F("total") - F("amount_paid") - F("amount_credited")
    outstanding = list(
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status__in=OUTSTANDING)
        .values("currency")
        .annotate(
            amount=Sum(due),
            count=Count("pk"),
            overdue=Sum(due, filter=Q(due_date__lt=today)),
            overdue_count=Count("pk", filter=Q(due_date__lt=today)),
        )
        .order_by("currency")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "filtered": any(chosen.values()),
        "querystring": query.urlencode(),
        "outstanding": outstanding,
        "today": today,
        "has_any": page.paginator.count > 0 or bool(currencies),
    }
    return render(request, "invoicing/invoice_list.html", context)


# --- A new draft -------------------------------------------------------------------------------
@role_required("write")
def invoice_create(request: HttpRequest) -> HttpResponse:
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
        from_work = request.POST.get("start") == "unbilled"
        currency = engagement.currency if engagement and engagement.client_id == client.pk else ""
        try:
            invoice = services.invoice_create_draft(
                workspace=request.workspace, actor=request.user, client=client, currency=currency
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Draft invoice for {client.name} created.")
            if from_work:
                url = reverse("invoicing:invoice_unbilled", args=[_ws(request), invoice.pk])
                if engagement and engagement.client_id == client.pk:
                    url += f"?engagement={engagement.pk}"
                return redirect(url)
            return _to_invoice(invoice, "lines")
    return render(
        request, "invoicing/invoice_create.html", {"form": form, "engagement": engagement}
    )


# --- Unbilled work onto a draft ----------------------------------------------------------------
def _period(request: HttpRequest) -> tuple[dt.date | None, dt.date | None]:
    def day(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    return day("period_start"), day("period_end")


def _unbilled_page(request, invoice: Invoice, *, form=None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    if form is not None and form.is_bound:
        start = form.cleaned_data.get("period_start") if hasattr(form, "cleaned_data") else None
        end = form.cleaned_data.get("period_end") if hasattr(form, "cleaned_data") else None
    else:
        start, end = _period(request)
    engagements = list(
        Engagement.objects.filter(client=invoice.client).order_by("-start_date", "pk")
    )
    focus = request.GET.get("engagement", "")
    rows = []
    for engagement in engagements:
        items = unbilled_items(engagement, as_of=today, period_start=start, period_end=end)
        currency = engagement.currency
        # A preview of the lines invoice_add_unbilled makes, with the same grouping.
        lines = [
            {**g, "amount": quantize(g["quantity"] * g["unit_price"], currency)}
            for g in services.group_items(items)
        ]
        total = unbilled_total(items, currency)
        percent = engagement.benefits_contribution_percent if items else None
        rows.append(
            {
                "engagement": engagement,
                "items": items,
                "total": total,
                "lines": lines,
                "benefits": percent,
                "benefits_amount": quantize(total * percent / 100, currency) if percent else None,
                "currency_ok": engagement.currency == invoice.currency,
                "focus": focus == str(engagement.pk),
                "form": form
                if form is not None and str(form.data.get("engagement")) == str(engagement.pk)
                else None,
            }
        )
    rows.sort(key=lambda r: (not r["focus"], not r["items"]))
    context = {
        "invoice": invoice,
        "rows": rows,
        "today": today,
        "period_start": start,
        "period_end": end,
        "tax_rates": TaxRate.objects.filter(archived=False),
        "add_form": form,
    }
    return render(request, "invoicing/invoice_unbilled.html", context, status=status)


@role_required("read")
def invoice_unbilled(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if request.method == "POST":
        return _invoice_unbilled_add(request, invoice)
    if not invoice.is_editable:
        messages.info(request, "This invoice is finalised: work is added to drafts only.")
        return _to_invoice(invoice)
    return _unbilled_page(request, invoice)


@role_required("write")
def _invoice_unbilled_add(request: HttpRequest, invoice: Invoice) -> HttpResponse:
    ids = list(Engagement.objects.filter(client=invoice.client).values_list("pk", flat=True))
    form = AddUnbilledForm(request.POST, workspace=request.workspace, engagement_ids=ids)
    if form.is_valid():
        data = form.cleaned_data
        engagement = Engagement.objects.get(pk=data["engagement"], workspace=request.workspace)
        try:
            lines = services.invoice_add_unbilled(
                invoice=invoice,
                actor=request.user,
                engagement=engagement,
                as_of=timezone.localdate(),
                period_start=data["period_start"],
                period_end=data["period_end"],
                tax_rate=data["tax_rate"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request,
                f"Added {len(lines)} line{'s' if len(lines) != 1 else ''} from "
                f"“{engagement.name}”.",
            )
            return _to_invoice(invoice, "lines")
    return _unbilled_page(request, invoice, form=form)


# --- The invoice page: draft editor or finalised document ------------------------------------
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
    "credited": ("Credit note issued", "warning"),
    "voided": ("Voided", "bad"),
    "uncollectible": ("Marked uncollectible", "bad"),
    "late_fee": ("Late fee added", "warning"),
}


def _event_rows(events: list[InvoiceEvent], currency: str) -> list[dict]:
    methods = dict(Payment.Method.choices)
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
            detail = f"{_money(d.get('amount'), currency)} by {methods.get(d.get('method'), '')}"
            if d.get("credit"):
                detail += f"; {_money(d['credit'], currency)} to client credit"
        elif e.kind == "payment_reversed":
            detail = f"{_money(d.get('amount'), currency)}: {d.get('reason', '')}"
        elif e.kind == "credited":
            detail = f"{d.get('note', '')} for {_money(d.get('amount'), currency)}"
        elif e.kind in ("voided",) and d.get("reason"):
            detail = d["reason"]
        elif e.kind in ("sent", "reminded") and d.get("to"):
            detail = f"To {d['to']}"
        rows.append({"event": e, "label": label, "tone": tone, "detail": detail})
    return rows


def _money(value, currency: str) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        return format_money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError, TypeError):
        return str(value or "")


def _client_link(request: HttpRequest, token: str) -> str:
    try:
        path = reverse("invoicing:invoice_public", args=[token])
    except NoReverseMatch:  # the public page's route name, if another one is used
        path = f"/i/{token}/"
    return request.build_absolute_uri(path)


def _optional_route(name: str, *args) -> str | None:
    """Send and PDF come from the delivery module; the buttons show once it is there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _invoice_page(request, invoice: Invoice, *, status: int = 200, **extra) -> HttpResponse:
    today = timezone.localdate()
    workspace = request.workspace
    lines = list(invoice.lines.select_related("tax_rate", "engagement"))
    context: dict = {
        "invoice": invoice,
        "lines": lines,
        "today": today,
        "is_overdue": invoice.status in OUTSTANDING
        and invoice.due_date is not None
        and invoice.due_date < today,
        "new_link": extra.get("new_link"),
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
                    "quantity": editing.quantity.normalize(),
                    "unit_price": editing.unit_price.normalize(),
                    "discount_percent": editing.discount_percent.normalize()
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
            invoice.payments.select_related("recorded_by", "reversed_by").order_by(
                "received_on", "pk"
            )
        )
        reversed_ids = {p.reverses_id for p in payments if p.reverses_id}
        for p in payments:
            p.is_reversed = p.pk in reversed_ids
        events = list(InvoiceEvent.objects.filter(invoice=invoice).select_related("actor"))
        context.update(
            payments=payments,
            credit_notes=list(invoice.credit_notes.order_by("created_at", "pk")),
            timeline=_event_rows(events, invoice.currency),
            credit_balance=services.client_credit_balance(
                client=invoice.client, currency=invoice.currency
            )
            if invoice.status in OUTSTANDING
            else ZERO,
            payment_form=extra.get("payment_form")
            or PaymentForm(initial={"amount": invoice.amount_due.normalize()}),
            credit_note_form=extra.get("credit_note_form") or CreditNoteForm(),
            void_form=extra.get("void_form") or VoidForm(),
            reverse_form=extra.get("reverse_form") or PaymentReverseForm(),
            reverse_payment_id=extra.get("reverse_payment_id"),
            open_panel=extra.get("open_panel", ""),
            link_active=bool(invoice.token_hash) and invoice.link_revoked_at is None,
            creditable=invoice.total - invoice.amount_credited,
            late_fee=late_fees.invoice_late_fee(invoice=invoice, today=timezone.localdate()),
            send_url=_optional_route("invoicing:invoice_send", workspace.slug, invoice.pk),
            pdf_url=_optional_route("invoicing:invoice_pdf", workspace.slug, invoice.pk),
        )
    return render(request, "invoicing/invoice_detail.html", context, status=status)


@role_required("read")
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_page(request, _invoice(request, pk))


@require_POST
@role_required("write")
def invoice_header_save(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    form = InvoiceHeaderForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            services.invoice_update_draft(
                invoice=invoice,
                actor=request.user,
                issue_date=data["issue_date"],
                due_date=data["due_date"],
                currency=data["currency"],
                notes=data["notes"],
                terms=data["terms"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Invoice details saved.")
            return _to_invoice(invoice)
    invoice = _invoice(request, pk)  # the page shows what is stored, not the failed edit
    return _invoice_page(request, invoice, header_form=form)


@require_POST
@role_required("write")
def invoice_line_save(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    line = None
    line_id = request.POST.get("line_id", "")
    if line_id:
        line = get_tenant_object_or_404(
            InvoiceLine.objects.select_related("tax_rate"),
            request.workspace,
            pk=line_id if line_id.isdigit() else 0,
            invoice=invoice,
        )
    form = InvoiceLineForm(request.POST, workspace=request.workspace, line=line)
    if line is not None:  # disabled fields (billed work) take the stored values
        form.initial.update(quantity=line.quantity, unit_price=line.unit_price)
    if form.is_valid():
        try:
            data = form.cleaned_data
            billed = line is not None and line.kind != InvoiceLine.Kind.MANUAL
            services.invoice_line_save(
                invoice=invoice,
                actor=request.user,
                line=line,
                description=data["description"],
                # Billed work keeps its quantity and price: not given, so not changed.
                quantity=UNSET if billed else data["quantity"],
                unit_price=UNSET if billed else data["unit_price"],
                discount_percent=data.get("discount_percent") or Decimal("0"),
                tax_rate=data["tax_rate"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Line saved." if line else "Line added.")
            return _to_invoice(invoice, "lines")
    invoice = _invoice(request, pk)
    return _invoice_page(request, invoice, line_form=form, editing_line=line)


@require_POST
@role_required("write")
def invoice_line_delete(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    line = get_tenant_object_or_404(InvoiceLine, request.workspace, pk=line_pk, invoice=invoice)
    return _act(
        request,
        invoice,
        lambda: services.invoice_line_delete(line=line, actor=request.user),
        lambda _: (messages.INFO, "Line removed."),
        "lines",
    )


@require_POST
@role_required("write")
def invoice_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    return _act(
        request,
        invoice,
        lambda: services.invoice_finalize(invoice=invoice, actor=request.user),
        lambda done: (messages.SUCCESS, f"Invoice {done.number} finalised."),
    )


@require_POST
@role_required("write")
def invoice_delete(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    try:
        services.invoice_draft_delete(invoice=invoice, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _to_invoice(invoice)
    messages.info(request, "Draft deleted. Its billable work is unbilled again.")
    return redirect("invoicing:invoice_list", workspace=_ws(request))


@require_POST
@role_required("write")
def invoice_payment_record(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = services.payment_record(
                invoice=invoice, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            extra = form.cleaned_data["amount"] - payment.amount
            note = (
                f" {format_money(extra, invoice.currency)} went to client credit." if extra else ""
            )
            messages.success(
                request,
                f"Payment of {format_money(payment.amount, invoice.currency)} recorded.{note}",
            )
            return _to_invoice(invoice, "payments")
    return _invoice_page(request, invoice, payment_form=form, open_panel="payment")


@require_POST
@role_required("write")
def invoice_payment_reverse(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    payment = get_tenant_object_or_404(Payment, request.workspace, pk=payment_pk, invoice=invoice)
    form = PaymentReverseForm(request.POST)
    if form.is_valid():
        try:
            services.payment_reverse(
                payment=payment, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.info(request, "Payment reversed.")
            return _to_invoice(invoice, "payments")
    return _invoice_page(
        request, invoice, reverse_form=form, reverse_payment_id=payment.pk, open_panel="reverse"
    )


@require_POST
@role_required("write")
def invoice_credit_apply(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)

    def said(payment):
        if payment is None:
            return messages.INFO, "The client has no credit to apply."
        amount = format_money(payment.amount, invoice.currency)
        return messages.SUCCESS, f"{amount} of client credit applied."

    return _act(
        request,
        invoice,
        lambda: services.client_credit_apply(invoice=invoice, actor=request.user),
        said,
        "payments",
    )


@require_POST
@role_required("write")
def invoice_credit_note(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
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
            return _to_invoice(invoice)
    return _invoice_page(request, invoice, credit_note_form=form, open_panel="credit")


@require_POST
@role_required("write")
def invoice_void(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
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
            return _to_invoice(invoice)
    return _invoice_page(request, invoice, void_form=form, open_panel="void")


@require_POST
@role_required("write")
def invoice_uncollectible(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    return _act(
        request,
        invoice,
        lambda: services.invoice_mark_uncollectible(invoice=invoice, actor=request.user),
        lambda _: (messages.INFO, f"{invoice.number} marked uncollectible."),
    )


@require_POST
@role_required("write")
def invoice_link_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """The token is shown once, in this response (only its hash is stored)."""
    invoice = _invoice(request, pk)
    try:
        token = services.invoice_link_issue(invoice=invoice, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _to_invoice(invoice)
    invoice = _invoice(request, pk)
    return _invoice_page(request, invoice, new_link=_client_link(request, token))


@require_POST
@role_required("write")
def invoice_link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    services.invoice_link_revoke(invoice=invoice, actor=request.user)
    messages.info(request, "Client link revoked: it no longer opens the invoice.")
    return _to_invoice(invoice, "client-link")


@role_required("read")
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from invoicing.pdf import invoice_pdf as render_invoice_pdf
    from invoicing.pdf import pdf_filename

    invoice = _invoice(request, pk)
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, pdf_filename(invoice))
    return response


@role_required("read")
def invoice_send(request: HttpRequest, pk: int) -> HttpResponse:
    from invoicing.delivery import default_recipients
    from invoicing.delivery import invoice_send as send

    invoice = _invoice(request, pk)
    if request.method == "POST" and not request.membership.can_write:
        raise PermissionDenied("Your role in this workspace is read-only.")
    form = SendForm(request.POST or None, initial={"to": ", ".join(default_recipients(invoice))})
    if request.method == "POST" and form.is_valid():
        try:
            sent = send(invoice=invoice, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request, f"{invoice.number} is on its way to {', '.join(sent.data['to'])}."
            )
            return _to_invoice(invoice, "timeline")
    return render(request, "invoicing/invoice_send.html", {"invoice": invoice, "form": form})


# --- Settings: tax rates -----------------------------------------------------------------------
def _tax_rates_page(request, *, form=None, editing=None, status: int = 200) -> HttpResponse:
    rates = TaxRate.objects.order_by("archived", "name", "pk")
    if form is None:
        form = TaxRateForm(instance=editing) if editing else TaxRateForm()
    return render(
        request,
        "invoicing/tax_rates.html",
        {"rates": rates, "form": form, "editing": editing},
        status=status,
    )


@role_required("read")
def tax_rate_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _tax_rate_save(request, None)
    return _tax_rates_page(request)


@role_required("read")
def tax_rate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rate = get_tenant_object_or_404(TaxRate, request.workspace, pk=pk)
    if request.method == "POST":
        return _tax_rate_save(request, rate)
    return _tax_rates_page(request, editing=rate)


@role_required("write")
def _tax_rate_save(request: HttpRequest, rate: TaxRate | None) -> HttpResponse:
    # A separate instance: a failed edit must not show in the list above the form.
    form = TaxRateForm(request.POST, instance=TaxRate.objects.get(pk=rate.pk) if rate else None)
    if form.is_valid():
        try:
            saved = services.tax_rate_save(
                workspace=request.workspace, actor=request.user, tax_rate=rate, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Tax rate “{saved.name}” saved.")
            return redirect("invoicing:invoice_tax_rates", workspace=_ws(request))
    return _tax_rates_page(request, form=form, editing=rate)


@require_POST
@role_required("write")
def tax_rate_archive(request: HttpRequest, pk: int) -> HttpResponse:
    rate = get_tenant_object_or_404(TaxRate, request.workspace, pk=pk)
    archived = request.POST.get("archived", "1") == "1"
    services.tax_rate_archive(tax_rate=rate, actor=request.user, archived=archived)
    if archived:
        messages.info(request, f"“{rate.name}” archived: invoices that use it keep it.")
    else:
        messages.success(request, f"“{rate.name}” is offered again.")
    return redirect("invoicing:invoice_tax_rates", workspace=_ws(request))


# --- Settings: exchange rates ------------------------------------------------------------------
def _rates_page(request, *, form=None, import_form=None, import_errors=None, status=200):
    rates = ExchangeRate.objects.order_by("-date", "currency")
    page = Paginator(rates, PAGE_SIZE).get_page(request.GET.get("page"))
    latest: OrderedDict[str, ExchangeRate] = OrderedDict()
    for row in ExchangeRate.objects.order_by("currency", "-date").distinct("currency"):
        latest[row.currency] = row
    return render(
        request,
        "invoicing/exchange_rates.html",
        {
            "page": page,
            "latest": list(latest.values()),
            "form": form or ExchangeRateForm(workspace=request.workspace),
            "import_form": import_form or ExchangeRateImportForm(),
            "import_errors": import_errors or [],
            "base_currency": request.workspace.base_currency,
        },
        status=status,
    )


@role_required("read")
def exchange_rate_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _exchange_rate_add(request)
    return _rates_page(request)


@role_required("write")
def _exchange_rate_add(request: HttpRequest) -> HttpResponse:
    form = ExchangeRateForm(request.POST, workspace=request.workspace)
    if form.is_valid():
        try:
            row = services.exchange_rate_save(
                workspace=request.workspace, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Rate for {row.currency} on {row.date:%b %-d, %Y} saved.")
            return redirect("invoicing:invoice_exchange_rates", workspace=_ws(request))
    return _rates_page(request, form=form)


@require_POST
@role_required("write")
def exchange_rate_import(request: HttpRequest) -> HttpResponse:
    form = ExchangeRateImportForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        try:
            count = exchange_rates_import(
                workspace=request.workspace,
                actor=request.user,
                content=form.cleaned_data["file"].read(),
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"{count} rate{'s' if count != 1 else ''} imported.")
            return redirect("invoicing:invoice_exchange_rates", workspace=_ws(request))
    return _rates_page(request, import_form=form, import_errors=errors)
