"""Settings pages: tax rates (/invoices/tax-rates/) and exchange rates, typed in or
imported from CSV (/invoices/exchange-rates/)."""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.tenancy import WorkspaceRequest
from core.pages import form_errors_from, role_required
from core.paginator import CappedPaginator
from core.tenancy import get_tenant_object_or_404
from invoicing import services
from invoicing.forms import ExchangeRateForm, ExchangeRateImportForm, TaxRateForm
from invoicing.models import ExchangeRate, TaxRate
from invoicing.rates_csv import exchange_rates_import
from invoicing.views.common import PAGE_SIZE, workspace_slug


def _tax_rates_page(
    request: WorkspaceRequest,
    *,
    form: TaxRateForm | None = None,
    editing: TaxRate | None = None,
    status: int = 200,
) -> HttpResponse:
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
def tax_rate_list(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        return _tax_rate_save(request, None)
    return _tax_rates_page(request)


@role_required("read")
def tax_rate_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    rate = get_tenant_object_or_404(TaxRate, request.workspace, pk=pk)
    if request.method == "POST":
        return _tax_rate_save(request, rate)
    return _tax_rates_page(request, editing=rate)


@role_required("write")
def _tax_rate_save(request: WorkspaceRequest, rate: TaxRate | None) -> HttpResponse:
    # A separate instance: a failed edit must not show in the list above the form.
    form = TaxRateForm(request.POST, instance=TaxRate.objects.get(pk=rate.pk) if rate else None)
    if form.is_valid():
        try:
            saved = services.tax_rate_save(
                workspace=request.workspace,
                actor=request.user,
                tax_rate=rate,
                name=form.cleaned_data["name"],
                percent=form.cleaned_data["percent"],
                inclusive=form.cleaned_data["inclusive"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Tax rate “{saved.name}” saved.")
            return redirect("invoicing:invoice_tax_rates", workspace=workspace_slug(request))
    return _tax_rates_page(request, form=form, editing=rate)


@require_POST
@role_required("write")
def tax_rate_archive(request: WorkspaceRequest, pk: int) -> HttpResponse:
    rate = get_tenant_object_or_404(TaxRate, request.workspace, pk=pk)
    archived = request.POST.get("archived", "1") == "1"
    services.tax_rate_archive(tax_rate=rate, actor=request.user, archived=archived)
    if archived:
        messages.info(request, f"“{rate.name}” archived: invoices that use it keep it.")
    else:
        messages.success(request, f"“{rate.name}” is offered again.")
    return redirect("invoicing:invoice_tax_rates", workspace=workspace_slug(request))


def _rates_page(
    request: WorkspaceRequest,
    *,
    form: ExchangeRateForm | None = None,
    import_form: ExchangeRateImportForm | None = None,
    import_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    rates = ExchangeRate.objects.order_by("-date", "currency")
    page = CappedPaginator(rates, PAGE_SIZE).get_page(request.GET.get("page"))
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
def exchange_rate_list(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        return _exchange_rate_add(request)
    return _rates_page(request)


@role_required("write")
def _exchange_rate_add(request: WorkspaceRequest) -> HttpResponse:
    form = ExchangeRateForm(request.POST, workspace=request.workspace)
    if form.is_valid():
        try:
            row = services.exchange_rate_save(
                workspace=request.workspace,
                actor=request.user,
                currency=form.cleaned_data["currency"],
                date=form.cleaned_data["date"],
                rate=form.cleaned_data["rate"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Rate for {row.currency} on {row.date:%b %-d, %Y} saved.")
            return redirect("invoicing:invoice_exchange_rates", workspace=workspace_slug(request))
    return _rates_page(request, form=form)


@require_POST
@role_required("write")
def exchange_rate_import(request: WorkspaceRequest) -> HttpResponse:
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
            return redirect("invoicing:invoice_exchange_rates", workspace=workspace_slug(request))
    return _rates_page(request, import_form=form, import_errors=errors)
