"""Base-currency income on the dashboard; the late-fee charge offered on an overdue invoice."""

import datetime as dt
from decimal import Decimal as D

from django.urls import reverse

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.models import LateFeePolicy
from invoicing.selectors import income_received
from tests.factories import ClientFactory

TODAY = dt.date(2026, 11, 24)


def _paid(p, currency, amount, on, *, method="bank_transfer"):
    client = ClientFactory(workspace=p.a, currency=currency)
    invoice = services.invoice_create_draft(workspace=p.a, actor=p.alice, client=client)
    services.invoice_line_save(
        invoice=invoice, actor=p.alice, description="Work", quantity=D(1), unit_price=amount
    )
    services.invoice_finalize(invoice=invoice, actor=p.alice, issue_date=on)
    return services.receipt_record(
        invoice=invoice, actor=p.alice, amount=amount, received_on=on, method=method
    )


def test_income_in_base_currency_at_each_payments_rate(personas):
    p = personas
    with workspace_scope(p.a):
        services.exchange_rate_save(
            workspace=p.a, actor=p.alice, currency="EUR", date=dt.date(2026, 1, 1), rate=D("1.10")
        )
        services.exchange_rate_save(
            workspace=p.a, actor=p.alice, currency="EUR", date=dt.date(2026, 11, 1), rate=D("1.20")
        )
        _paid(p, "USD", D("100"), dt.date(2026, 11, 20))  # month
        _paid(p, "EUR", D("100"), dt.date(2026, 11, 5))  # month, at 1.20
        _paid(p, "EUR", D("100"), dt.date(2026, 10, 2))  # quarter, at 1.10
        _paid(p, "USD", D("50"), dt.date(2026, 2, 1))  # year
        _paid(p, "GBP", D("10"), dt.date(2026, 3, 1))  # no GBP rate: not converted
        _paid(p, "USD", D("999"), dt.date(2025, 12, 31))  # last year
        summary = income_received(base_currency="USD", today=TODAY)
    assert (summary.month, summary.quarter, summary.year) == (D("220.00"), D("330.00"), D("380.00"))
    assert summary.unconverted == 1
    assert summary.quarter_start == dt.date(2026, 10, 1)


def test_dashboard_shows_income(client, personas, django_assert_max_num_queries):
    client.force_login(personas.alice)
    with workspace_scope(personas.a):
        _paid(personas, "USD", D("1234.5"), dt.date.today())
    response = client.get(reverse("insights:dashboard", args=[personas.a.slug]))
    assert b"$1,234.50" in response.content


def test_overdue_invoice_offers_the_late_fee_and_charges_it_once(client, personas):
    p = personas
    with workspace_scope(p.a):
        LateFeePolicy.objects.create(workspace=p.a, kind="fixed", fixed_amount=D("25"))
        c = ClientFactory(workspace=p.a, currency="USD")
        invoice = services.invoice_create_draft(workspace=p.a, actor=p.alice, client=c)
        services.invoice_line_save(
            invoice=invoice, actor=p.alice, description="Work", quantity=D(1), unit_price=D("500")
        )
        services.invoice_finalize(
            invoice=invoice, actor=p.alice, issue_date=dt.date.today() - dt.timedelta(days=60)
        )
    client.force_login(p.alice)
    url = reverse("invoicing:invoice_detail", args=[p.a.slug, invoice.pk])
    page = client.get(url)
    assert b"Charge the late fee" in page.content and b"$25.00" in page.content
    charge = reverse("invoicing:invoice_late_fee_charge", args=[p.a.slug, invoice.pk])
    assert client.post(charge).status_code == 302
    again = client.post(charge, follow=True)
    assert b"error" in again.content.lower() or b"already" in again.content.lower()
