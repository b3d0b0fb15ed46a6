"""Issue #10 (smaller): the client page shows the client's invoices and what they owe per
currency, and keeps its edit form closed behind an Edit button until it is wanted (open
again when a save failed, so the errors are seen)."""

import re
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tenancy import workspace_scope
from invoicing import services
from tests.factories import ClientFactory


@pytest.fixture
def a(personas):
    with workspace_scope(personas.a):
        yield personas


@pytest.fixture
def alice(client, a):
    client.force_login(a.alice)
    return client


def _open(p, client, price, currency=""):
    invoice = services.invoice_create_draft(
        workspace=p.a, actor=p.alice, client=client, currency=currency
    )
    services.invoice_line_save(
        invoice=invoice, actor=p.alice, description="Work", unit_price=D(price)
    )
    return services.invoice_finalize(invoice=invoice, actor=p.alice)


def test_the_client_page_lists_its_invoices_and_balance_per_currency(alice, a):
    acme = ClientFactory(workspace=a.a, name="Acme", currency="USD")
    other = ClientFactory(workspace=a.a, name="Other", currency="USD")
    first = _open(a, acme, "100")
    second = _open(a, acme, "250")
    _open(a, acme, "80", currency="EUR")
    services.receipt_record(
        invoice=second,
        actor=a.alice,
        amount=D("50"),
        received_on=timezone.localdate(),
        method="bank_transfer",
    )
    theirs = _open(a, other, "999")
    page = alice.get(reverse("engagements:client_detail", args=[a.a.slug, acme.pk]))
    html = page.content.decode()
    assert first.number in html and second.number in html
    assert theirs.number not in html  # another client's invoice
    assert "$300.00" in html  # 100 + 250 − 50 outstanding in USD
    assert "€80.00" in html
    list_url = reverse("invoicing:invoice_list", args=[a.a.slug])
    assert f"{list_url}?client={acme.pk}" in html


def test_a_client_without_invoices_says_so(alice, a):
    acme = ClientFactory(workspace=a.a, name="Acme", currency="USD")
    html = alice.get(reverse("engagements:client_detail", args=[a.a.slug, acme.pk])).content
    assert b"No invoices yet" in html


def test_the_edit_form_is_closed_until_wanted_and_open_after_an_error(alice, a):
    acme = ClientFactory(workspace=a.a, name="Acme", currency="USD")
    url = reverse("engagements:client_detail", args=[a.a.slug, acme.pk])
    html = alice.get(url).content.decode()
    details = re.search(r"<details[^>]*class=\"[^\"]*client-edit[^\"]*\"[^>]*>", html)
    assert details and " open" not in details.group(0)
    failed = alice.post(url, {"name": "", "currency": "USD", "country": "US"})
    assert failed.status_code == 200
    details = re.search(
        r"<details[^>]*class=\"[^\"]*client-edit[^\"]*\"[^>]*>", failed.content.decode()
    )
    assert details and " open" in details.group(0)
