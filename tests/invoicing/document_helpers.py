"""Helpers shared by the invoice-as-a-document tests (the PDF and the email in
test_delivery.py, the client's page in test_public_page.py): one finalised invoice with
three lines, its text, its link."""

import datetime as dt
import io
import re
from decimal import Decimal as D

import pytest
from django_scopes import scopes_disabled
from pypdf import PdfReader

from accounts.tenancy import workspace_scope
from engagements.models import Client
from invoicing import services
from invoicing.models import Invoice, InvoiceEvent, TaxRate
from tests.factories import ClientFactory

TODAY = dt.date(2026, 11, 24)
LINES = [
    ("Design sprint, week 46", "12.5", "120", "0"),
    ("Brand guidelines (fixed fee)", "1", "2400", "10"),
    ("Stock photography licence", "3", "49.99", "0"),
]
BANK = "Bank transfer to IBAN DE89 3704 0044 0532 0130 00 (BIC COBADEFFXXX)."


@pytest.fixture(autouse=True)  # autouse where a test module imports it
def document_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://app.example"


def make_invoice(p, *, workspace=None, actor=None, finalize=True, currency="EUR") -> Invoice:
    workspace, actor = workspace or p.a, actor or p.alice
    with workspace_scope(workspace):
        client = Client.objects.filter(name="Northwind Traders GmbH").first() or ClientFactory(
            workspace=workspace,
            name="Northwind Traders GmbH",
            email="ap@northwind.example",
            contact_name="Greta Paulsen",
            billing_address="Hafenstraße 12\n20457 Hamburg",
            country="DE",
            tax_id="DE123456789",
            currency=currency,
        )
        vat = TaxRate.objects.filter(name="VAT").first() or TaxRate.objects.create(
            workspace=workspace, name="VAT", percent=D("19")
        )
        invoice = services.invoice_create_draft(
            workspace=workspace,
            actor=actor,
            client=client,
            notes="Thank you for the work together this autumn.",
            terms=BANK,
        )
        for description, quantity, price, discount in LINES:
            services.invoice_line_save(
                invoice=invoice,
                actor=actor,
                description=description,
                quantity=D(quantity),
                unit_price=D(price),
                discount_percent=D(discount),
                tax_rate=vat,
            )
        if finalize:
            invoice = services.invoice_finalize(invoice=invoice, actor=actor, issue_date=TODAY)
        invoice.refresh_from_db()
        return invoice


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def public_path(token: str) -> str:
    return f"/i/{token}/"


def events(invoice: Invoice, kind: str) -> list[InvoiceEvent]:
    with scopes_disabled():
        return list(InvoiceEvent.objects.filter(invoice=invoice, kind=kind))


def link_for(p, invoice) -> str:
    with workspace_scope(invoice.workspace):
        return services.invoice_link_issue(invoice=invoice, actor=p.alice)
