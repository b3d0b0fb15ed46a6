"""Issue #10, item 4: an invoice can be finalised and sent with no way to pay it (no card
payment yet, no payment instructions). The draft and the send page warn before that
happens, with a link to where the instructions are set; the warning goes away once the
invoice shows how to pay (the workspace's instructions, or the invoice's own terms)."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from accounts.tenancy import workspace_scope
from invoicing import services
from tests.factories import ClientFactory

WARNING = "no way to pay"


@pytest.fixture
def a(personas):
    with workspace_scope(personas.a):
        yield personas


@pytest.fixture
def alice(client, a):
    client.force_login(a.alice)
    return client


def _draft(p, terms=""):
    client = ClientFactory(workspace=p.a, currency="USD")
    invoice = services.invoice_create_draft(
        workspace=p.a, actor=p.alice, client=client, terms=terms
    )
    services.invoice_line_save(
        invoice=invoice, actor=p.alice, description="Work", unit_price=D("100")
    )
    return invoice


def _page(alice, p, name, invoice):
    response = alice.get(reverse(name, args=[p.a.slug, invoice.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_draft_without_payment_instructions_warns_before_finalising(alice, a):
    invoice = _draft(a)
    page = _page(alice, a, "invoicing:invoice_detail", invoice)
    assert WARNING in page
    settings_url = reverse("accounts:workspace_settings", args=[a.a.slug])
    assert f'href="{settings_url}#payment-instructions"' in page
    # Once the workspace says how to pay, the draft shows it and the warning goes.
    a.a.payment_instructions = "IBAN DE89 3704 0044 0532 0130 00"
    a.a.save()
    assert WARNING not in _page(alice, a, "invoicing:invoice_detail", invoice)


def test_the_invoices_own_terms_count_as_a_way_to_pay(alice, a):
    invoice = _draft(a, terms="Pay by transfer to IBAN DE89 3704 0044 0532 0130 00")
    assert WARNING not in _page(alice, a, "invoicing:invoice_detail", invoice)


def test_a_finalised_invoice_without_a_way_to_pay_warns_before_sending(alice, a):
    invoice = services.invoice_finalize(invoice=_draft(a), actor=a.alice)
    assert WARNING in _page(alice, a, "invoicing:invoice_detail", invoice)
    send = _page(alice, a, "invoicing:invoice_send", invoice)
    assert WARNING in send
    # What the invoice says was frozen when it was finalised: the message is the place.
    assert "in your message" in send


def test_an_invoice_finalised_with_instructions_does_not_warn(alice, a):
    a.a.payment_instructions = "Bank transfer: IBAN DE89 3704 0044 0532 0130 00"
    a.a.save()
    invoice = services.invoice_finalize(invoice=_draft(a), actor=a.alice)
    assert WARNING not in _page(alice, a, "invoicing:invoice_detail", invoice)
    assert WARNING not in _page(alice, a, "invoicing:invoice_send", invoice)
