"""What the `ledger_check` fixture (tests/conftest.py) runs after every database test: the
ledger's consistency checks, when the test left any ledger rows behind."""

from __future__ import annotations

from django.db import connection

from ledger.checks import Problem, run_checks


def ledger_problems() -> list[Problem]:
    """Every registered check's problems; [] at the cost of one query when the ledger is
    empty. A connection whose transaction is already broken is left to the test's own
    failure (Django's TestCase skips its constraint checks then too)."""
    if connection.needs_rollback or not connection.is_usable():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM ledger_entry)"
            " OR EXISTS (SELECT 1 FROM ledger_transaction)"
        )
        (any_rows,) = cursor.fetchone()
    return run_checks() if any_rows else []
