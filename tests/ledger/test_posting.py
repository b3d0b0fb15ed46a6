"""The posting API: what it writes, what it refuses before the database, and how many
queries it takes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from ledger.balances import balance
from ledger.models import Account, AccountType, Entry, LedgerTransaction
from ledger.posting import Leg, Posting, Unbalanced, post, post_many, reverse
from tests.ledger.conftest import DAY, finalize_legs, receipt_legs


def _post(ws, legs, **kwargs):
    with transaction.atomic():
        return post(
            workspace=ws, kind=kwargs.pop("kind", "invoice.finalize"), on=DAY, legs=legs, **kwargs
        )


def test_a_posting_writes_one_transaction_with_its_entries(ws):
    made = _post(ws, finalize_legs("100.00", "20.00"), ref="invoice:1", memo="INV-1")

    with workspace_scope(ws):
        assert made.kind == "invoice.finalize" and made.date == DAY and made.ref == "invoice:1"
        rows = list(
            made.entries.values_list(
                "account__code", "account__party", "amount", "currency", "document"
            )
        )
        assert rows == [
            ("receivable", "client:1", Decimal("120.000"), "USD", "invoice:1"),
            ("revenue", "", Decimal("-100.000"), "USD", "invoice:1"),
            ("tax_payable", "", Decimal("-20.000"), "USD", "invoice:1"),
        ]
        receivable = Account.objects.get(code="receivable")
        assert (receivable.type, receivable.party, receivable.currency) == (
            AccountType.ASSET,
            "client:1",
            "USD",
        )
        assert Account.objects.get(code="revenue").type == AccountType.INCOME


def test_accounts_are_created_once_and_reused(ws):
    _post(ws, finalize_legs("100.00", "20.00"))
    _post(ws, finalize_legs("50.00", "10.00", invoice=2))
    _post(ws, finalize_legs("5000", "0", currency="JPY"))

    with workspace_scope(ws):
        keys = sorted(Account.objects.values_list("code", "party", "currency"))
    assert keys == [
        ("receivable", "client:1", "JPY"),
        ("receivable", "client:1", "USD"),
        ("revenue", "", "JPY"),
        ("revenue", "", "USD"),
        ("tax_payable", "", "USD"),  # the zero JPY tax leg was dropped: no account for it
    ]
    assert balance(workspace=ws, code="receivable", currency="USD", party="client:1") == Decimal(
        "180.00"
    )


def test_zero_legs_are_dropped_and_nothing_left_is_none(ws):
    legs = [Leg("cash", Decimal("0.00"), "USD"), Leg("revenue", Decimal("0"), "USD")]
    assert _post(ws, legs) is None
    with workspace_scope(ws):
        assert not LedgerTransaction.objects.exists() and not Account.objects.exists()


@pytest.mark.parametrize(
    "legs, error",
    [
        (
            [Leg("cash", Decimal("10.00"), "USD"), Leg("revenue", Decimal("-9.99"), "USD")],
            Unbalanced,
        ),
        # Balanced in total but not per currency: 10 USD against 10 EUR.
        ([Leg("cash", Decimal("10"), "USD"), Leg("revenue", Decimal("-10"), "EUR")], Unbalanced),
        (
            [Leg("cash", Decimal("10.005"), "USD"), Leg("revenue", Decimal("-10.005"), "USD")],
            ValueError,
        ),  # not rounded to cents
        (
            [Leg("cash", Decimal("10.5"), "JPY"), Leg("revenue", Decimal("-10.5"), "JPY")],
            ValueError,
        ),  # JPY has no minor unit
        ([Leg("bank", Decimal("1"), "USD"), Leg("revenue", Decimal("-1"), "USD")], ValueError),
        (
            [Leg("receivable", Decimal("1"), "USD"), Leg("revenue", Decimal("-1"), "USD")],
            ValueError,
        ),  # a receivable is kept per client
        (
            [
                Leg("receivable", Decimal("1"), "USD", party="12"),
                Leg("revenue", Decimal("-1"), "USD"),
            ],
            ValueError,
        ),
        (
            [
                Leg("cash", Decimal("1"), "USD", party="client:1"),
                Leg("revenue", Decimal("-1"), "USD"),
            ],
            ValueError,
        ),  # cash takes no party
        ([Leg("cash", Decimal("1"), "XYZ"), Leg("revenue", Decimal("-1"), "XYZ")], ValueError),
        ([Leg("cash", 1.5, "USD"), Leg("revenue", -1.5, "USD")], ValueError),  # a float
        ([Leg("cash", Decimal("NaN"), "USD")], ValueError),
        (
            [Leg("cash", Decimal("1e15"), "USD"), Leg("revenue", Decimal("-1e15"), "USD")],
            ValueError,
        ),  # beyond AmountField
        (
            [
                Leg("cash", Decimal("1"), "USD", document="x" * 65),
                Leg("revenue", Decimal("-1"), "USD"),
            ],
            ValueError,
        ),
    ],
)
def test_bad_legs_are_refused_before_the_database(ws, legs, error, django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(0), pytest.raises(error):
        post(workspace=ws, kind="test", on=DAY, legs=legs)


def test_unbalanced_is_a_value_error_naming_the_difference(ws):
    with pytest.raises(ValueError, match="does not balance: 0.01 USD"):
        _post(ws, [Leg("cash", Decimal("10.00"), "USD"), Leg("revenue", Decimal("-9.99"), "USD")])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": ""},
        {"kind": "k" * 41},
        {"ref": "r" * 65},
        {"memo": "m" * 201},
        {"on": dt.datetime(2026, 11, 30, 12, 0)},
    ],  # noqa: DTZ001
)
def test_bad_transaction_fields_are_refused(ws, kwargs, django_assert_num_queries):
    arguments = {"kind": "test", "on": DAY, **kwargs}
    with transaction.atomic(), django_assert_num_queries(0), pytest.raises(ValueError):
        post(workspace=ws, legs=receipt_legs("1.00"), **arguments)


@pytest.mark.django_db(transaction=True)
def test_posting_outside_a_transaction_is_refused(ws):
    """The posting must commit or roll back with the change it records, so it never runs
    in autocommit."""
    with pytest.raises(TransactionManagementError, match="atomic"):
        post(workspace=ws, kind="test", on=DAY, legs=receipt_legs("1.00"))
    with workspace_scope(ws):
        assert not LedgerTransaction.objects.exists()


def test_posting_for_another_workspace_inside_a_scope_is_refused(ws, other):
    with workspace_scope(other), transaction.atomic(), pytest.raises(ValueError, match="scope"):
        post(workspace=ws, kind="test", on=DAY, legs=receipt_legs("1.00"))


def test_posting_works_in_its_own_scope_outside_any_and_with_scopes_disabled(ws):
    with workspace_scope(ws):
        _post(ws, receipt_legs("1.00"))
    _post(ws, receipt_legs("2.00"))
    with scopes_disabled():
        _post(ws, receipt_legs("3.00"))
    assert balance(workspace=ws, code="cash", currency="USD") == Decimal("6.00")


def test_post_takes_three_queries_once_its_accounts_exist(ws, django_assert_num_queries):
    _post(ws, finalize_legs("100.00", "20.00"))
    # 1. select the accounts  2. insert the transaction  3. insert its entries
    with transaction.atomic(), django_assert_num_queries(3):
        post(
            workspace=ws, kind="invoice.finalize", on=DAY, legs=finalize_legs("10", "2", invoice=2)
        )


def test_post_many_is_set_based(ws, django_assert_num_queries):
    postings = [
        Posting(
            kind="invoice.finalize",
            on=DAY,
            ref=f"invoice:{i}",
            legs=tuple(finalize_legs("100.00", "20.00", client=i % 7 + 1, invoice=i)),
        )
        for i in range(1, 301)
    ]
    # 1. select accounts  2. insert the missing ones (ON CONFLICT DO NOTHING)  3. select
    # them  4. insert the transactions  5. insert the entries
    with transaction.atomic(), django_assert_num_queries(5):
        made = post_many(workspace=ws, postings=postings)

    assert [t.ref for t in made] == [p.ref for p in postings] and all(t.pk for t in made)
    with workspace_scope(ws):
        assert Entry.objects.count() == 900
        assert Account.objects.filter(code="receivable").count() == 7
    assert balance(workspace=ws, code="revenue", currency="USD") == Decimal("-30000.00")


def test_post_many_skips_postings_with_no_legs_and_checks_all_first(ws):
    empty = Posting(kind="nothing", on=DAY, legs=(Leg("cash", Decimal("0"), "USD"),))
    good = Posting(kind="receipt", on=DAY, legs=tuple(receipt_legs("5.00")))
    bad = Posting(kind="bad", on=DAY, legs=(Leg("cash", Decimal("5.00"), "USD"),))
    with transaction.atomic():
        with pytest.raises(Unbalanced):
            post_many(workspace=ws, postings=[good, bad])
        with workspace_scope(ws):
            assert not LedgerTransaction.objects.exists()  # the good one was not written either
        made = post_many(workspace=ws, postings=[empty, good])
    assert [t.kind for t in made] == ["receipt"]


def test_reverse_posts_the_mirror_image_once(ws):
    original = _post(ws, finalize_legs("100.00", "20.00"), ref="invoice:1")
    with transaction.atomic():
        mirror = reverse(
            transaction=original, on=DAY + dt.timedelta(days=1), kind="invoice.void", memo="voided"
        )

    with workspace_scope(ws):
        assert mirror.reverses == original and original.reversed_by == mirror
        assert mirror.ref == "invoice:1" and mirror.kind == "invoice.void"
        legs = lambda t: [  # noqa: E731
            (e.account_id, e.amount, e.currency, e.document) for e in t.entries.all()
        ]
        assert legs(mirror) == [(a, -amount, c, d) for a, amount, c, d in legs(original)]
    for code, party in (("receivable", "client:1"), ("revenue", ""), ("tax_payable", "")):
        assert balance(workspace=ws, code=code, currency="USD", party=party) == 0

    with transaction.atomic(), pytest.raises(ValueError, match="already reversed"):
        reverse(transaction=original, on=DAY, kind="invoice.void")


def test_a_reversal_can_itself_be_reversed(ws):
    original = _post(ws, receipt_legs("7.00"))
    with transaction.atomic():
        undo = reverse(transaction=original, on=DAY, kind="receipt.reverse")
        redo = reverse(transaction=undo, on=DAY, kind="receipt.reinstate")
    assert redo.reverses == undo
    assert balance(workspace=ws, code="cash", currency="USD") == Decimal("7.00")


def test_reverses_must_be_of_the_same_workspace(ws, other):
    theirs = _post(other, receipt_legs("1.00"))
    with transaction.atomic(), pytest.raises(ValueError, match="own workspace"):
        post(workspace=ws, kind="x", on=DAY, legs=receipt_legs("1.00"), reverses=theirs)
