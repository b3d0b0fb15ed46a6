"""The invoicing API for invoices and their lines: drafts, lines that recompute the totals,
unbilled work added, finalise and void idempotent, the client link, PDF, send and late fee,
listing filters, and query counts that do not grow with rows. (The arithmetic and the
services themselves are in test_core.py — here only that the endpoints expose them.)"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.models import Invoice, InvoiceLine, Receipt, TaxRate
from tests.api import attrs, url
from tests.factories import ClientFactory
from tests.invoicing.api_helpers import TODAY, count, make_invoice


# --- Drafts --------------------------------------------------------------------------------
def test_create_patch_and_delete_a_draft(bob, acme):
    created = bob.post(
        url("invoices"), {"client": acme.pk, "notes": "Thanks!", "terms": "Net 30"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["currency"], body["number"], body["kind"]) == (
        "draft",
        "USD",
        "",
        "invoice",
    )
    assert body["lines"] == [] and body["total"] == "0.00" and body["client_name"] == "Acme"
    assert [e["kind"] for e in body["events"]] == ["created"]
    pk = body["id"]

    patched = bob.patch(
        url("invoices", pk),
        {"notes": "Thank you", "issue_date": "2026-11-01", "due_date": "2026-12-01"},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["notes"], patched.json()["due_date"]) == ("Thank you", "2026-12-01")

    assert bob.delete(url("invoices", pk)).status_code == 204
    assert count(Invoice) == 0


def test_draft_bad_input_is_400_and_saves_nothing(bob, acme):
    assert attrs(bob.post(url("invoices"), {"notes": "x"}, format="json")) == {"client"}
    bad_currency = bob.post(url("invoices"), {"client": acme.pk, "currency": "XXQ"}, format="json")
    assert attrs(bad_currency) == {"currency"}
    backwards = {"client": acme.pk, "issue_date": "2026-11-10", "due_date": "2026-11-01"}
    assert attrs(bob.post(url("invoices"), backwards, format="json")) == {"due_date"}
    assert count(Invoice) == 0


def test_client_of_a_draft_isrefuse_change(bob, acme, personas):
    invoice = make_invoice(personas, acme, finalize=False)
    other = ClientFactory(workspace=personas.a)
    assert attrs(bob.patch(url("invoices", invoice.pk), {"client": other.pk})) == {"client"}


def test_finalised_invoice_cannot_be_patched_or_deleted(bob, acme, personas):
    invoice = make_invoice(personas, acme)
    assert attrs(bob.patch(url("invoices", invoice.pk), {"notes": "x"})) == {"non_field_errors"}
    assert attrs(bob.delete(url("invoices", invoice.pk))) == {"non_field_errors"}
    assert count(Invoice, pk=invoice.pk, notes="") == 1


# --- Lines ---------------------------------------------------------------------------------
def test_lines_create_patch_delete_recompute_the_totals(bob, acme, personas, vat):
    invoice = make_invoice(personas, acme, finalize=False, price="50")
    line = bob.post(
        url("invoice-lines"),
        {
            "invoice": invoice.pk,
            "description": "Design",
            "quantity": "2",
            "unit_price": "100",
            "tax_rate": vat.pk,
        },
        format="json",
    )
    assert line.status_code == 201, line.json()
    body = line.json()
    assert (body["kind"], body["tax_name"], body["net_amount"], body["tax_amount"]) == (
        "manual",
        "VAT",
        "200.00",
        "40.00",
    )
    assert body["total_amount"] == "240.00"
    detail = bob.get(url("invoices", invoice.pk)).json()
    assert (detail["subtotal"], detail["tax_total"], detail["total"]) == (
        "250.00",
        "40.00",
        "290.00",
    )

    patched = bob.patch(url("invoice-lines", body["id"]), {"discount_percent": "10"})
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["discount_amount"], patched.json()["total_amount"]) == (
        "20.00",
        "216.00",
    )
    listed = bob.get(url("invoice-lines"), {"invoice": invoice.pk}).json()["results"]
    assert [ln["description"] for ln in listed] == ["Consulting", "Design"]

    assert bob.delete(url("invoice-lines", body["id"])).status_code == 204
    assert bob.get(url("invoices", invoice.pk)).json()["total"] == "50.00"


def test_line_bad_input_is_400_and_saves_nothing(bob, acme, personas, vat):
    invoice = make_invoice(personas, acme, finalize=False)
    good = {"invoice": invoice.pk, "description": "x", "quantity": "1", "unit_price": "1"}
    for change, field in [
        ({"quantity": "lots"}, "quantity"),
        ({"discount_percent": "150"}, "discount_percent"),
        ({"description": ""}, "description"),
        ({"unit_price": "1.00001"}, "unit_price"),
    ]:
        assert attrs(bob.post(url("invoice-lines"), {**good, **change}, format="json")) == {field}
    with scopes_disabled():
        TaxRate.objects.filter(pk=vat.pk).update(archived=True)
    archived = bob.post(url("invoice-lines"), {**good, "tax_rate": vat.pk}, format="json")
    assert attrs(archived) == {"tax_rate"}
    assert count(InvoiceLine) == 1


def test_lines_of_a_finalised_invoice_are_frozen(bob, acme, personas):
    invoice = make_invoice(personas, acme)
    with scopes_disabled():
        line = invoice.lines.get()
    body = {"invoice": invoice.pk, "description": "x", "quantity": "1", "unit_price": "1"}
    assert attrs(bob.post(url("invoice-lines"), body, format="json")) == {"non_field_errors"}
    assert attrs(bob.patch(url("invoice-lines", line.pk), {"description": "y"})) == {
        "non_field_errors"
    }
    assert attrs(bob.delete(url("invoice-lines", line.pk))) == {"non_field_errors"}
    assert count(InvoiceLine) == 1


# --- Unbilled work, finalise, void ---------------------------------------------------------


def test_add_unbilled_finalise_twice_then_void_releases_the_work(bob, acme, hourly, vat):
    pk = bob.post(url("invoices"), {"client": acme.pk}, format="json").json()["id"]
    added = bob.post(
        url("invoices", pk, "add-unbilled"),
        {"engagement": hourly.pk, "as_of": "2026-11-24", "tax_rate": vat.pk},
        format="json",
    )
    assert added.status_code == 200, added.json()
    (line,) = added.json()["lines"]
    assert (line["kind"], line["quantity"], line["engagement"]) == ("work", "2.0000", hourly.pk)
    assert added.json()["total"] == "240.00"
    unbilled = url("engagements", hourly.pk, "unbilled")
    assert bob.get(unbilled, {"as_of": "2026-11-24"}).json()["items"] == []
    # Work lines keep their quantity and price.
    assert attrs(bob.patch(url("invoice-lines", line["id"]), {"quantity": "9"})) == {
        "non_field_errors"
    }

    first = bob.post(url("invoices", pk, "finalize"), {"issue_date": "2026-11-24"}, format="json")
    assert first.status_code == 200, first.json()
    assert (first.json()["status"], first.json()["number"]) == ("open", "INV-0001")
    assert first.json()["due_date"] == "2026-12-24"  # the workspace's 30 days
    again = bob.post(url("invoices", pk, "finalize"), {"issue_date": "2027-01-01"}, format="json")
    assert again.status_code == 200
    assert (again.json()["number"], again.json()["issue_date"]) == ("INV-0001", "2026-11-24")
    assert [e["kind"] for e in again.json()["events"]] == ["created", "work_added", "finalized"]

    voided = bob.post(url("invoices", pk, "void"), {"reason": "Wrong client"}, format="json")
    assert voided.status_code == 200
    assert (voided.json()["status"], voided.json()["number"]) == ("void", "INV-0001")
    assert voided.json()["events"][-1]["data"] == {"reason": "Wrong client"}
    assert len(bob.get(unbilled, {"as_of": "2026-11-24"}).json()["items"]) == 2
    assert bob.post(url("invoices", pk, "void"), format="json").status_code == 200  # again


def test_add_unbilled_refusals(bob, acme, hourly, personas):
    other_client = ClientFactory(workspace=personas.a)
    pk = bob.post(url("invoices"), {"client": other_client.pk}, format="json").json()["id"]
    refused = bob.post(url("invoices", pk, "add-unbilled"), {"engagement": hourly.pk})
    assert attrs(refused) == {"engagement"}
    backwards = {"engagement": hourly.pk, "period_start": "2026-11-10", "period_end": "2026-11-01"}
    assert attrs(bob.post(url("invoices", pk, "add-unbilled"), backwards)) == {"period_end"}
    assert count(InvoiceLine) == 0


def test_empty_draft_cannot_be_finalised(bob, acme):
    pk = bob.post(url("invoices"), {"client": acme.pk}, format="json").json()["id"]
    assert attrs(bob.post(url("invoices", pk, "finalize"))) == {"non_field_errors"}
    assert count(Invoice, number="") == 1


def test_mark_uncollectible(bob, acme, personas):
    invoice = make_invoice(personas, acme)
    written_off = bob.post(url("invoices", invoice.pk, "mark-uncollectible"))
    assert written_off.status_code == 200 and written_off.json()["status"] == "uncollectible"
    draft = make_invoice(personas, acme, finalize=False)
    assert attrs(bob.post(url("invoices", draft.pk, "mark-uncollectible"))) == {"non_field_errors"}


# --- Client link ---------------------------------------------------------------------------
def test_link_issue_and_revoke(bob, acme, personas, settings):
    settings.SITE_URL = "https://portfolio.example"
    draft = make_invoice(personas, acme, finalize=False)
    assert attrs(bob.post(url("invoices", draft.pk, "link"))) == {"non_field_errors"}
    invoice = make_invoice(personas, acme)
    issued = bob.post(url("invoices", invoice.pk, "link"))
    assert issued.status_code == 200, issued.json()
    link = issued.json()["url"]
    assert link.startswith("https://portfolio.example/i/") and link.endswith("/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    with scopes_disabled():
        stored = Invoice.objects.get(pk=invoice.pk).token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest()  # only the hash is kept
    assert token not in bob.get(url("invoices", invoice.pk)).content.decode()
    assert bob.get(url("invoices", invoice.pk)).json()["link_active"] is True

    assert bob.delete(url("invoices", invoice.pk, "link")).status_code == 204
    assert bob.get(url("invoices", invoice.pk)).json()["link_active"] is False
    assert services.invoice_from_token(token=token).link_revoked_at is not None
    reissued = bob.post(url("invoices", invoice.pk, "link")).json()["url"]
    assert reissued != link and services.invoice_from_token(token=token) is None


# --- Listing -------------------------------------------------------------------------------
def test_invoice_filters_and_ordering(bob, acme, personas):
    eur = ClientFactory(workspace=personas.a, currency="EUR")
    overdue = make_invoice(personas, acme, due_date=dt.date(2020, 1, 31))
    current = make_invoice(personas, acme, due_date=dt.date(2099, 1, 31))
    draft = make_invoice(personas, eur, finalize=False)
    paid_late = make_invoice(personas, acme, due_date=dt.date(2020, 1, 31))
    with workspace_scope(personas.a):
        services.receipt_record(
            invoice=paid_late,
            actor=personas.alice,
            amount=Decimal(1000),
            received_on=TODAY,
            method="cash",
        )

    def ids(**params):
        response = bob.get(url("invoices"), params)
        assert response.status_code == 200, response.json()
        return [i["id"] for i in response.json()["results"]]

    assert ids(overdue="true") == [overdue.pk]
    assert set(ids(overdue="false")) == {current.pk, draft.pk, paid_late.pk}
    assert ids(status="draft") == [draft.pk]
    assert set(ids(status=["open", "paid"])) == {overdue.pk, current.pk, paid_late.pk}
    assert ids(currency="EUR") == [draft.pk]
    assert ids(client=eur.pk) == [draft.pk]
    assert ids(due_date_after="2099-01-01") == [current.pk]
    assert set(ids(issue_date_after="2026-11-24", issue_date_before="2026-11-24")) == {
        overdue.pk,
        current.pk,
        paid_late.pk,
    }
    assert ids(ordering="due_date", status="open") == [overdue.pk, current.pk]
    assert ids(ordering="-due_date", status="open") == [current.pk, overdue.pk]
    rows = {i["id"]: i for i in bob.get(url("invoices")).json()["results"]}
    assert rows[overdue.pk]["overdue"] is True and rows[paid_late.pk]["overdue"] is False
    assert "lines" not in rows[overdue.pk]
    assert attrs(bob.get(url("invoices"), {"status": "lost"})) == {"status"}


@pytest.mark.parametrize("rows", [10, 300])
def test_invoice_list_queries_do_not_grow(
    api_as, personas, acme, django_assert_max_num_queries, rows
):
    with scopes_disabled():
        Invoice.objects.bulk_create(
            Invoice(
                workspace=personas.a,
                client=acme,
                currency="USD",
                status="open",
                number=f"INV-{i:04}",
                total=Decimal("10"),
                due_date=dt.date(2020, 1, 1),
            )
            for i in range(rows)
        )
    client = api_as(personas.alice)
    # token lookup + last_used update, workspace, membership, page (with clients; no COUNT)
    with django_assert_max_num_queries(5):
        response = client.get(url("invoices"), {"page_size": 500})
    assert len(response.json()["results"]) == rows and response.json()["next"] is None
    assert response.json()["results"][0]["amount_due"] == "10.00"


@pytest.mark.ledger_unchecked  # rows made in bulk, without their postings
@pytest.mark.parametrize("rows", [10, 300])
def test_invoice_detail_queries_do_not_grow(
    api_as, personas, acme, django_assert_max_num_queries, rows
):
    invoice = make_invoice(personas, acme)
    with scopes_disabled():
        InvoiceLine.objects.bulk_create(
            InvoiceLine(workspace=personas.a, invoice=invoice, description=f"L{i}", unit_price=1)
            for i in range(rows)
        )
        Receipt.objects.bulk_create(
            Receipt(
                workspace=personas.a,
                client=acme,
                invoice=invoice,
                amount=Decimal("0.01"),
                currency="USD",
                received_on=TODAY,
                method="cash",
            )
            for _ in range(rows)
        )
    client = api_as(personas.alice)
    # token lookup + last_used update, workspace, membership, invoice (with client),
    # lines, payments (with workspace, reversed flag), their allocations, credit notes,
    # events (with actors)
    with django_assert_max_num_queries(10):
        response = client.get(url("invoices", invoice.pk))
    assert len(response.json()["lines"]) == rows + 1
    assert len(response.json()["payments"]) == rows


# --- Send, PDF, late fee ---------------------------------------------------------------------
def _finalised(personas, **kw):
    from datetime import date, timedelta

    from accounts.tenancy import workspace_scope
    from invoicing import services as inv

    with workspace_scope(personas.a):
        c = ClientFactory(workspace=personas.a, currency="USD", email="ap@client.example")
        invoice = inv.invoice_create_draft(workspace=personas.a, actor=personas.alice, client=c)
        inv.invoice_line_save(
            invoice=invoice,
            actor=personas.alice,
            description="Work",
            quantity=Decimal(1),
            unit_price=Decimal("800"),
        )
        return inv.invoice_finalize(
            invoice=invoice,
            actor=personas.alice,
            issue_date=kw.get("issued", date.today() - timedelta(days=60)),
        )


def test_api_pdf_send_and_late_fee(api_as, personas):
    from accounts.tenancy import workspace_scope
    from invoicing.models import InvoiceEvent, LateFeePolicy

    invoice = _finalised(personas)
    client = api_as(personas.alice)
    base = f"/api/v1/workspaces/alice-studio/invoices/{invoice.pk}"
    pdf = client.get(f"{base}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    sent = client.post(f"{base}/send/", {"message": "Thanks!"}, format="json")
    assert sent.status_code == 200 and sent.json()["to"] == ["ap@client.example"]
    with workspace_scope(personas.a):
        assert InvoiceEvent.objects.filter(invoice=invoice, kind="sent").count() == 1
    bad = client.post(f"{base}/send/", {"to": ["not-an-email"]}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"].startswith("to")
    assert client.get(f"{base}/late-fee/").json()["late_fee"] == "0.000"
    policy = client.post(
        "/api/v1/workspaces/alice-studio/late-fee-policy/",
        {"kind": "fixed", "fixed_amount": "40", "grace_days": 0},
        format="json",
    )
    assert policy.status_code == 200
    assert client.get("/api/v1/workspaces/alice-studio/late-fee-policy/").json()["kind"] == "fixed"
    assert client.get(f"{base}/late-fee/").json()["late_fee"] == "40.000"
    charged = client.post(f"{base}/late-fee/")
    assert charged.status_code == 201 and charged.json()["total"] == "40.00"
    assert client.post(f"{base}/late-fee/").status_code == 400  # once per invoice
    with workspace_scope(personas.a):
        assert LateFeePolicy.objects.count() == 1
