"""The client's page of an invoice at /i/<token>/: bad and revoked tokens 404, states shown
plainly (overdue by the workspace's own date), viewed once, nothing else reachable, rate
limited."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from core.tokens import hash_token
from invoicing import services
from invoicing.models import Invoice
from tests.invoicing.document_helpers import (  # noqa: F401 - document_media: a fixture
    LINES,
    TODAY,
    document_media,
    events,
    link_for,
    make_invoice,
    pdf_text,
    public_path,
)


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


def test_bad_tokens_are_404_and_revoked_ones_410(client, personas):
    invoice = make_invoice(personas)
    draft = make_invoice(personas, finalize=False)
    assert client.get(public_path("not-a-token")).status_code == 404
    assert client.get("/i/not-a-token/pdf/").status_code == 404
    token = link_for(personas, invoice)
    with workspace_scope(personas.a):
        services.invoice_link_revoke(invoice=invoice, actor=personas.alice)
    # Gone, with a page that says so (test_client_facing_polish.py): never the invoice.
    assert client.get(public_path(token)).status_code == 410
    assert client.get(f"/i/{token}/pdf/").status_code == 410
    # A draft is never shown, even if a hash were planted on it.
    with scopes_disabled():
        Invoice.objects.filter(pk=draft.pk).update(token_hash=hash_token("planted"))
    assert client.get(public_path("planted")).status_code == 404


def test_a_new_link_replaces_the_old_one(client, personas):
    invoice = make_invoice(personas)
    old = link_for(personas, invoice)
    new = link_for(personas, invoice)
    assert client.get(public_path(old)).status_code == 410  # "replaced", not the invoice
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
            services.receipt_record(
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
        # the tab icon is inline (data:): it names and fetches nothing
        h.startswith(("/static/", f"/i/{token}/", "data:image/svg+xml,"))
        for h in hrefs
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
