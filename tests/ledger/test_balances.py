"""Balances read from entries: one account, one document's sub-ledger, every party of a
code, and the trial balance; each in one query."""

from decimal import Decimal

import pytest
from django.db import transaction

from ledger.balances import balance, document_balances, party_balances, trial_balance
from ledger.models import AccountType
from ledger.posting import post
from tests.ledger.conftest import DAY, finalize_legs, receipt_legs


@pytest.fixture
def books(ws, other):
    """Client 1: invoice 1 (120 USD) half paid, invoice 2 (60 USD) open; client 2:
    invoice 3 (1,100 JPY) open. Workspace `other` has an invoice 1 of its own."""
    with transaction.atomic():
        for legs in (
            finalize_legs("100.00", "20.00", client=1, invoice=1),
            receipt_legs("60.00", client=1, invoice=1),
            finalize_legs("50.00", "10.00", client=1, invoice=2),
            finalize_legs("1000", "100", currency="JPY", client=2, invoice=3),
        ):
            post(workspace=ws, kind="test", on=DAY, legs=legs)
        post(workspace=other, kind="test", on=DAY, legs=finalize_legs("999.00", "0.00"))
    return ws


def test_balance_of_an_account_and_of_a_document_in_it(books):
    ws = books
    assert balance(workspace=ws, code="receivable", currency="USD", party="client:1") == Decimal(
        "120.00"
    )
    assert balance(
        workspace=ws, code="receivable", currency="USD", party="client:1", document="invoice:1"
    ) == Decimal("60.00")
    assert balance(workspace=ws, code="revenue", currency="USD") == Decimal("-150.00")
    assert balance(workspace=ws, code="revenue", currency="EUR") == 0
    assert balance(workspace=ws, code="cash", currency="USD", document="") == 0  # all tagged


def test_unknown_codes_are_refused(books):
    with pytest.raises(ValueError, match="chart of accounts"):
        balance(workspace=books, code="bank", currency="USD")


def test_document_balances_in_one_query(books, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = document_balances(
            workspace=books,
            code="receivable",
            documents=["invoice:1", "invoice:2", "invoice:3", "invoice:404"],
        )
    assert found == {
        "invoice:1": Decimal("60.00"),
        "invoice:2": Decimal("60.00"),
        "invoice:3": Decimal("1100"),
        "invoice:404": 0,
    }
    with django_assert_num_queries(0):
        assert document_balances(workspace=books, code="receivable", documents=[]) == {}


def test_a_document_in_two_currencies_needs_one_chosen(ws):
    with transaction.atomic():
        post(workspace=ws, kind="t", on=DAY, legs=finalize_legs("1.00", "0.00", invoice=9))
        post(workspace=ws, kind="t", on=DAY, legs=finalize_legs("1", "0", "JPY", invoice=9))
    with pytest.raises(ValueError, match="more than one currency"):
        document_balances(workspace=ws, code="receivable", documents=["invoice:9"])
    assert document_balances(
        workspace=ws, code="receivable", documents=["invoice:9"], currency="JPY"
    ) == {"invoice:9": Decimal("1")}


def test_party_balances_in_one_query(books, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = party_balances(workspace=books, code="receivable")
    assert found == {("client:1", "USD"): Decimal("120.00"), ("client:2", "JPY"): Decimal("1100")}


def test_trial_balance_sums_to_zero_per_currency(books, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = trial_balance(workspace=books)
    assert [(r.code, r.party, r.currency) for r in rows] == [
        ("cash", "", "USD"),
        ("receivable", "client:1", "USD"),
        ("receivable", "client:2", "JPY"),
        ("revenue", "", "JPY"),
        ("revenue", "", "USD"),
        ("tax_payable", "", "JPY"),
        ("tax_payable", "", "USD"),
    ]
    receivable = rows[1]
    assert (receivable.type, receivable.debit, receivable.credit, receivable.balance) == (
        AccountType.ASSET,
        Decimal("180.00"),
        Decimal("60.00"),
        Decimal("120.00"),
    )
    for currency in ("USD", "JPY"):
        assert sum(r.balance for r in rows if r.currency == currency) == 0
