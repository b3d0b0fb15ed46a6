"""The client's page of one invoice at /i/<token>/ and its PDF at /i/<token>/pdf/.

No session: the token in the URL is the credential (only its hash is stored). A link
that was replaced by a new one, or revoked, answers 410 with a page that says so and whom
to ask, and nothing of the invoice; a token that never was a link is the client-facing
404 (portfolio.views.not_found). It crosses tenants on purpose through
`services.invoice_from_token`, then works only inside that invoice's workspace scope, and
shows nothing but that one document: no links to other invoices or into the app. Rate
limited per client address (core.ratelimit; page and PDF share one budget) so
tokens cannot be walked."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.tenancy import workspace_scope
from core.ratelimit import PUBLIC_RATE_LIMIT, PUBLIC_RATE_WINDOW, rate_limited
from core.tenancy import membership_for
from invoicing import services
from invoicing.models import Invoice, InvoiceEvent
from invoicing.pdf import invoice_pdf, pdf_filename
from invoicing.public_panels import apply_panel_csp, public_invoice_panels


class LinkGone(Exception):
    """The token was this invoice's link once: replaced by a newer one, or revoked."""

    def __init__(self, invoice: Invoice, *, replaced: bool) -> None:
        super().__init__(invoice.pk)
        self.invoice, self.replaced = invoice, replaced


def _invoice_for(token: str) -> Invoice:
    invoice = services.invoice_from_token(token=token)
    if invoice is None:
        retired = services.invoice_from_retired_token(token=token)
        if retired is not None:
            raise LinkGone(retired, replaced=True)
        raise Http404("No such invoice.")
    if invoice.status == Invoice.Status.DRAFT:
        raise Http404("No such invoice.")
    if invoice.link_revoked_at is not None:
        raise LinkGone(invoice, replaced=False)
    return invoice


def _sender(invoice: Invoice) -> str:
    return (invoice.snapshot.get("from") or {}).get("name") or invoice.workspace.name


def _contact(invoice: Invoice) -> str:
    """Whom the client can ask: the address the invoice was last emailed from (its
    reply-to), else whoever made it."""
    sends = InvoiceEvent.objects.filter(invoice=invoice, kind="sent").order_by("-at", "-pk")
    for data in sends.values_list("data", flat=True)[:1]:
        if data.get("reply_to"):
            return str(data["reply_to"])
    creator = invoice.created_by
    return creator.email if creator else ""


def _link_gone(request: HttpRequest, gone: LinkGone) -> HttpResponse:
    """410, not 404: the link existed and will not come back. Says who sent it and how
    to reach them; shows nothing of the invoice."""
    invoice = gone.invoice
    with workspace_scope(invoice.workspace):
        context = {
            "replaced": gone.replaced,
            "sender": _sender(invoice),
            "contact": _contact(invoice),
            "document": "credit note" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "invoice",
        }
    return _private(render(request, "public/link_gone.html", context, status=410))


def _private(response: HttpResponse) -> HttpResponse:
    # The URL is a credential: keep it out of caches, referrers and search engines.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _opened(request: HttpRequest, invoice: Invoice) -> bool:
    """Mark the invoice viewed, unless a member of its workspace is checking the link."""
    is_member = membership_for(request.user, invoice.workspace) is not None
    if not is_member:
        services.invoice_mark_viewed(invoice=invoice)
    return is_member


@rate_limited(scope="invoice", limit=PUBLIC_RATE_LIMIT, window=PUBLIC_RATE_WINDOW)
def invoice_public(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invoice = _invoice_for(token)
    except LinkGone as gone:
        return _link_gone(request, gone)
    with workspace_scope(invoice.workspace):
        is_member = _opened(request, invoice)
        overdue = (
            invoice.kind == Invoice.Kind.INVOICE
            and invoice.status in (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)
            and invoice.due_date is not None
            # The workspace's date, not the server's: this page runs outside /w/<slug>/,
            # so no middleware has switched to the workspace's time zone.
            and invoice.due_date < invoice.workspace.today()
        )
        response = render(
            request,
            "invoicing/public/invoice.html",
            {
                "invoice": invoice,
                "lines": list(invoice.lines.all()),
                "sender": _sender(invoice),
                "pdf_url": reverse("invoicing:invoice_public_pdf", args=[token]),
                "is_member": is_member,
                "overdue": overdue,
                "panels": public_invoice_panels(invoice, request),
            },
        )
    return _private(apply_panel_csp(request, response))


@rate_limited(scope="invoice", limit=PUBLIC_RATE_LIMIT, window=PUBLIC_RATE_WINDOW)
def invoice_public_pdf(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invoice = _invoice_for(token)
    except LinkGone as gone:
        return _link_gone(request, gone)
    with workspace_scope(invoice.workspace):
        _opened(request, invoice)
        data = invoice_pdf(invoice)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(invoice)}"'
    return _private(response)
