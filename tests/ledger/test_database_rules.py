"""The rules PostgreSQL holds whatever the code does (migration ledger 0002): balanced
transactions at commit, entries in their account's currency and workspace, append-only
rows, and the purge as the one way out. Raw SQL throughout: these are the guards for the
paths that bypass `ledger.posting`."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError

from accounts.tenancy import workspace_scope
from ledger.balances import balance
from ledger.models import Account, Entry, LedgerTransaction
from ledger.posting import post
from ledger.purge import workspace_ledger_purge
from tests.ledger.conftest import DAY, finalize_legs, receipt_legs


def _post(ws, legs):
    with transaction.atomic():
        return post(workspace=ws, kind="test", on=DAY, legs=legs)


def _accounts(ws):
    """(cash, revenue) account ids of `ws` in USD, made by two first, balanced postings:
    an invoice finalised (3 entries) and paid (2): 5 entries on 4 accounts."""
    _post(ws, finalize_legs("1.00", "0.20"))
    _post(ws, receipt_legs("1.20"))
    with workspace_scope(ws):
        ids = dict(Account.objects.filter(currency="USD").values_list("code", "pk"))
    return ids["cash"], ids["revenue"]


def _insert_transaction(cursor, ws) -> int:
    cursor.execute(
        "INSERT INTO ledger_transaction (workspace_id, kind, date, memo, ref, created_at)"
        " VALUES (%s, 'raw', %s, '', '', now()) RETURNING id",
        [ws.pk, DAY],
    )
    return cursor.fetchone()[0]


def _insert_entry(cursor, ws, txn, account, amount, currency="USD"):
    cursor.execute(
        "INSERT INTO ledger_entry (workspace_id, transaction_id, account_id, amount, currency,"
        " document) VALUES (%s, %s, %s, %s, %s, '')",
        [ws.pk, txn, account, Decimal(amount), currency],
    )


def _count(ws, model):
    with workspace_scope(ws):
        return model.objects.count()


# --- balanced at commit ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_raw_unbalanced_insert_fails_at_commit(ws):
    cash, revenue = _accounts(ws)
    before = _count(ws, Entry)
    with (
        pytest.raises(IntegrityError, match="does not balance: its USD entries sum to 1.000"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn = _insert_transaction(cursor, ws)
        _insert_entry(cursor, ws, txn, cash, "10.00")
        _insert_entry(cursor, ws, txn, revenue, "-9.00")
        # Each statement succeeded: the check is deferred to the commit.
    assert _count(ws, Entry) == before


@pytest.mark.django_db(transaction=True)
def test_a_raw_balanced_insert_built_entry_by_entry_passes(ws):
    cash, revenue = _accounts(ws)
    with transaction.atomic(), connection.cursor() as cursor:
        txn = _insert_transaction(cursor, ws)
        _insert_entry(cursor, ws, txn, cash, "10.00")
        _insert_entry(cursor, ws, txn, cash, "5.00")
        _insert_entry(cursor, ws, txn, revenue, "-15.00")
    assert balance(workspace=ws, code="cash", currency="USD") == Decimal("16.20")


@pytest.mark.django_db(transaction=True)
def test_balanced_in_one_currency_is_not_enough(ws):
    cash, revenue = _accounts(ws)
    _post(ws, receipt_legs("1", currency="JPY"))
    with workspace_scope(ws):
        cash_jpy = Account.objects.get(code="cash", currency="JPY").pk
    with (
        pytest.raises(IntegrityError, match="JPY entries sum to 10"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn = _insert_transaction(cursor, ws)
        _insert_entry(cursor, ws, txn, cash, "10.00")
        _insert_entry(cursor, ws, txn, revenue, "-10.00")
        _insert_entry(cursor, ws, txn, cash_jpy, "10", currency="JPY")


@pytest.mark.django_db(transaction=True)
def test_a_transaction_without_entries_fails_at_commit(ws):
    with (
        pytest.raises(IntegrityError, match="has no entries"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _insert_transaction(cursor, ws)
    assert _count(ws, LedgerTransaction) == 0


def test_set_constraints_immediate_checks_inside_the_transaction(ws):
    """The same trigger, fired before commit: how a caller can check early."""
    cash, revenue = _accounts(ws)
    with (
        pytest.raises(IntegrityError, match="does not balance"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn = _insert_transaction(cursor, ws)
        _insert_entry(cursor, ws, txn, cash, "3.00")
        cursor.execute("SET CONSTRAINTS ledger_entry_balanced IMMEDIATE")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ledger_entry_balanced DEFERRED")


# --- entries belong to their account --------------------------------------------------------


def test_an_entry_in_another_currency_than_its_account_fails(ws):
    cash, revenue = _accounts(ws)
    with (
        pytest.raises(IntegrityError, match="ledger_entry_account_currency_fk"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn = _insert_transaction(cursor, ws)
        _insert_entry(cursor, ws, txn, cash, "10.00", currency="EUR")


def test_an_entry_on_another_workspaces_account_or_transaction_fails(ws, other):
    cash, _ = _accounts(ws)
    their_cash, _ = _accounts(other)
    with (
        pytest.raises(IntegrityError, match="ledger_entry_account_currency_fk"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn = _insert_transaction(cursor, ws)
        _insert_entry(cursor, ws, txn, their_cash, "10.00")
    with (
        pytest.raises(IntegrityError, match="ledger_entry_transaction_workspace_fk"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        their_txn = _insert_transaction(cursor, other)
        _insert_entry(cursor, ws, their_txn, cash, "10.00")


def test_a_zero_entry_fails(ws):
    cash, _ = _accounts(ws)
    with (
        pytest.raises(IntegrityError, match="ledger_entry_amount_not_zero"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn = _insert_transaction(cursor, ws)
        _insert_entry(cursor, ws, txn, cash, "0")


# --- append-only -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entry SET amount = amount * 2",
        "UPDATE ledger_entry SET document = 'invoice:99'",
        "DELETE FROM ledger_entry",
        "UPDATE ledger_transaction SET date = date + 1",
        "UPDATE ledger_transaction SET memo = 'edited'",
        "DELETE FROM ledger_transaction",
        "UPDATE ledger_account SET currency = 'EUR'",
        "UPDATE ledger_account SET code = 'cash2'",
        "UPDATE ledger_account SET party = 'client:2' WHERE party <> ''",
        "UPDATE ledger_account SET type = 'expense'",
        "DELETE FROM ledger_account",
    ],
)
def test_raw_updates_and_deletes_are_refused(ws, sql):
    _accounts(ws)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_the_orm_cannot_change_or_delete_ledger_rows(ws):
    _accounts(ws)
    with workspace_scope(ws):
        entry = Entry.objects.first()
        entry.amount = Decimal("99")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            entry.save()
        # Entries are PROTECTed by nothing below them: only the trigger stops this.
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            Entry.objects.all().delete()
        with pytest.raises((DatabaseError, ProtectedError)), transaction.atomic():
            LedgerTransaction.objects.all().delete()
        assert Entry.objects.count() == 5


def test_renaming_an_account_is_allowed(ws):
    _accounts(ws)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET name = 'Bank (Chase)' WHERE code = 'cash'")
    with workspace_scope(ws):
        assert Account.objects.get(code="cash").name == "Bank (Chase)"


def test_deleting_a_workspace_with_a_ledger_is_refused(ws):
    _accounts(ws)
    with pytest.raises((DatabaseError, ProtectedError)), transaction.atomic():
        ws.delete()


# --- the purge -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_purge_erases_one_workspaces_ledger_and_nothing_else(ws, other):
    _accounts(ws)
    _accounts(other)
    with transaction.atomic():
        purged = workspace_ledger_purge(workspace=ws)
        with connection.cursor() as cursor:
            # Switched off again at once: the rest of this transaction is guarded.
            cursor.execute("SELECT current_setting('portfolio.ledger_purge', true)")
            assert cursor.fetchone()[0] == "off"
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute("DELETE FROM ledger_entry")
        ws.delete()  # nothing of the ledger is left in the way

    assert (purged.entries, purged.transactions, purged.accounts) == (5, 2, 4)
    assert (_count(other, Entry), _count(other, LedgerTransaction), _count(other, Account)) == (
        5,
        2,
        4,
    )


def test_the_purge_needs_a_saved_workspace(ws):
    from accounts.models import Workspace

    with pytest.raises(ValueError, match="saved"):
        workspace_ledger_purge(workspace=Workspace(slug="unsaved"))
