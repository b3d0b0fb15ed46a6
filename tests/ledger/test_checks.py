"""The checks registry, the ledger's own checks and `manage.py ledger_check`.

Inconsistencies the database would refuse at commit are planted inside a savepoint that is
rolled back before the test ends (the deferred triggers never fire), so the checks can be
shown to find them."""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from ledger.checks import Problem, register_check, registered_checks, run_checks, unregister_check
from ledger.posting import post
from tests.ledger.conftest import DAY, finalize_legs, receipt_legs
from tests.ledger_guard import ledger_problems


class _Rollback(Exception):
    pass


@contextmanager
def planted():
    """Run the block in a savepoint and roll it back, whatever it did."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def _books(ws):
    with transaction.atomic():
        post(workspace=ws, kind="invoice.finalize", on=DAY, legs=finalize_legs("100.00", "20.00"))
        post(workspace=ws, kind="receipt", on=DAY, legs=receipt_legs("120.00"))


def _raw_transaction(ws, amounts, account_code="cash"):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_transaction (workspace_id, kind, date, memo, ref, created_at)"
            " VALUES (%s, 'planted', %s, '', '', now()) RETURNING id",
            [ws.pk, DAY],
        )
        (txn,) = cursor.fetchone()
        for amount in amounts:
            cursor.execute(
                "INSERT INTO ledger_entry (workspace_id, transaction_id, account_id, amount,"
                " currency, document) SELECT %s, %s, id, %s, currency, '' FROM ledger_account"
                " WHERE workspace_id = %s AND code = %s",
                [ws.pk, txn, Decimal(amount), ws.pk, account_code],
            )
    return txn


def test_the_ledgers_own_checks_are_registered():
    assert {
        "transactions_balance",
        "transactions_have_two_entries",
        "entries_match_accounts",
    } <= set(registered_checks())


def test_a_consistent_ledger_has_no_problems(ws, other):
    _books(ws)
    _books(other)
    assert run_checks() == [] and run_checks(ws) == []


def test_an_unbalanced_transaction_is_found(ws, other):
    _books(ws)
    _books(other)
    with planted():
        txn = _raw_transaction(ws, ["5.00"])
        problems = run_checks()
        assert run_checks(other) == []
    assert {(p.workspace_id, p.check, p.subject, p.actual) for p in problems} == {
        (ws.pk, "transactions_balance", f"ledger transaction {txn}", "5.000 USD"),
        (ws.pk, "transactions_have_two_entries", f"ledger transaction {txn}", "1 entries"),
    }


def test_a_transaction_without_entries_is_found(ws):
    _books(ws)
    with planted():
        txn = _raw_transaction(ws, [])
        problems = run_checks(ws)
    assert [(p.check, p.subject) for p in problems] == [
        ("transactions_have_two_entries", f"ledger transaction {txn}")
    ]


def test_an_entry_off_its_accounts_currency_is_found(ws):
    """The composite foreign key forbids it; with foreign keys and triggers switched off
    (a restore gone wrong, say) the check still sees it."""
    _books(ws)
    with planted():
        with connection.cursor() as cursor:
            try:
                with transaction.atomic():
                    cursor.execute("SET LOCAL session_replication_role = replica")
            except Exception:  # noqa: BLE001 (not a superuser: nothing to plant with)
                pytest.skip("switching triggers off needs a PostgreSQL superuser")
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                "UPDATE ledger_entry SET currency = 'EUR'"
                " WHERE id = (SELECT max(id) FROM ledger_entry)"
            )
            cursor.execute("SET LOCAL session_replication_role = origin")
        problems = run_checks(ws)
    mismatched = [
        (p.expected.split(",")[0], p.actual)
        for p in problems
        if p.check == "entries_match_accounts"
    ]
    assert mismatched == [("USD", "EUR")]
    # Its transaction no longer balances in either currency, which is found too.
    assert {p.check for p in problems} == {"entries_match_accounts", "transactions_balance"}


def _planted_check(workspace):
    yield Problem(
        workspace_id=workspace.pk if workspace else None,
        check="planted",
        subject="invoice:1",
        expected="120.00",
        actual="119.99",
        message="amount due differs from the receivable balance",
    )


@pytest.fixture
def planted_check():
    register_check("planted", _planted_check)
    yield
    unregister_check("planted")


def test_registering_another_function_under_a_taken_name_is_refused(planted_check):
    register_check("planted", _planted_check)  # the same again: ready() may run twice
    with pytest.raises(ValueError, match="already registered"):
        register_check("planted", lambda workspace: [])


def test_ledger_check_command_is_clean_on_a_consistent_ledger(ws, other, capsys):
    _books(ws)
    call_command("ledger_check")
    out = capsys.readouterr().out
    assert "ledger-a: 2 transactions, 5 entries, 4 accounts checked; no problems" in out
    assert "The ledger is consistent." in out

    call_command("ledger_check", "--workspace", "ledger-b")
    assert "ledger-b: 0 transactions, 0 entries, 0 accounts checked" in capsys.readouterr().out


def test_ledger_check_command_fails_on_a_registered_checks_problem(ws, planted_check, capsys):
    _books(ws)
    with pytest.raises(CommandError, match="1 problem"):
        call_command("ledger_check", "--workspace", "ledger-a")
    out = capsys.readouterr().out
    assert "ledger-a: 2 transactions, 5 entries, 4 accounts checked; 1 problem" in out
    assert (
        "PROBLEM [planted] ledger-a: invoice:1: amount due differs from the receivable balance"
        " (expected 120.00, actual 119.99)" in out
    )


def test_ledger_check_command_refuses_an_unknown_workspace(db):
    with pytest.raises(CommandError, match="no workspace 'nope'"):
        call_command("ledger_check", "--workspace", "nope")


def test_the_after_test_guard_costs_one_query_on_an_empty_ledger(
    ws, planted_check, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert ledger_problems() == []  # the planted check did not even run
    _books(ws)
    assert [p.check for p in ledger_problems()] == ["planted"]
