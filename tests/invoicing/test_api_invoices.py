"""The invoicing API: happy paths of every endpoint, 400s with the field named and nothing
saved, related ids of another workspace refused as "does not exist", accountants
read-only, lifecycle actions idempotent, and query counts that do not grow with rows.
(Cross-tenant 404s for every route are in tests/test_tenancy.py; the arithmetic and the
services themselves in test_core.py — here only that the endpoints expose them.)"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.models import (
    ClientCredit,
    ExchangeRate,
    Invoice,
    InvoiceLine,
    Payment,
    TaxRate,
)
from tests.api import attrs, url
from tests.factories import ClientFactory, EngagementFactory, TimeEntryFactory

TODAY = dt.date(2026, 11, 24)


def codes(response) -> set[str]:
    return {error["code"] for error in response.json()["errors"]}


def count(model, **lookup) -> int:
    with scopes_disabled():
        return model.objects.filter(**lookup).count()


@pytest.fixture
def bob(api_as, personas):
    return api_as(personas.bob)


@pytest.fixture
def acme(personas):
    return ClientFactory(workspace=personas.a, name="Acme", currency="USD")


@pytest.fixture
def vat(personas):
    with scopes_disabled():
        return TaxRate.objects.create(workspace=personas.a, name="VAT", percent=Decimal("20"))


@pytest.fixture
def theirs(personas):
    """Charlie's client, engagement, tax rate and open invoice: none usable in A."""
    client = ClientFactory(workspace=personas.b, currency="USD")
    engagement = EngagementFactory(client=client)
    with workspace_scope(personas.b):
        tax_rate = TaxRate.objects.create(workspace=personas.b, name="X", percent=Decimal(5))
        invoice = services.invoice_create_draft(
            workspace=personas.b, actor=personas.charlie, client=client
        )
        services.invoice_line_save(
            invoice=invoice,
            actor=personas.charlie,
            description="x",
            quantity=Decimal(1),
            unit_price=Decimal(5),
        )
        invoice = services.invoice_finalize(invoice=invoice, actor=personas.charlie)
    return {"client": client, "engagement": engagement, "tax_rate": tax_rate, "invoice": invoice}


def make_invoice(personas, client, price="1000", finalize=True, **kwargs) -> Invoice:
    with workspace_scope(personas.a):
        invoice = services.invoice_create_draft(
            workspace=personas.a, actor=personas.alice, client=client, **kwargs
        )
        services.invoice_line_save(
            invoice=invoice,
            actor=personas.alice,
            description="Consulting",
            quantity=Decimal(1),
            unit_price=Decimal(price),
        )
        if finalize:
            invoice = services.invoice_finalize(
                invoice=invoice, actor=personas.alice, issue_date=TODAY
            )
        return invoice


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
@pytest.fixture
def hourly(acme):
    engagement = EngagementFactory(client=acme, hourly_rate=Decimal("100"))
    TimeEntryFactory(engagement=engagement, date=dt.date(2026, 11, 2), minutes=90)
    TimeEntryFactory(engagement=engagement, date=dt.date(2026, 11, 3), minutes=30)
    return engagement


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


# --- Payments, credit ----------------------------------------------------------------------
def test_partial_then_over_payment_becomes_client_credit(bob, acme, personas):
    invoice = make_invoice(personas, acme)
    pay = {"invoice": invoice.pk, "received_on": "2026-11-25", "method": "bank_transfer"}
    partial = bob.post(url("payments"), {**pay, "amount": "400"}, format="json")
    assert partial.status_code == 201, partial.json()
    assert (partial.json()["amount"], partial.json()["to_credit"]) == ("400.00", "0.00")
    detail = bob.get(url("invoices", invoice.pk)).json()
    assert (detail["status"], detail["amount_due"]) == ("partially_paid", "600.00")

    over = bob.post(url("payments"), {**pay, "amount": "700", "reference": "TX-2"}, format="json")
    assert over.status_code == 201, over.json()
    assert (over.json()["amount"], over.json()["to_credit"]) == ("600.00", "100.00")
    detail = bob.get(url("invoices", invoice.pk)).json()
    assert (detail["status"], detail["amount_due"], detail["amount_paid"]) == (
        "paid",
        "0.00",
        "1000.00",
    )
    assert [p["amount"] for p in detail["payments"]] == ["400.00", "600.00"]
    credit = bob.get(url("client-credit"), {"client": acme.pk}).json()
    assert credit == [{"client": acme.pk, "currency": "USD", "balance": "100.00"}]

    # The credit pays part of the client's next invoice.
    nxt = make_invoice(personas, acme, price="250")
    applied = bob.post(url("invoices", nxt.pk, "apply-credit"))
    assert applied.status_code == 200, applied.json()
    assert applied.json()["applied"] == "100.00"
    assert applied.json()["invoice"]["amount_due"] == "150.00"
    assert applied.json()["invoice"]["payments"][0]["method"] == "credit"
    assert bob.get(url("client-credit"), {"client": acme.pk}).json() == []
    nothing = bob.post(url("invoices", nxt.pk, "apply-credit")).json()
    assert (nothing["applied"], nothing["payment"]) == ("0.00", None)


def test_payment_bad_input_is_400_and_saves_nothing(bob, acme, personas):
    invoice = make_invoice(personas, acme)
    draft = make_invoice(personas, acme, finalize=False)
    good = {"invoice": invoice.pk, "amount": "10", "received_on": "2026-11-25", "method": "cash"}
    for change, field in [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"method": "stripe"}, "method"),
        ({"method": "credit"}, "method"),
        ({"received_on": "soon"}, "received_on"),
        ({"invoice": draft.pk}, "non_field_errors"),
    ]:
        assert attrs(bob.post(url("payments"), {**good, **change}, format="json")) == {field}
    assert count(Payment) == 0


def test_payment_reverse_and_append_only(bob, acme, personas):
    invoice = make_invoice(personas, acme)
    paid = bob.post(
        url("payments"),
        {"invoice": invoice.pk, "amount": "1000", "received_on": "2026-11-25", "method": "cash"},
        format="json",
    )
    pk = paid.json()["id"]
    assert attrs(bob.post(url("payments", pk, "reverse"), {}, format="json")) == {"reason"}
    reversal = bob.post(url("payments", pk, "reverse"), {"reason": "Bounced"}, format="json")
    assert reversal.status_code == 201, reversal.json()
    assert (reversal.json()["amount"], reversal.json()["reverses"]) == ("-1000.00", pk)
    assert bob.get(url("payments", pk)).json()["reversed"] is True
    assert bob.get(url("invoices", invoice.pk)).json()["status"] == "open"
    again = bob.post(url("payments", pk, "reverse"), {"reason": "Again"}, format="json")
    assert attrs(again) == {"non_field_errors"}
    # Append-only: no edits, no deletes.
    assert bob.patch(url("payments", pk), {"amount": "1"}).status_code == 405
    assert bob.delete(url("payments", pk)).status_code == 405
    assert count(Payment) == 2


def test_payment_filters(bob, acme, personas):
    first, second = make_invoice(personas, acme), make_invoice(personas, acme)
    with workspace_scope(personas.a):
        for invoice, method, day in [
            (first, "cash", dt.date(2026, 11, 1)),
            (second, "bank_transfer", dt.date(2026, 12, 1)),
        ]:
            services.payment_record(
                invoice=invoice,
                actor=personas.alice,
                amount=Decimal(10),
                received_on=day,
                method=method,
            )

    def methods(**params):
        return [p["method"] for p in bob.get(url("payments"), params).json()["results"]]

    assert methods(invoice=first.pk) == ["cash"]
    assert methods(method="bank_transfer") == ["bank_transfer"]
    assert methods(received_on_after="2026-11-15") == ["bank_transfer"]
    assert methods(received_on_before="2026-11-15", client=acme.pk) == ["cash"]


def test_credit_notes_partial_full_and_too_much(bob, acme, personas):
    invoice = make_invoice(personas, acme)
    note = bob.post(
        url("invoices", invoice.pk, "credit-notes"),
        {"amount": "250", "reason": "Scope reduced"},
        format="json",
    )
    assert note.status_code == 201, note.json()
    body = note.json()
    assert (body["kind"], body["number"], body["total"], body["credits"]) == (
        "credit_note",
        "CN-0001",
        "250.00",
        invoice.pk,
    )
    detail = bob.get(url("invoices", invoice.pk)).json()
    assert (detail["amount_credited"], detail["amount_due"], detail["status"]) == (
        "250.00",
        "750.00",
        "partially_paid",
    )
    assert [n["number"] for n in detail["credit_notes"]] == ["CN-0001"]
    too_much = bob.post(
        url("invoices", invoice.pk, "credit-notes"), {"amount": "800", "reason": "x"}
    )
    assert attrs(too_much) == {"amount"}
    assert attrs(bob.post(url("invoices", invoice.pk, "credit-notes"), {})) == {"reason"}
    full = bob.post(url("invoices", invoice.pk, "credit-notes"), {"reason": "Cancelled"})
    assert full.status_code == 201 and full.json()["total"] == "750.00"
    assert bob.get(url("invoices", invoice.pk)).json()["status"] == "paid"
    kinds = bob.get(url("invoices"), {"kind": "credit_note"}).json()["results"]
    assert [n["number"] for n in kinds] == ["CN-0002", "CN-0001"]


def test_credit_note_on_a_paid_invoice_is_client_credit(bob, acme, personas):
    invoice = make_invoice(personas, acme)
    with workspace_scope(personas.a):
        services.payment_record(
            invoice=invoice,
            actor=personas.alice,
            amount=Decimal(1000),
            received_on=TODAY,
            method="cash",
        )
    bob.post(url("invoices", invoice.pk, "credit-notes"), {"amount": "100", "reason": "Goodwill"})
    assert bob.get(url("client-credit")).json() == [
        {"client": acme.pk, "currency": "USD", "balance": "100.00"}
    ]


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
        services.payment_record(
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
    # token lookup + last_used update, workspace, membership, count, page (with clients)
    with django_assert_max_num_queries(6):
        response = client.get(url("invoices"), {"page_size": 500})
    assert response.json()["count"] == rows
    assert response.json()["results"][0]["amount_due"] == "10.00"


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
        Payment.objects.bulk_create(
            Payment(
                workspace=personas.a,
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
    # lines, payments (with workspace, reversed flag), credit notes, events (with actors)
    with django_assert_max_num_queries(9):
        response = client.get(url("invoices", invoice.pk))
    assert len(response.json()["lines"]) == rows + 1
    assert len(response.json()["payments"]) == rows


# --- Cross-workspace ids -------------------------------------------------------------------
def test_related_ids_of_another_workspace_do_not_exist(bob, acme, personas, theirs):
    draft = make_invoice(personas, acme, finalize=False)
    line = {"description": "x", "quantity": "1", "unit_price": "1"}
    cases = [
        ("invoices", {"client": theirs["client"].pk}, "client"),
        ("invoice-lines", {**line, "invoice": theirs["invoice"].pk}, "invoice"),
        (
            "invoice-lines",
            {**line, "invoice": draft.pk, "tax_rate": theirs["tax_rate"].pk},
            "tax_rate",
        ),
        (
            "payments",
            {
                "invoice": theirs["invoice"].pk,
                "amount": "1",
                "received_on": "2026-11-25",
                "method": "cash",
            },
            "invoice",
        ),
        (
            f"invoices/{draft.pk}/add-unbilled",
            {"engagement": theirs["engagement"].pk},
            "engagement",
        ),
    ]
    for resource, body, field in cases:
        response = bob.post(url(resource), body, format="json")
        assert attrs(response) == {field}, resource
        assert codes(response) == {"does_not_exist"}
    with scopes_disabled():
        assert Invoice.objects.count() == 2  # charlie's and the draft
        assert InvoiceLine.objects.filter(invoice=draft).count() == 1
        assert not Payment.objects.exists()
    # Patching in another workspace's tax rate is refused the same way.
    with scopes_disabled():
        mine = draft.lines.get()
    moved = bob.patch(url("invoice-lines", mine.pk), {"tax_rate": theirs["tax_rate"].pk})
    assert attrs(moved) == {"tax_rate"}


def test_client_credit_is_per_workspace(bob, acme, personas, theirs):
    with scopes_disabled():
        ClientCredit.objects.create(
            workspace=personas.b, client=theirs["client"], currency="USD", amount=5, reason="x"
        )
    assert bob.get(url("client-credit")).json() == []
    assert bob.get(url("client-credit"), {"client": theirs["client"].pk}).json() == []


# --- Tax and exchange rates ----------------------------------------------------------------
def test_tax_rates_create_edit_archive(bob, personas):
    created = bob.post(url("tax-rates"), {"name": "GST", "percent": "10", "inclusive": True})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    edited = bob.patch(url("tax-rates", pk), {"percent": "12.5"})
    assert edited.status_code == 200 and edited.json()["percent"] == "12.500"
    archived = bob.patch(url("tax-rates", pk), {"archived": True})
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert bob.get(url("tax-rates"), {"archived": "false"}).json()["results"] == []
    assert bob.delete(url("tax-rates", pk)).status_code == 405
    assert attrs(bob.post(url("tax-rates"), {"name": "Bad", "percent": "120"})) == {"percent"}
    assert attrs(bob.post(url("tax-rates"), {"percent": "5"})) == {"name"}
    assert count(TaxRate) == 1


def test_exchange_rates_create_replace_filter(bob, personas):
    first = bob.post(
        url("exchange-rates"), {"currency": "EUR", "date": "2026-11-01", "rate": "1.08"}
    )
    assert first.status_code == 201, first.json()
    replaced = bob.post(
        url("exchange-rates"), {"currency": "EUR", "date": "2026-11-01", "rate": "1.09"}
    )
    assert replaced.status_code == 201 and replaced.json()["id"] == first.json()["id"]
    bob.post(url("exchange-rates"), {"currency": "GBP", "date": "2026-11-20", "rate": "1.25"})
    rates = bob.get(url("exchange-rates"), {"currency": "EUR"}).json()["results"]
    assert [(r["date"], r["rate"]) for r in rates] == [("2026-11-01", "1.0900000000")]
    later = bob.get(url("exchange-rates"), {"date_after": "2026-11-10"}).json()["results"]
    assert [r["currency"] for r in later] == ["GBP"]
    base = bob.post(url("exchange-rates"), {"currency": "USD", "date": "2026-11-01", "rate": "1"})
    assert attrs(base) == {"currency"}
    assert attrs(
        bob.post(url("exchange-rates"), {"currency": "EUR", "date": "2026-11-02", "rate": "0"})
    ) == {"rate"}
    assert count(ExchangeRate) == 2


# --- Accountants ---------------------------------------------------------------------------
@pytest.fixture
def records(personas, acme, vat):
    invoice = make_invoice(personas, acme)
    draft = make_invoice(personas, acme, finalize=False)
    with workspace_scope(personas.a):
        payment = services.payment_record(
            invoice=invoice,
            actor=personas.alice,
            amount=Decimal(1),
            received_on=TODAY,
            method="cash",
        )
        line = draft.lines.get()
    return {"invoice": invoice, "draft": draft, "payment": payment, "line": line, "vat": vat}


ACCOUNTANT_WRITES = [
    ("post", "invoices", None, None),
    ("patch", "invoices", "draft", None),
    ("delete", "invoices", "draft", None),
    ("post", "invoices", "draft", "finalize"),
    ("post", "invoices", "draft", "add-unbilled"),
    ("post", "invoices", "invoice", "void"),
    ("post", "invoices", "invoice", "mark-uncollectible"),
    ("post", "invoices", "invoice", "apply-credit"),
    ("post", "invoices", "invoice", "credit-notes"),
    ("post", "invoices", "invoice", "link"),
    ("delete", "invoices", "invoice", "link"),
    ("post", "invoice-lines", None, None),
    ("patch", "invoice-lines", "line", None),
    ("delete", "invoice-lines", "line", None),
    ("post", "payments", None, None),
    ("post", "payments", "payment", "reverse"),
    ("post", "tax-rates", None, None),
    ("patch", "tax-rates", "vat", None),
    ("post", "exchange-rates", None, None),
    ("post", "reminder-rules", None, None),
    ("post", "recurring-schedules", None, None),
]


@pytest.mark.parametrize(("method", "resource", "obj", "action"), ACCOUNTANT_WRITES)
def test_accountant_is_read_only(api_as, personas, records, method, resource, obj, action):
    andy = api_as(personas.andy)
    pk = records[obj].pk if obj else None
    models = (Invoice, InvoiceLine, Payment, TaxRate, ExchangeRate, ClientCredit)
    with scopes_disabled():
        before = {m: m.objects.count() for m in models}
    response = getattr(andy, method)(url(resource, pk, action), {"name": "x"}, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["errors"][0]["code"] == "permission_denied"
    with scopes_disabled():
        assert {m: m.objects.count() for m in models} == before
        assert Invoice.objects.get(pk=records["draft"].pk).status == "draft"
        assert Invoice.objects.get(pk=records["invoice"].pk).token_hash is None
    assert andy.get(url(resource, pk) if obj else url(resource)).status_code == 200


def test_accountant_reads_credit_and_rates(api_as, personas, records):
    andy = api_as(personas.andy)
    for resource in ("client-credit", "exchange-rates", "tax-rates", "payments", "invoice-lines"):
        assert andy.get(url(resource)).status_code == 200, resource


# --- Reminder rules and recurring schedules ------------------------------------------------
def test_reminder_rules_crud(bob):
    created = bob.post(url("reminder-rules"), {"days_from_due": -3})
    assert created.status_code == 201, created.json()
    assert created.json()["label"] == "3 days before due"
    pk = created.json()["id"]
    twice = bob.post(url("reminder-rules"), {"days_from_due": -3})
    assert attrs(twice) == {"non_field_errors"}  # the model's one-rule-per-day constraint
    assert "already exists" in twice.json()["errors"][0]["detail"]
    assert attrs(bob.post(url("reminder-rules"), {"days_from_due": 999})) == {"days_from_due"}
    paused = bob.patch(url("reminder-rules", pk), {"active": False})
    assert paused.status_code == 200 and paused.json()["active"] is False
    assert paused.json()["days_from_due"] == -3
    assert bob.delete(url("reminder-rules", pk)).status_code == 204
    assert bob.get(url("reminder-rules")).json()["results"] == []


def test_recurring_schedule_crud_pause_resume(bob, acme, vat):
    body = {
        "name": "Support retainer",
        "client": acme.pk,
        "start_date": "2030-01-01",
        "lines": [{"description": "Support", "unit_price": "500", "tax_rate_id": vat.pk}],
    }
    created = bob.post(url("recurring-schedules"), body, format="json")
    assert created.status_code == 201, created.json()
    schedule = created.json()
    assert (schedule["currency"], schedule["next_run"], schedule["active"]) == (
        "USD",
        "2030-01-01",
        True,
    )
    assert schedule["lines"][0]["unit_price"] == "500.0000"
    pk = schedule["id"]
    edited = bob.patch(url("recurring-schedules", pk), {"interval": "quarterly"}, format="json")
    assert edited.status_code == 200, edited.json()
    assert (edited.json()["interval"], edited.json()["name"]) == ("quarterly", "Support retainer")
    paused = bob.post(url("recurring-schedules", pk, "pause"))
    assert paused.status_code == 200 and paused.json()["active"] is False
    resumed = bob.post(url("recurring-schedules", pk, "resume"))
    assert resumed.status_code == 200 and resumed.json()["active"] is True
    assert bob.delete(url("recurring-schedules", pk)).status_code == 204


def test_recurring_schedule_bad_input_saves_nothing(bob, acme, hourly, personas, theirs):
    from invoicing.models import RecurringSchedule

    base = {"name": "R", "client": acme.pk, "start_date": "2030-01-01"}
    assert attrs(bob.post(url("recurring-schedules"), base, format="json")) == {"lines"}
    backwards = {
        **base,
        "end_date": "2029-01-01",
        "lines": [{"description": "x", "unit_price": "1"}],
    }
    assert attrs(bob.post(url("recurring-schedules"), backwards, format="json")) == {"end_date"}
    other = ClientFactory(workspace=personas.a)
    wrong = {**base, "client": other.pk, "engagement": hourly.pk}
    assert attrs(bob.post(url("recurring-schedules"), wrong, format="json")) == {"engagement"}
    foreign = {
        **base,
        "client": theirs["client"].pk,
        "lines": [{"description": "x", "unit_price": "1"}],
    }
    response = bob.post(url("recurring-schedules"), foreign, format="json")
    assert attrs(response) == {"client"} and codes(response) == {"does_not_exist"}
    foreign_tax = {
        **base,
        "lines": [{"description": "x", "unit_price": "1", "tax_rate_id": theirs["tax_rate"].pk}],
    }
    assert attrs(bob.post(url("recurring-schedules"), foreign_tax, format="json")) == {"lines"}
    assert count(RecurringSchedule) == 0


# --- Send, PDF, late fee, rates import, late-fee policy ------------------------------------
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


def test_api_late_fee_policy_is_for_managers(api_as, personas):
    response = api_as(personas.bob).post(
        "/api/v1/workspaces/alice-studio/late-fee-policy/", {"kind": "none"}, format="json"
    )
    assert response.status_code == 403


def test_api_rates_import_all_or_nothing(api_as, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_as(personas.alice)
    url = "/api/v1/workspaces/alice-studio/exchange-rates/import/"
    good = SimpleUploadedFile(
        "r.csv", b"date,currency,rate\n2026-11-01,EUR,1.08\n2026-11-02,GBP,1.27\n"
    )
    assert client.post(url, {"file": good}, format="multipart").json() == {"imported": 2}
    bad = SimpleUploadedFile(
        "r.csv", b"date,currency,rate\n2026-11-03,EUR,1.09\n2026-11-04,XXX,1\n"
    )
    response = client.post(url, {"file": bad}, format="multipart")
    assert response.status_code == 400 and "Row 3" in response.json()["errors"][0]["detail"]
    listing = client.get("/api/v1/workspaces/alice-studio/exchange-rates/").json()
    assert listing["count"] == 2
