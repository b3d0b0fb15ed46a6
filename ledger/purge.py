"""Erasing a workspace's ledger: the one exception to "the ledger is append-only".

The database refuses every UPDATE and DELETE of ledger rows (migration 0002) unless the
transaction-local setting `portfolio.ledger_purge` is 'on'. Only this function sets it,
only with `SET LOCAL` (it ends with the transaction, and is switched off again here right
after the deletes), and only to erase a whole workspace's ledger when the tenant itself is
deleted. Nothing else may use it: a mistake in the ledger is corrected by a reversal."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.transaction import TransactionManagementError

from accounts.models import Workspace


@dataclass(frozen=True)
class Purged:
    entries: int
    transactions: int
    accounts: int


def workspace_ledger_purge(*, workspace: Workspace) -> Purged:
    """Delete every ledger entry, transaction and account of `workspace`, inside the
    caller's transaction (the one deleting the workspace). Entries go first, then
    transactions, then accounts, so no foreign key is ever left dangling."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("purge a workspace's ledger inside transaction.atomic()")
    if workspace.pk is None:
        raise ValueError("purge the ledger of a saved workspace")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL portfolio.ledger_purge = 'on'")
        try:
            counts = []
            for table in ("ledger_entry", "ledger_transaction", "ledger_account"):
                cursor.execute(f"DELETE FROM {table} WHERE workspace_id = %s", [workspace.pk])  # noqa: S608 (fixed table names)
                counts.append(cursor.rowcount)
        finally:
            cursor.execute("SET LOCAL portfolio.ledger_purge = 'off'")
    return Purged(entries=counts[0], transactions=counts[1], accounts=counts[2])
