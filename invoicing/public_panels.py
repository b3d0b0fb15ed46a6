"""Sections other apps add to the client's invoice page at /i/<token>/. Invoicing sits
below them (it may not import payments), so an app registers a builder in its
AppConfig.ready — as payments does for paying by card — and the page renders what the
builders return, below the invoice's summary.

A builder is called inside the invoice's workspace scope with the invoice and the request
and returns `(template_name, context)` or None (nothing to show). A builder whose section
loads something from another origin (Stripe.js) widens the page's Content-Security-Policy
for this one response with `panel_csp_update`; no other page is affected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponseBase

from invoicing.models import Invoice

PublicInvoicePanel = tuple[str, dict[str, Any]]
PublicInvoicePanelBuilder = Callable[[Invoice, HttpRequest], PublicInvoicePanel | None]
_builders: list[PublicInvoicePanelBuilder] = []

# Where a builder's CSP additions wait on the request until the page's response exists.
_CSP_ATTR = "_public_panel_csp_update"

Response = TypeVar("Response", bound=HttpResponseBase)


def register_public_invoice_panel(builder: PublicInvoicePanelBuilder) -> None:
    if builder not in _builders:
        _builders.append(builder)


def public_invoice_panels(invoice: Invoice, request: HttpRequest) -> list[PublicInvoicePanel]:
    """The registered sections for this invoice's page, in registration order."""
    panels = [builder(invoice, request) for builder in _builders]
    return [panel for panel in panels if panel is not None]


def panel_csp_update(request: HttpRequest, directives: dict[str, list[str]]) -> None:
    """Add sources to directives of this response's CSP (django-csp's `_csp_update`)."""
    update: dict[str, list[str]] = getattr(request, _CSP_ATTR, {})
    for directive, sources in directives.items():
        known = update.setdefault(directive, [])
        known.extend(source for source in sources if source not in known)
    setattr(request, _CSP_ATTR, update)


def apply_panel_csp(request: HttpRequest, response: Response) -> Response:
    update = getattr(request, _CSP_ATTR, None)
    if update:
        response._csp_update = update  # type: ignore[attr-defined]  # read by CSPMiddleware
    return response
