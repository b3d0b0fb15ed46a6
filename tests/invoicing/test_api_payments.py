"""The invoicing API for payments and credit: partial and over-payment becoming client credit,
append-only reversals, filters, and credit notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.models import Receipt
from tests.api import attrs, url
from tests.invoicing.api_helpers import TODAY, count, make_invoice


# --- Payments, credit ----------------------------------------------------------------------
def test_partial_then_over_payment_becomes_client_credit(bob, acme, personas):
    invoice = make_invoice(personas, acme)
    pay = {"invoice": invoice.pk, "received_on": "2026-11-25", "method": "bank_transfer"}
    partial = bob.post(url("payments"), {**pay, "amount": "400"}, format="json")
    assert partial.status_code == 201, partial.json()
    assert (partial.json()["amount"], partial.json()["to_credit"]) == ("400.00", "0.00")
    assert partial.json()["applied"] == "400.00"
    detail = bob.get(url("invoices", invoice.pk)).json()
    assert (detail["status"], detail["amount_due"]) == ("partially_paid", "600.00")

    over = bob.post(url("payments"), {**pay, "amount": "700", "reference": "TX-2"}, format="json")
    assert over.status_code == 201, over.json()
    # The receipt is everything received; its allocations say where it went.
    assert (over.json()["amount"], over.json()["applied"], over.json()["to_credit"]) == (
        "700.00",
        "600.00",
        "100.00",
    )
    assert sorted((a["kind"], a["amount"]) for a in over.json()["allocations"]) == [
        ("overpayment", "100.00"),
        ("payment", "600.00"),
    ]
    detail = bob.get(url("invoices", invoice.pk)).json()
    assert (detail["status"], detail["amount_due"], detail["amount_paid"]) == (
        "paid",
        "0.00",
        "1000.00",
    )
    assert [p["amount"] for p in detail["payments"]] == ["400.00", "700.00"]
    credit = bob.get(url("client-credit"), {"client": acme.pk}).json()
    assert credit == [{"client": acme.pk, "currency": "USD", "balance": "100.00"}]

    # The credit pays part of the client's next invoice.
    nxt = make_invoice(personas, acme, price="250")
    applied = bob.post(url("invoices", nxt.pk, "apply-credit"))
    assert applied.status_code == 200, applied.json()
    assert applied.json()["applied"] == "100.00"
    assert applied.json()["invoice"]["amount_due"] == "150.00"
    assert applied.json()["invoice"]["amount_paid"] == "100.00"
    assert applied.json()["invoice"]["payments"] == []  # credit is not money received
    assert bob.get(url("client-credit"), {"client": acme.pk}).json() == []
    nothing = bob.post(url("invoices", nxt.pk, "apply-credit")).json()
    assert nothing["applied"] == "0.00"


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
    assert count(Receipt) == 0


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
    assert count(Receipt) == 2


def test_payment_filters(bob, acme, personas):
    first, second = make_invoice(personas, acme), make_invoice(personas, acme)
    with workspace_scope(personas.a):
        for invoice, method, day in [
            (first, "cash", dt.date(2026, 11, 1)),
            (second, "bank_transfer", dt.date(2026, 12, 1)),
        ]:
            services.receipt_record(
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
        services.receipt_record(
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
