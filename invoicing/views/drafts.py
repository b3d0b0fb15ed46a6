"""Editing a draft: its header, its lines, unbilled work onto it; finalising or deleting
it. A refused edit re-renders the invoice page with the form's errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.tenancy import WorkspaceRequest
from core.inputs import UNSET
from core.money import quantize
from core.pages import form_errors_from, role_required
from core.tenancy import get_tenant_object_or_404
from engagements.billing import unbilled_items, unbilled_total
from engagements.models import Client, Engagement
from invoicing import services
from invoicing.forms import (
    AddUnbilledForm,
    InvoiceCreateForm,
    InvoiceHeaderForm,
    InvoiceLineForm,
)
from invoicing.models import Invoice, InvoiceLine, TaxRate
from invoicing.views.common import act, invoice_or_404, to_invoice, workspace_slug
from invoicing.views.invoices import invoice_page


def _period(request: WorkspaceRequest) -> tuple[dt.date | None, dt.date | None]:
    def day(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    return day("period_start"), day("period_end")


def _unbilled_page(
    request: WorkspaceRequest,
    invoice: Invoice | None,
    *,
    client: Client,
    form: AddUnbilledForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The client's unbilled work per engagement, previewed as the lines it makes: onto
    an existing draft (`invoice`), or, with none, the one step that creates the draft with
    the chosen work (invoice_from_work)."""
    today = timezone.localdate()
    if form is not None and form.is_bound:
        start = form.cleaned_data.get("period_start") if hasattr(form, "cleaned_data") else None
        end = form.cleaned_data.get("period_end") if hasattr(form, "cleaned_data") else None
    else:
        start, end = _period(request)
    engagements = list(Engagement.objects.filter(client=client).order_by("-start_date", "pk"))
    focus = request.GET.get("engagement", "") or str((form.data if form else {}).get("engagement"))
    rows = []
    for engagement in engagements:
        items = unbilled_items(engagement, as_of=today, period_start=start, period_end=end)
        currency = engagement.currency
        # A preview of the lines invoice_add_unbilled makes, with the same grouping.
        lines = [
            {**g, "amount": quantize(g["quantity"] * g["unit_price"], currency)}
            for g in services.group_items(items, engagement=engagement)
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
                "currency_ok": invoice is None or engagement.currency == invoice.currency,
                "focus": focus == str(engagement.pk),
                "form": form
                if form is not None and str(form.data.get("engagement")) == str(engagement.pk)
                else None,
            }
        )
    rows.sort(key=lambda r: (not r["focus"], not r["items"]))
    if invoice is not None:
        page_url = reverse("invoicing:invoice_unbilled", args=[workspace_slug(request), invoice.pk])
        chosen = {}
    else:
        page_url = reverse("invoicing:invoice_from_work", args=[workspace_slug(request)])
        chosen = {"client": client.pk}
    context = {
        "invoice": invoice,
        "client": client,
        "page_url": page_url,
        "chosen": chosen,
        "rows": rows,
        "today": today,
        "period_start": start,
        "period_end": end,
        "tax_rates": TaxRate.objects.filter(archived=False),
        "add_form": form,
    }
    return render(request, "invoicing/invoice_unbilled.html", context, status=status)


@role_required("read")
def invoice_unbilled(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    if request.method == "POST":
        return _invoice_unbilled_add(request, invoice)
    if not invoice.is_editable:
        messages.info(request, "This invoice is finalised: work is added to drafts only.")
        return to_invoice(invoice)
    return _unbilled_page(request, invoice, client=invoice.client)


def _work_chosen(request: WorkspaceRequest) -> tuple[Client, Engagement | None]:
    """The client (and engagement) whose work is being invoiced, from the query or the
    form: another workspace's is a 404, like unreadable ids."""
    source = request.POST if request.method == "POST" else request.GET
    engagement_id, client_id = source.get("engagement", ""), source.get("client", "")
    if engagement_id:
        engagement: Engagement = get_tenant_object_or_404(
            Engagement.objects.select_related("client"),
            request.workspace,
            pk=int(engagement_id) if engagement_id.isdigit() else 0,
        )
        return engagement.client, engagement
    client: Client = get_tenant_object_or_404(
        Client, request.workspace, pk=int(client_id) if client_id.isdigit() else 0
    )
    return client, None


@role_required("write")
def invoice_from_work(request: WorkspaceRequest) -> HttpResponse:
    """ "Invoice this work" in one step: the client's unbilled work, and a button per
    engagement that creates the draft with it. Nothing is created by looking, and nothing
    is left behind when there is nothing to bill."""
    source = request.POST if request.method == "POST" else request.GET
    if not source.get("engagement") and not source.get("client"):
        # First, whose work: a client picker that only navigates (GET).
        picker = InvoiceCreateForm(workspace=request.workspace)
        return render(request, "invoicing/invoice_from_work_client.html", {"form": picker})
    client, engagement = _work_chosen(request)
    if request.method != "POST":
        return _unbilled_page(request, None, client=client)
    ids = list(Engagement.objects.filter(client=client).values_list("pk", flat=True))
    form = AddUnbilledForm(request.POST, workspace=request.workspace, engagement_ids=ids)
    if engagement is None:
        form.add_error(None, "Choose the engagement whose work to invoice.")
    elif form.is_valid():
        data = form.cleaned_data
        try:
            invoice, lines = services.invoice_create_from_unbilled(
                workspace=request.workspace,
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
                f"Draft invoice for {client.name} created with {len(lines)} "
                f"line{'s' if len(lines) != 1 else ''} from “{engagement.name}”.",
            )
            return to_invoice(invoice, "lines")
    return _unbilled_page(request, None, client=client, form=form)


@role_required("write")
def _invoice_unbilled_add(request: WorkspaceRequest, invoice: Invoice) -> HttpResponse:
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
            return to_invoice(invoice, "lines")
    return _unbilled_page(request, invoice, client=invoice.client, form=form)


@require_POST
@role_required("write")
def invoice_header_save(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
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
            return to_invoice(invoice)
    invoice = invoice_or_404(request, pk)  # the page shows what is stored, not the failed edit
    return invoice_page(request, invoice, header_form=form)


@require_POST
@role_required("write")
def invoice_line_save(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
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
            return to_invoice(invoice, "lines")
    invoice = invoice_or_404(request, pk)
    return invoice_page(request, invoice, line_form=form, editing_line=line)


@require_POST
@role_required("write")
def invoice_line_delete(request: WorkspaceRequest, pk: int, line_pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    line = get_tenant_object_or_404(InvoiceLine, request.workspace, pk=line_pk, invoice=invoice)
    return act(
        request,
        invoice,
        lambda: services.invoice_line_delete(line=line, actor=request.user),
        lambda _: (messages.INFO, "Line removed."),
        "lines",
    )


@require_POST
@role_required("write")
def invoice_finalize(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    return act(
        request,
        invoice,
        lambda: services.invoice_finalize(invoice=invoice, actor=request.user),
        lambda done: (messages.SUCCESS, f"Invoice {done.number} finalised."),
    )


@require_POST
@role_required("write")
def invoice_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invoice = invoice_or_404(request, pk)
    try:
        services.invoice_draft_delete(invoice=invoice, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return to_invoice(invoice)
    messages.info(request, "Draft deleted. Its billable work is unbilled again.")
    return redirect("invoicing:invoice_list", workspace=workspace_slug(request))
