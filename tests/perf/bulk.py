"""A workspace with history, made in bulk (set-based inserts, a few thousand rows at most):
invoices of every status and kind, in two currencies, spread over clients and time, as a
busy workspace has them. Without their ledger postings: tests using it are marked
`ledger_unchecked` (they measure reads, not money)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Workspace
from engagements.models import Client
from invoicing.models import Invoice

# Of every 50 invoices: 44 paid, 3 open, 1 partly paid, 1 draft, 1 void (a few percent open,
# as in a workspace with years of history); three a day, due in 30 days, so the open ones
# older than a month are overdue. Every 25th document is a credit note.
_STATUSES = ["paid"] * 44 + ["open"] * 3 + ["partially_paid", "draft", "void"]


def bulk_invoices(workspace: Workspace, clients: list[Client], n: int) -> None:
    """`n` invoices and credit notes of `workspace`, newest last, three a day back from today."""
    today = timezone.localdate()
    with scopes_disabled():
        start = Invoice.objects.filter(workspace=workspace).count()
        rows = []
        for i in range(start, start + n):
            status = _STATUSES[i % len(_STATUSES)]
            kind = "credit_note" if i % 25 == 24 else "invoice"
            client = clients[i % len(clients)]
            total = Decimal(100 + i % 900)
            issued = today - dt.timedelta(days=(start + n - i) // 3)  # three a day
            rows.append(
                Invoice(
                    workspace=workspace,
                    kind=kind,
                    client=client,
                    status=status,
                    number="" if status == "draft" else f"{kind[:2].upper()}-{i:06d}",
                    currency=client.currency,
                    issue_date=None if status == "draft" else issued,
                    due_date=None if status == "draft" else issued + dt.timedelta(days=30),
                    total=total,
                    subtotal=total,
                    amount_paid=total
                    if status == "paid"
                    else Decimal(10 * (status == "partially_paid")),
                )
            )
        Invoice.objects.bulk_create(rows, batch_size=1000)
    # auto_now_add gave them all the same moment: spread them over the past, in id order.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoicing_invoice SET created_at = now()"
            " - ((SELECT max(id) FROM invoicing_invoice) - id) * interval '1 minute'"
            " WHERE workspace_id = %s",
            [workspace.pk],
        )


def analyze() -> None:
    """Fresh statistics, as autovacuum would have after a day of writes."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE invoicing_invoice")
        cursor.execute("ANALYZE engagements_client")
