"""The invoice as a document: the PDF (text extracted matches the invoice; rendered again
only when the content changes) and the email through the outbox and the real Celery worker.
The client's page is in test_public_page.py."""

from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from accounts.tenancy import workspace_scope
from invoicing import delivery, pdf, services
from invoicing.delivery_tasks import invoice_email_deliver
from tests.invoicing.document_helpers import (  # noqa: F401 - document_media: a fixture
    LINES,
    TODAY,
    document_media,
    events,
    make_invoice,
    pdf_text,
)


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
        services.receipt_record(
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

    # A redelivered task (acks_late, or the relay publishing twice) finds the send
    # delivered and emails nobody.
    assert invoice_email_deliver(workspace_id=personas.a.pk, send_id=sent.pk) is False
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
    assert invoice_email_deliver(workspace_id=personas.a.pk, send_id=first.pk) is False
    assert invoice_email_deliver(workspace_id=personas.a.pk, send_id=second.pk) is False
    assert mail.outbox == []
    first.refresh_from_db()
    assert first.data["dropped"] == "link replaced or revoked before delivery"


def test_the_send_queues_ids_only_and_a_message_from_before_the_outbox_still_delivers(
    personas, django_capture_on_commit_callbacks, inline_tasks
):
    from core.models import OutboxMessage

    invoice = make_invoice(personas)
    with workspace_scope(personas.a), django_capture_on_commit_callbacks(execute=True):
        sent = delivery.invoice_send(invoice=invoice, actor=personas.alice)
    (message,) = OutboxMessage.objects.all()
    assert message.kwargs == {"workspace_id": personas.a.pk, "send_id": sent.pk}
    assert message.sent_at is not None and len(mail.outbox) == 1
    with workspace_scope(personas.a):
        legacy = delivery.invoice_send(invoice=invoice, actor=personas.alice)
        invoice.refresh_from_db()
        token = services.invoice_link_current(invoice)
    assert token and legacy.data["link_version"] == invoice.link_version == 1
    # Queued before the outbox: the message carried the token itself.
    assert invoice_email_deliver(workspace_id=personas.a.pk, send_id=legacy.pk, token=token)
    assert (
        invoice_email_deliver(workspace_id=personas.a.pk, send_id=legacy.pk, token=token) is False
    )
    assert len(mail.outbox) == 2 and token in mail.outbox[1].body
    with workspace_scope(personas.a):
        guessed = delivery.invoice_send(invoice=invoice, actor=personas.alice)
    assert not invoice_email_deliver(workspace_id=personas.a.pk, send_id=guessed.pk, token="x")
    assert len(mail.outbox) == 2


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
