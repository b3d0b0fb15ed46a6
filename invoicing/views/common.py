"""Helpers shared by the invoicing pages: the invoice of a URL (404 across tenants), the
redirect back to it, and running one service for a one-button POST."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.tenancy import WorkspaceRequest
from core.tenancy import get_tenant_object_or_404
from invoicing.models import Invoice

Status = Invoice.Status
T = TypeVar("T")
OUTSTANDING = (Status.OPEN, Status.PARTIALLY_PAID)
PAGE_SIZE = 50


def workspace_slug(request: WorkspaceRequest) -> str:
    return request.workspace.slug


def to_invoice(invoice: Invoice, anchor: str = "") -> HttpResponse:
    url = reverse("invoicing:invoice_detail", args=[invoice.workspace.slug, invoice.pk])
    return redirect(url + (f"#{anchor}" if anchor else ""))


def act(
    request: WorkspaceRequest,
    invoice: Invoice,
    call: Callable[[], T],
    success: Callable[[T], tuple[int, str]],
    anchor: str = "",
) -> HttpResponse:
    """Run one service for a POST action: its ValidationError becomes an error message,
    otherwise `success(result)` says what happened; back to the invoice either way."""
    try:
        result = call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        level, text = success(result)
        messages.add_message(request, level, text)
    return to_invoice(invoice, anchor)


def invoice_or_404(request: WorkspaceRequest, pk: int) -> Invoice:
    invoice: Invoice = get_tenant_object_or_404(
        Invoice.objects.select_related("client", "credits", "workspace"), request.workspace, pk=pk
    )
    return invoice
