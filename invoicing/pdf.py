"""The invoice as a PDF: templates/invoicing/document.html (the same fragment the web pages
show) rendered by WeasyPrint on A4.

A finalised invoice's PDF is stored on `Invoice.pdf` with `pdf_fingerprint` = SHA-256 of
the HTML it was made from. The HTML depends only on the invoice (status stamp, payments,
credits included), so an unchanged fingerprint means an unchanged document and the stored
file is served; anything else renders again. Drafts render (watermarked) but are never
stored: they change too often and are not documents anyone was sent.

WeasyPrint never touches the network: the fetcher below serves only files under the
static root and refuses every other URL."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.text import get_valid_filename

from accounts.tenancy import workspace_scope
from invoicing.models import Invoice

logger = logging.getLogger(__name__)

# How many PDFs this process has rendered: lets tests prove a second call did not render.
renders = 0

PAGE_CSS = """
@page { size: A4; margin: 16mm 15mm 18mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
    font: 8pt "Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif; color: #667085; } }
html, body { margin: 0; padding: 0; }
"""


def document_html(invoice: Invoice) -> str:
    """The whole HTML page the PDF is made from (deterministic for a given invoice)."""
    with workspace_scope(invoice.workspace):
        fragment = render_to_string(
            "invoicing/document.html",
            {"invoice": invoice, "lines": list(invoice.lines.all())},
        )
    title = escape(f"{invoice.get_kind_display()} {invoice.number or 'draft'}")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{PAGE_CSS}</style></head><body>{fragment}</body></html>"
    )


def fingerprint(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()


def _static_only_fetcher() -> Any:
    """Serve data: URIs (the inlined logo) and file:// URLs under the static directories;
    refuse everything else, so a PDF never reaches the network or other files."""
    from weasyprint.urls import URLFetcher

    roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]

    class StaticOnly(URLFetcher):  # weasyprint has no type hints: URLFetcher is Any
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                path = Path(url.removeprefix("file://")).resolve()
                if any(path.is_relative_to(root) for root in roots):
                    return super().fetch(url, headers)
            raise ValueError(f"The invoice PDF may not fetch {url!r}.")

    return StaticOnly(allowed_protocols=("data", "file"))


def render_pdf(html: str) -> bytes:
    """HTML → PDF bytes. CPU-bound (a fraction of a second per page)."""
    global renders  # noqa: PLW0603 - a process-wide counter is the point
    from weasyprint import HTML

    renders += 1
    base_url = str(Path(settings.STATICFILES_DIRS[0]).resolve()) + "/"
    pdf: bytes = HTML(
        string=html, base_url=base_url, url_fetcher=_static_only_fetcher()
    ).write_pdf()
    return pdf


def _fresh(invoice: Invoice) -> Invoice:
    """Reload: a caller's copy may predate a payment, and the PDF must not."""
    from django_scopes import scopes_disabled

    with scopes_disabled():  # the pk names one invoice; its own workspace scope follows
        fresh: Invoice = Invoice.objects.select_related("workspace", "client", "credits").get(
            pk=invoice.pk
        )
    return fresh


def pdf_filename(invoice: Invoice) -> str:
    """What the client's browser saves it as: INV-0001.pdf."""
    name = invoice.number or f"draft-{invoice.pk}"
    return get_valid_filename(name.replace("/", "-")) + ".pdf"


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice's PDF: the stored file while the document is unchanged, else a new
    render, stored (finalised invoices) for next time."""
    invoice = _fresh(invoice)
    html = document_html(invoice)
    if invoice.status == Invoice.Status.DRAFT:
        return render_pdf(html)
    digest = fingerprint(html)
    if invoice.pdf_fingerprint == digest and invoice.pdf:
        try:
            with invoice.pdf.open("rb") as stored:
                content: bytes = stored.read()
                return content
        except FileNotFoundError:
            logger.warning("Stored PDF of invoice %s is missing; rendering again", invoice.pk)
    data = render_pdf(html)
    _store(invoice, data, digest)
    return data


def _store(invoice: Invoice, data: bytes, digest: str) -> None:
    """Save the file, then point the invoice at it under a row lock. Two renders of the
    same content race harmlessly (same fingerprint); the replaced file is deleted once the
    new pointer is committed, never before."""
    field = invoice.pdf.field
    storage = invoice.pdf.storage
    name = storage.save(
        field.generate_filename(
            invoice, f"w{invoice.workspace_id}-{pdf_filename(invoice)[:-4]}-{digest[:12]}.pdf"
        ),
        ContentFile(data),
    )
    from django_scopes import scopes_disabled

    with transaction.atomic(), scopes_disabled():
        current = Invoice.objects.select_for_update().only("pdf").get(pk=invoice.pk)
        old = current.pdf.name
        Invoice.objects.filter(pk=invoice.pk).update(pdf=name, pdf_fingerprint=digest)
        if old and old != name:
            transaction.on_commit(lambda: storage.delete(old))
    invoice.pdf.name, invoice.pdf_fingerprint = name, digest
