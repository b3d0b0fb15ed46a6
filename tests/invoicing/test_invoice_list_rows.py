"""The invoices page's rows, now made by invoicing.templatetags.invoice_rows, print what
the template's own per-row markup printed (kept below verbatim as the reference): every
kind of row — draft, open, overdue, part paid and overdue, paid, void, credit note, a
zero-decimal currency — compared as HTML, so a row that loses a cell, a link, an amount
or its badge fails."""

import datetime as dt
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.template import engines
from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.models import Invoice
from tests.factories import ClientFactory

S = Invoice.Status

# The rows as invoice_list.html wrote them before, with _status_badge.html inlined.
REFERENCE_ROWS = (Path(__file__).parent / "invoice_rows_reference.html").read_text()


def _invoice(p, client, *, price="100", issued=None, finalize=True):
    invoice = services.invoice_create_draft(workspace=p.a, actor=p.alice, client=client)
    services.invoice_line_save(
        invoice=invoice, actor=p.alice, description="Work", quantity=D(1), unit_price=D(price)
    )
    if finalize:
        invoice = services.invoice_finalize(invoice=invoice, actor=p.alice, issue_date=issued)
    return invoice


@pytest.fixture
def every_kind_of_row(personas):
    p = personas
    today = timezone.localdate()
    long_ago = today - dt.timedelta(days=60)
    with workspace_scope(p.a):
        usd = ClientFactory(workspace=p.a, name="Acme & Sons <Ltd>", currency="USD")
        jpy = ClientFactory(workspace=p.a, name="Kyoto KK", currency="JPY")
        _invoice(p, usd, finalize=False)  # draft
        _invoice(p, usd, price="1234.5")  # open, not yet due
        _invoice(p, jpy, price="150000")  # open, JPY
        _invoice(p, usd, price="80", issued=long_ago)  # overdue
        part = _invoice(p, usd, price="300", issued=long_ago)  # part paid, overdue
        services.receipt_record(
            invoice=part, actor=p.alice, amount=D("100"), received_on=today, method="bank_transfer"
        )
        paid = _invoice(p, usd, price="50")
        services.receipt_record(
            invoice=paid, actor=p.alice, amount=D("50"), received_on=today, method="bank_transfer"
        )
        services.invoice_void(invoice=_invoice(p, usd, price="70"), actor=p.alice)
        credited = _invoice(p, usd, price="500")
        services.credit_note_create(invoice=credited, actor=p.alice, amount=D("120"), reason="x")
    return p


def _tbody(html: str) -> str:
    return re.search(r"<tbody>(.*)</tbody>", html, re.S).group(1)


def test_rows_print_what_the_per_row_markup_printed(client, every_kind_of_row):
    p = every_kind_of_row
    client.force_login(p.alice)
    response = client.get(reverse("invoicing:invoice_list", args=[p.a.slug]))
    assert response.status_code == 200
    # No template rendered per row (the badge was an include per row): rows are made once.
    rendered = [t.name for t in response.templates]
    assert "invoicing/_status_badge.html" not in rendered, rendered.count(
        "invoicing/_status_badge.html"
    )
    page_rows = _tbody(response.content.decode())

    today = timezone.localdate()
    with workspace_scope(p.a):
        invoices = list(
            Invoice.objects.select_related("client")
            .annotate(
                is_overdue=ExpressionWrapper(
                    Q(status__in=(S.OPEN, S.PARTIALLY_PAID), due_date__lt=today),
                    output_field=BooleanField(),
                )
            )
            .order_by("-created_at", "-pk")
        )
    assert len(invoices) == 9
    assert {i.status for i in invoices} >= {S.DRAFT, S.OPEN, S.PARTIALLY_PAID, S.PAID, S.VOID}
    reference = engines["django"].from_string("{% load money %}" + REFERENCE_ROWS)
    expected = reference.render({"invoices": invoices, "ws": p.a, "today": today})

    assert parse_html(page_rows) == parse_html(expected)
    # And the content itself, so a reference that drifted with the page would not hide it.
    for fragment in (
        "Acme &amp; Sons &lt;Ltd&gt;",
        "$1,234.50",
        "¥150,000",
        "−$120.00",
        "Overdue · part paid",
        'class="inv-row-overdue"',
        'class="is-muted"',
        'class="badge inv-status-note">Credit note',
        ">Draft</a>",
    ):
        assert fragment in page_rows, fragment
