"""Invoice rows for lists, computed once in Python: `{% invoice_rows page ws today as rows %}`
and `{% invoice_status_badge invoice today %}`.

Why: the invoices page spent most of its render time in its 50 rows, each resolving
a dozen lookups through the template engine, including the status badge (an include
per row), a `{% url %}` reverse per row and babel's money formatting. Here each row is
one pass over the invoice's own fields; the detail URL is reversed once per page; the
badge is one function, which `invoicing/_status_badge.html` also calls, so every page
shows the same badge. The markup stays in the templates; only what goes in it is made
here."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import get_language

from core.money import format_money
from invoicing.models import Invoice

register = template.Library()

Status = Invoice.Status
_OUTSTANDING = (Status.OPEN, Status.PARTIALLY_PAID)
_NO_AMOUNT_DUE = (Status.DRAFT, Status.VOID)
_LONG_DATE = "M j, Y"


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """What one row of an invoice list shows, every text ready to print."""

    url: str
    number: str  # the number, or "Draft"
    kind_line: str  # "Invoice", "Credit note", or "#12 · Nov 3" for a draft
    client: str
    issued: str  # a date or "—"
    due: str  # a date or ""
    overdue: bool
    muted: bool  # void
    total: str  # "−" before a credit note's total
    amount_due: str  # "" where nothing can be due (drafts, void, credit notes)
    badge: SafeString


@functools.lru_cache(maxsize=4096)
def _cached_date(day: dt.date, fmt: str, language: str | None) -> str:
    return date_format(day, fmt)


def _date(day: dt.date, fmt: str = _LONG_DATE) -> str:
    """`{{ day|date:fmt }}`, remembered per day and language: a page's rows share a
    few issue and due dates, and Django's formatting (month names through gettext) was
    most of a row's cost."""
    return _cached_date(day, fmt, get_language())


def _is_overdue(invoice: Invoice, today: dt.date) -> bool:
    return (
        invoice.status in _OUTSTANDING and invoice.due_date is not None and invoice.due_date < today
    )


@register.simple_tag
def invoice_status_badge(invoice: Invoice, today: dt.date) -> SafeString:
    """One invoice's status as a badge; a finalised credit note reads "Credit note"."""
    status = invoice.status
    if invoice.kind == Invoice.Kind.CREDIT_NOTE and status not in _NO_AMOUNT_DUE:
        return mark_safe('<span class="badge inv-status-note">Credit note</span>')  # noqa: S308
    if _is_overdue(invoice, today):
        assert invoice.due_date is not None  # _is_overdue says so
        return format_html(
            '<span class="badge inv-status-overdue" title="Due {}">Overdue{}</span>',
            _date(invoice.due_date),
            " · part paid" if status == Status.PARTIALLY_PAID else "",
        )
    return format_html(
        '<span class="badge inv-status-{}">{}</span>', status, invoice.get_status_display()
    )


def _detail_url(workspace_slug: str) -> Callable[[int], str]:
    """The invoice page's URL for any pk, from one reverse: the URL with a sentinel pk,
    split around it."""
    sentinel = 987654321987
    url = reverse("invoicing:invoice_detail", args=[workspace_slug, sentinel])
    before, marker, after = url.partition(str(sentinel))
    if not marker or str(sentinel) in after:
        return lambda pk: reverse("invoicing:invoice_detail", args=[workspace_slug, pk])
    return lambda pk: f"{before}{pk}{after}"


def invoice_row(invoice: Invoice, *, today: dt.date, url: str) -> InvoiceRow:
    is_credit_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
    if is_credit_note:
        kind_line = "Credit note"
    elif not invoice.number:
        created = _date(localtime(invoice.created_at).date(), "M j")
        kind_line = f"#{invoice.pk} · {created}"
    else:
        kind_line = "Invoice"
    total = format_money(invoice.total, invoice.currency)
    shows_due = invoice.kind == Invoice.Kind.INVOICE and invoice.status not in _NO_AMOUNT_DUE
    return InvoiceRow(
        url=url,
        number=invoice.number or "Draft",
        kind_line=kind_line,
        client=invoice.client.name,
        issued=_date(invoice.issue_date) if invoice.issue_date else "—",
        due=_date(invoice.due_date) if invoice.due_date else "",
        overdue=_is_overdue(invoice, today),
        muted=invoice.status == Status.VOID,
        total=f"−{total}" if is_credit_note else total,
        amount_due=format_money(invoice.amount_due, invoice.currency) if shows_due else "",
        badge=invoice_status_badge(invoice, today),
    )


@register.simple_tag
def invoice_rows(
    invoices: Iterable[Invoice], workspace_slug: str, today: dt.date
) -> list[InvoiceRow]:
    """Every invoice of a page (clients selected with them) as rows to print."""
    url_of = _detail_url(workspace_slug)
    return [invoice_row(i, today=today, url=url_of(i.pk)) for i in invoices]
