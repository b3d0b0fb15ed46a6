"""Folding what is owed: a workspace's `OwedChange` rows (one appended by the invoices'
trigger per statement and key) replaced by one row per (client, currency, due date), so
the sums the pages read stay as small as the due dates still owed.

One statement per workspace: the DELETE takes the rows its snapshot sees and the INSERT
writes their sums. Rows that writers append meanwhile are not in that snapshot, stay, and
are folded next time; a reader sees the rows before the fold or after it, both adding up
to the same. Keys whose invoices are all settled (nothing owed, no invoices) go away."""

from __future__ import annotations

from django.db import connection, transaction

# More rows than keys by this much before a workspace is worth folding.
SLACK = 50

_FOLD_SQL = """
WITH gone AS (
    DELETE FROM invoicing_owedchange WHERE workspace_id = %s
    RETURNING workspace_id, client_id, currency, due_date, amount, invoices
)
INSERT INTO invoicing_owedchange (workspace_id, client_id, currency, due_date, amount, invoices)
SELECT workspace_id, client_id, currency, due_date, SUM(amount), SUM(invoices)
  FROM gone
 GROUP BY workspace_id, client_id, currency, due_date
HAVING SUM(invoices) <> 0 OR SUM(amount) <> 0
"""


def owed_fold(*, workspace_id: int) -> int:
    """Fold one workspace's rows; the number of rows it keeps."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_FOLD_SQL, [workspace_id])
        return int(cursor.rowcount)


def owed_fold_all(*, slack: int = SLACK) -> int:
    """Fold every workspace with `slack` rows more than it has keys (the beat task's
    sweep, across tenants: it reads and writes only these rows, by workspace id), after
    dropping the rows of workspaces deleted since (the table has no foreign keys)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DELETE FROM invoicing_owedchange o
             WHERE NOT EXISTS (SELECT 1 FROM accounts_workspace w WHERE w.id = o.workspace_id)
            """
        )
        cursor.execute(
            """
            SELECT workspace_id FROM invoicing_owedchange
             GROUP BY workspace_id
            HAVING COUNT(*) > COUNT(DISTINCT (client_id, currency, due_date)) + %s
             ORDER BY workspace_id
            """,
            [slack],
        )
        workspaces = [row[0] for row in cursor.fetchall()]
    for workspace_id in workspaces:
        owed_fold(workspace_id=workspace_id)
    return len(workspaces)
