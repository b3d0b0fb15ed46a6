"""`post_many_copy`, the COPY path of the posting API (the recurring run's): the same
checks before any query, the same rows as `post_many`, ids reserved by the caller kept,
and the database's balance trigger still in force at commit."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError

from accounts.tenancy import workspace_scope
from ledger.models import Entry, LedgerTransaction
from ledger.posting import Leg, Posting, Unbalanced, post_many, post_many_copy, reserve_ids
from tests.ledger.conftest import DAY, finalize_legs, receipt_legs


def _postings(n, start=1):
    return [
        Posting(
            kind="invoice.finalize",
            on=DAY,
            ref=f"invoice:{i}",
            memo=f"Invoice {i}",
            legs=tuple(finalize_legs("100.00", "20.00", client=i % 3 + 1, invoice=i)),
        )
        for i in range(start, start + n)
    ]


def _rows(ws):
    with workspace_scope(ws):
        txns = list(LedgerTransaction.objects.order_by("pk"))
        return [
            (t.kind, t.date, t.memo, t.ref, t.reverses_id)
            + tuple(
                (e.account.code, e.account.party, e.amount, e.currency, e.document)
                for e in t.entries.select_related("account").order_by("pk")
            )
            for t in txns
        ]


def test_copy_writes_the_rows_post_many_writes(ws, other, django_assert_num_queries):
    postings = _postings(30)
    with transaction.atomic():
        post_many(workspace=ws, postings=postings)
    # 1. select accounts  2. insert the missing ones  3. select them  4. reserve ids
    # 5. COPY the transactions  6. COPY the entries
    with transaction.atomic(), django_assert_num_queries(6):
        ids = post_many_copy(workspace=other, postings=postings)
    assert len(ids) == 30 and len(set(ids)) == 30
    assert _rows(ws) == _rows(other)


def test_copy_keeps_reserved_ids_and_skips_empty_postings(ws):
    empty = Posting(kind="nothing", on=DAY, legs=(Leg("cash", Decimal("0"), "USD"),))
    good = Posting(kind="receipt", on=DAY, legs=tuple(receipt_legs("5.00")))
    with transaction.atomic():
        ids = reserve_ids(LedgerTransaction, 2)
        assert post_many_copy(workspace=ws, postings=[empty, good], ids=ids) == ids[1:]
    with workspace_scope(ws):
        assert list(LedgerTransaction.objects.values_list("pk", "kind")) == [(ids[1], "receipt")]


def test_copy_refuses_before_the_database(ws, django_assert_num_queries):
    bad = Posting(kind="bad", on=DAY, legs=(Leg("cash", Decimal("5.00"), "USD"),))
    with transaction.atomic(), django_assert_num_queries(0), pytest.raises(Unbalanced):
        post_many_copy(workspace=ws, postings=[*_postings(2), bad])


@pytest.mark.django_db(transaction=True)
def test_copy_outside_a_transaction_is_refused(ws):
    with pytest.raises(TransactionManagementError, match="atomic"):
        post_many_copy(workspace=ws, postings=_postings(1))


def test_the_balance_trigger_still_guards_copied_entries(ws):
    """A row slipped past the checks (here: an entry COPYed by hand into a copied
    transaction) is refused by the deferred trigger, as for any insert."""
    with pytest.raises(IntegrityError), transaction.atomic():
        (pk,) = post_many_copy(workspace=ws, postings=_postings(1))
        with workspace_scope(ws):
            account = Entry.objects.filter(transaction_id=pk).first().account_id
        with connection.cursor() as cursor:
            with cursor.copy(
                "COPY ledger_entry (workspace_id, transaction_id, account_id, amount, currency,"
                " document) FROM STDIN"
            ) as copy:
                copy.write_row((ws.pk, pk, account, Decimal("1.00"), "USD", ""))
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with workspace_scope(ws):
        assert not LedgerTransaction.objects.exists()
