"""The invoice as a document: the PDF (text extracted matches the invoice; rendered again
only when the content changes), the email through the real Celery worker, and the client's
page at /i/<token>/ (bad and revoked tokens 404, states shown plainly, viewed once,
nothing else reachable, rate limited)."""

import datetime as dt
import io
import re
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django_scopes import scopes_disabled
from pypdf import PdfReader

from accounts.tenancy import workspace_scope
from core.tokens import hash_token
from engagements.models import Client
from invoicing import delivery, pdf, services
from invoicing.delivery_tasks import invoice_email_deliver
from invoicing.models import Invoice, InvoiceEvent, TaxRate
from tests.factories import ClientFactory

TODAY = dt.date(2026, 11, 24)
LINES = [
    ("Design sprint, week 46", "12.5", "120", "0"),
    ("Brand guidelines (fixed fee)", "1", "2400", "10"),
    ("Stock photography licence", "3", "49.99", "0"),
]
BANK = "Bank transfer to IBAN DE89 3704 0044 0532 0130 00 (BIC COBADEFFXXX)."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
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


# --- PDF -----------------------------------------------------------------------------------
def test_pdf_text_matches_the_invoice(personas):
    invoice = make_invoice(personas)
    # 1500.00 + (2400 − 240) + 149.97 = 3809.97 net; VAT 19% = 723.89; total 4533.86
    assert invoice.total == D("4533.86")
    text = pdf_text(pdf.invoice_pdf(invoice))
    assert invoice.number == "INV-0001"
    for expected in [
        "INV-0001",
        "Alice Studio",
        "Northwind Traders GmbH",
        "Hafenstraße 12",
        "DE123456789",
        *(description for description, *_ in LINES),
        "€3,809.97",  # subtotal
        "€723.89",  # tax
        "€4,533.86",  # total and amount due
        "Nov 24, 2026",
        "IBAN DE89 3704 0044 0532 0130 00",
    ]:
        assert expected in text, expected
    assert "DRAFT" not in text and "Paid" not in text


def test_pdf_is_stored_and_rendered_again_only_when_the_content_changes(
    personas, django_capture_on_commit_callbacks
):
    invoice = make_invoice(personas)
    before = pdf.renders
    first = pdf.invoice_pdf(invoice)
    invoice.refresh_from_db()
    stored, fingerprint = invoice.pdf.name, invoice.pdf_fingerprint
    assert stored and len(fingerprint) == 64 and pdf.renders == before + 1

    again = pdf.invoice_pdf(invoice)
    invoice.refresh_from_db()
    assert again == first and pdf.renders == before + 1  # served from storage
    assert (invoice.pdf.name, invoice.pdf_fingerprint) == (stored, fingerprint)

    # A payment changes what the document says (paid, amount due, stamp): a new render.
    with workspace_scope(personas.a), django_capture_on_commit_callbacks(execute=True):
        services.payment_record(
            invoice=invoice,
            actor=personas.alice,
            amount=invoice.total,
            received_on=TODAY,
            method="bank_transfer",
        )
        paid = pdf.invoice_pdf(invoice)
    invoice.refresh_from_db()
    assert pdf.renders == before + 2
    assert invoice.pdf.name != stored and invoice.pdf_fingerprint != fingerprint
    assert not invoice.pdf.storage.exists(stored)  # the replaced file is gone
    text = pdf_text(paid)
    assert "Paid" in text and "Amount due €0.00" in text


def test_a_draft_renders_with_a_watermark_but_is_not_stored(personas):
    invoice = make_invoice(personas, finalize=False)
    text = pdf_text(pdf.invoice_pdf(invoice))
    assert "DRAFT" in text and "Design sprint, week 46" in text
    invoice.refresh_from_db()
    assert not invoice.pdf and not invoice.pdf_fingerprint


def test_a_missing_stored_file_is_rendered_again(personas):
    invoice = make_invoice(personas)
    pdf.invoice_pdf(invoice)
    invoice.refresh_from_db()
    invoice.pdf.storage.delete(invoice.pdf.name)
    before = pdf.renders
    assert "INV-0001" in pdf_text(pdf.invoice_pdf(invoice))
    assert pdf.renders == before + 1


# --- Email ---------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_send_emails_the_invoice_with_pdf_and_link_through_the_worker(client, personas, worker):
    invoice = make_invoice(personas)
    with workspace_scope(personas.a):
        sent = delivery.invoice_send(
            invoice=invoice, actor=personas.alice, message="Here is November's invoice."
        )
    worker.wait_for(lambda: len(mail.outbox) == 1)
    message = mail.outbox[0]
    assert message.to == ["ap@northwind.example"]
    assert message.reply_to == ["alice@example.com"]
    assert message.subject.startswith("Invoice INV-0001 from Alice Studio")
    assert "Alice Studio via Portfolio" in message.from_email
    assert "Here is November's invoice." in message.body and "€4,533.86" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "INV-0001" in html
    (name, data, attached_type) = message.attachments[0]
    assert (name, attached_type) == ("INV-0001.pdf", "application/pdf")
    assert "Northwind Traders GmbH" in pdf_text(data)

    link = next(w for w in message.body.split() if "/i/" in w)
    assert link.startswith("https://app.example/i/")
    assert link in html
    response = client.get(link.removeprefix("https://app.example"))
    assert response.status_code == 200 and b"INV-0001" in response.content

    worker.wait_for(lambda: len(events(invoice, "email_delivered")) == 1)
    invoice.refresh_from_db()
    assert invoice.sent_at is not None
    (sent_event,) = events(invoice, "sent")
    assert sent_event.pk == sent.pk and sent_event.data["to"] == ["ap@northwind.example"]
    assert sent_event.data["delivered_at"]

    # A redelivered task (acks_late) finds the send delivered and emails nobody.
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invoice_email_deliver(workspace_id=personas.a.pk, send_id=sent.pk, token=token) is False
    assert len(mail.outbox) == 1


def test_sends_reuse_the_working_link_and_a_replaced_link_is_not_emailed(personas):
    """Every email carries the invoice's working link (a link copied earlier keeps
    working). A send still queued when someone issues a new link is dropped instead of
    emailing the dead one."""
    invoice = make_invoice(personas)
    with workspace_scope(personas.a):
        first = delivery.invoice_send(invoice=invoice, actor=personas.alice)
        invoice.refresh_from_db()
        first_token = services.invoice_link_current(invoice)
        second = delivery.invoice_send(
            invoice=invoice, actor=personas.alice, to="a@x.example, b@x.example"
        )
        invoice.refresh_from_db()
        assert services.invoice_link_current(invoice) == first_token  # reused, not replaced
        services.invoice_link_issue(invoice=invoice, actor=personas.alice)  # "New link"
    assert second.data["to"] == ["a@x.example", "b@x.example"]
    assert (
        invoice_email_deliver(workspace_id=personas.a.pk, send_id=first.pk, token=first_token)
        is False
    )
    assert mail.outbox == []


@pytest.mark.parametrize("state", ["draft", "void"])
def test_draft_and_void_invoices_cannot_be_sent(personas, state):
    invoice = make_invoice(personas, finalize=state != "draft")
    with workspace_scope(personas.a):
        if state == "void":
            services.invoice_void(invoice=invoice, actor=personas.alice)
        with pytest.raises(ValidationError):
            delivery.invoice_send(invoice=invoice, actor=personas.alice)
    assert events(invoice, "sent") == []


def test_send_needs_a_valid_address(personas):
    invoice = make_invoice(personas)
    with workspace_scope(personas.a), pytest.raises(ValidationError) as exc:
        delivery.invoice_send(invoice=invoice, actor=personas.alice, to=["not-an-address"])
    assert "to" in exc.value.message_dict


# --- The client's page ---------------------------------------------------------------------
def link_for(p, invoice) -> str:
    with workspace_scope(invoice.workspace):
        return services.invoice_link_issue(invoice=invoice, actor=p.alice)


def test_the_page_shows_the_document_and_its_pdf(client, personas):
    invoice = make_invoice(personas)
    token = link_for(personas, invoice)
    response = client.get(public_path(token))
    assert response.status_code == 200
    page = response.content.decode()
    for expected in [
        "INV-0001",
        "Northwind Traders GmbH",
        "€4,533.86",
        "IBAN DE89",
        *[d for d, *_ in LINES],
    ]:
        assert expected in page, expected
    assert f'href="/i/{token}/pdf/"' in page
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]

    download = client.get(f"/i/{token}/pdf/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert 'filename="INV-0001.pdf"' in download["Content-Disposition"]
    assert "€4,533.86" in pdf_text(download.content)


def test_bad_and_revoked_tokens_are_404(client, personas):
    invoice = make_invoice(personas)
    draft = make_invoice(personas, finalize=False)
    assert client.get(public_path("not-a-token")).status_code == 404
    assert client.get("/i/not-a-token/pdf/").status_code == 404
    token = link_for(personas, invoice)
    with workspace_scope(personas.a):
        services.invoice_link_revoke(invoice=invoice, actor=personas.alice)
    assert client.get(public_path(token)).status_code == 404
    assert client.get(f"/i/{token}/pdf/").status_code == 404
    # A draft is never shown, even if a hash were planted on it.
    with scopes_disabled():
        Invoice.objects.filter(pk=draft.pk).update(token_hash=hash_token("planted"))
    assert client.get(public_path("planted")).status_code == 404


def test_a_new_link_replaces_the_old_one(client, personas):
    invoice = make_invoice(personas)
    old = link_for(personas, invoice)
    new = link_for(personas, invoice)
    assert client.get(public_path(old)).status_code == 404
    assert client.get(public_path(new)).status_code == 200


@pytest.mark.parametrize(
    ("state", "banner"),
    [
        ("paid", "Paid in full."),
        ("void", "This invoice is void."),
        ("uncollectible", "written off as uncollectible"),
        ("partially_paid", "Partly settled."),
    ],
)
def test_states_are_shown_plainly(client, personas, state, banner):
    invoice = make_invoice(personas)
    with workspace_scope(personas.a):
        if state in ("paid", "partially_paid"):
            services.payment_record(
                invoice=invoice,
                actor=personas.alice,
                amount=invoice.total if state == "paid" else D("100"),
                received_on=TODAY,
                method="bank_transfer",
            )
        elif state == "void":
            services.invoice_void(invoice=invoice, actor=personas.alice)
        else:
            services.invoice_mark_uncollectible(invoice=invoice, actor=personas.alice)
    page = client.get(public_path(link_for(personas, invoice))).content.decode()
    assert banner in page
    stamps = {"paid": "Paid", "void": "Void", "uncollectible": "Written off"}
    if state in stamps:
        assert f'invdoc-stamp-{state}">{stamps[state]}</div>' in page


def test_a_credit_note_link_works(client, personas):
    invoice = make_invoice(personas)
    with workspace_scope(personas.a):
        note = services.credit_note_create(
            invoice=invoice, actor=personas.alice, amount=D("500"), reason="Scope reduced"
        )
    page = client.get(public_path(link_for(personas, note))).content.decode()
    assert "CN-0001" in page and "Credit note for INV-0001" in page
    assert "There is nothing to pay." in page
    assert "/w/" not in page


def test_viewed_is_recorded_once_and_not_for_members(client, personas):
    invoice = make_invoice(personas)
    token = link_for(personas, invoice)
    client.force_login(personas.bob)  # a member checking the link is not the client
    client.get(public_path(token))
    assert events(invoice, "viewed") == []
    client.logout()
    client.get(public_path(token))
    client.get(public_path(token))
    client.get(f"/i/{token}/pdf/")
    assert len(events(invoice, "viewed")) == 1
    invoice.refresh_from_db()
    assert invoice.viewed_at is not None


def test_nothing_else_is_reachable_from_the_page(client, personas):
    """The page names no other invoice (not the next in A, not B's with the same number)
    and links nowhere but to its own PDF."""
    invoice = make_invoice(personas)
    make_invoice(personas)  # INV-0002 of the same client name
    theirs = make_invoice(personas, workspace=personas.b, actor=personas.charlie)
    assert theirs.number == "INV-0001"  # B's series is its own
    token = link_for(personas, invoice)
    client.force_login(personas.charlie)  # signed in elsewhere: still only this document
    page = client.get(public_path(token)).content.decode()
    assert "INV-0002" not in page and "Charlie Works" not in page
    hrefs = set(re.findall(r'href="([^"]+)"', page))
    assert hrefs == {f"/i/{token}/pdf/", "/static/css/app.css"} or all(
        h.startswith(("/static/", f"/i/{token}/")) for h in hrefs
    ), hrefs
    assert "/w/" not in page and "/api/" not in page


def test_an_outsider_cannot_reach_another_workspaces_invoice_without_its_token(client, personas):
    theirs = make_invoice(personas, workspace=personas.b, actor=personas.charlie)
    token = link_for(personas, theirs)
    client.force_login(personas.alice)
    # Nothing but the token names it: the pk, the number and a near-miss token are 404s.
    for path in [f"/i/{theirs.pk}/", f"/i/{theirs.number}/", public_path(token[:-1] + "x")]:
        assert client.get(path).status_code == 404, path
    assert client.get(public_path(token)).status_code == 200


def test_the_page_is_rate_limited(client, personas, one_rate_window):
    from invoicing.views.public import PUBLIC_RATE_LIMIT

    for _ in range(PUBLIC_RATE_LIMIT):
        assert client.get(public_path("guess")).status_code == 404
    response = client.get(public_path("guess"))
    assert response.status_code == 429 and response["Retry-After"]
    # Page and PDF share the budget: walking tokens through either is throttled.
    assert client.get("/i/guess/pdf/").status_code == 429


def test_pdf_carries_the_senders_identity_frozen_at_finalise(personas, settings, tmp_path):
    """Logo, address, tax ID and payment instructions are printed; editing the workspace
    afterwards does not change an issued invoice."""
    import struct
    import zlib

    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path

    def png_1x1() -> bytes:
        def chunk(kind, data):
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x33\x66\x99"))
            + chunk(b"IEND", b"")
        )

    ws = personas.a
    ws.legal_name = "Alice Studio LLC"
    ws.billing_address = "1 Main Street\nSpringfield"
    ws.tax_id = "US-EIN-12-3456789"
    ws.payment_instructions = "ACH routing 011000015, account 0001234567"
    ws.logo.save("logo.png", ContentFile(png_1x1()), save=False)
    ws.save()
    invoice = make_invoice(personas)
    with workspace_scope(ws):
        text = pdf_text(pdf.invoice_pdf(invoice))
        html = render_to_string("invoicing/document.html", {"invoice": invoice})
    for expected in (
        "Alice Studio LLC",
        "1 Main Street",
        "US-EIN-12-3456789",
        "ACH routing 011000015",
    ):
        assert expected in text
    assert 'src="data:image/png;base64,' in html
    ws.tax_id = "CHANGED"
    ws.save()
    invoice.refresh_from_db()
    with workspace_scope(ws):
        assert "US-EIN-12-3456789" in render_to_string(
            "invoicing/document.html", {"invoice": invoice}
        )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/logo.png", "https://example.com/x.css", "file:///etc/passwd"]
)
def test_pdf_fetches_nothing_outside_static(url):
    with pytest.raises(ValueError, match="may not fetch"):
        pdf._static_only_fetcher().fetch(url)


def test_pdf_may_read_static_and_inline_data():
    from pathlib import Path

    from django.conf import settings

    css = next(Path(settings.STATICFILES_DIRS[0]).rglob("*.css"))
    fetcher = pdf._static_only_fetcher()
    assert fetcher.fetch(css.resolve().as_uri()) is not None
    assert fetcher.fetch("data:text/plain;base64,aGk=") is not None


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_the_page_says_overdue_by_the_workspaces_own_date(client, personas, zone):
    """Overdue means due before *the workspace's* today, not UTC's. Kiritimati (UTC+14) is
    a day ahead of UTC from 10:00 UTC on, Pago Pago (UTC−11) a day behind until 11:00, so
    at any hour at least one of the two disagrees with UTC about the date."""
    personas.a.timezone = zone
    personas.a.save()
    invoice = make_invoice(personas)
    token = link_for(personas, invoice)
    today = personas.a.today()
    for due, overdue in [(today - dt.timedelta(days=1), True), (today, False)]:
        with scopes_disabled():
            Invoice.objects.filter(pk=invoice.pk).update(due_date=due)
        page = client.get(public_path(token)).content.decode()
        assert ("Overdue." in page) is overdue, (zone, due, today)
