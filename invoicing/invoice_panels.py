"""Sections other apps add to the professional's invoice page. Invoicing sits below them
(it may not import payments), so an app registers a builder in its AppConfig.ready — as
payments does for the invoice's card payments — and the page renders what they return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from invoicing.models import Invoice

# func(invoice, request) -> (template_name, context), or None when it has nothing to show.
InvoicePanelBuilder = Callable[[Invoice, HttpRequest], tuple[str, dict[str, Any]] | None]
_builders: list[InvoicePanelBuilder] = []


@dataclass(frozen=True)
class InvoicePanel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


def register_invoice_panel(builder: InvoicePanelBuilder) -> None:
    if builder not in _builders:
        _builders.append(builder)


def invoice_panels(invoice: Invoice, request: HttpRequest) -> list[InvoicePanel]:
    """The registered sections for this invoice (inside the workspace's scope)."""
    found = []
    for builder in _builders:
        built = builder(invoice, request)
        if built is not None:
            found.append(InvoicePanel(template=built[0], context=built[1]))
    return found
