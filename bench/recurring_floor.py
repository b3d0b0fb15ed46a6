"""The recurring bench's floor: the rows a recurring run made, written again by plain COPY.

Everything but the COPY itself is done before the clock starts: the run's rows are read
back, and their ids, workspace, clients, schedules, tax rates, ledger accounts and
document keys mapped onto a twin workspace of the same shape (so the unique keys hold).
What is timed is what PostgreSQL must do to store those rows in those tables with their
indexes and immediate constraints: the database's own write speed for this work."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Tables in the order the run writes them; the invoice and ledger transaction ids are
# kept (other rows name them), the others take ids from their identity defaults.
TABLES = [
    ("invoicing_invoice", True),
    ("invoicing_invoiceline", False),
    ("invoicing_invoiceevent", False),
    ("accounts_auditentry", False),
    ("ledger_transaction", True),
    ("ledger_entry", False),
]


@dataclass(frozen=True)
class Floor:
    seconds: float
    rows: int
    copies: int


def fire_deferred(connection: Any) -> float:
    """Run the deferred constraint triggers now, as COMMIT would; seconds taken."""
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return time.perf_counter() - t0


def _pairs(cursor: Any, table: str, source: int, target: int) -> dict[Any, Any]:
    """Source ids to target ids of the same table, matched in id order (twins)."""
    ids = []
    for ws in (source, target):
        cursor.execute(f"SELECT id FROM {table} WHERE workspace_id = %s ORDER BY id", [ws])  # noqa: S608
        ids.append([r[0] for r in cursor.fetchall()])
    assert len(ids[0]) == len(ids[1]), table
    return dict(zip(ids[0], ids[1], strict=True))


def _reserve(cursor: Any, table: str, n: int) -> list[int]:
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
    )
    return [r[0] for r in cursor.fetchall()]


def copy_floor(connection: Any, *, source: Any, target: Any) -> Floor:
    """COPY the rows the run made in `source` into `target` (a twin made by the same
    setup); returns the seconds the COPYs took and how many rows they wrote."""
    from django_scopes import scopes_disabled

    from ledger.models import Account

    with connection.cursor() as cursor, scopes_disabled():
        clients = _pairs(cursor, "engagements_client", source.pk, target.pk)
        schedules = _pairs(cursor, "invoicing_recurringschedule", source.pk, target.pk)
        rates = _pairs(cursor, "invoicing_taxrate", source.pk, target.pk)
        rates[None] = None
        # The twin's accounts exist before the clock starts (the run finds its own too).
        accounts = {}
        src_accounts = list(Account.objects.filter(workspace=source).order_by("pk"))
        for a in src_accounts:
            party = a.party
            if party.startswith("client:"):
                party = f"client:{clients[int(party.removeprefix('client:'))]}"
            twin = Account.objects.create(
                workspace=target,
                code=a.code,
                party=party,
                currency=a.currency,
                type=a.type,
                name=a.name,
            )
            accounts[a.pk] = twin.pk
        loaded: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
        for table, _ in TABLES:
            where = "workspace_id = %s"
            if table == "accounts_auditentry":
                where += " AND action = 'invoice.recurring_create'"
            cursor.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY id", [source.pk])  # noqa: S608
            loaded[table] = ([d.name for d in cursor.description], cursor.fetchall())
        invoices = dict(
            zip(
                [r[0] for r in loaded["invoicing_invoice"][1]],
                _reserve(cursor, "invoicing_invoice", len(loaded["invoicing_invoice"][1])),
                strict=True,
            )
        )
        txns = dict(
            zip(
                [r[0] for r in loaded["ledger_transaction"][1]],
                _reserve(cursor, "ledger_transaction", len(loaded["ledger_transaction"][1])),
                strict=True,
            )
        )

        def doc(value: str) -> str:
            if value.startswith("invoice:"):
                return f"invoice:{invoices[int(value.removeprefix('invoice:'))]}"
            return value

        maps: dict[str, Callable[[Any], Any]] = {
            "workspace_id": lambda _: target.pk,
            "client_id": clients.__getitem__,
            "schedule_id": schedules.__getitem__,
            "tax_rate_id": rates.__getitem__,
            "invoice_id": invoices.__getitem__,
            "transaction_id": txns.__getitem__,
            "account_id": accounts.__getitem__,
            "document": doc,
            "ref": doc,
        }
        prepared = []
        for table, keep_id in TABLES:
            columns, rows = loaded[table]
            ids = invoices if table == "invoicing_invoice" else txns
            fix: list[Callable[[Any], Any] | None] = [maps.get(c) for c in columns]
            if table == "accounts_auditentry":
                fix[columns.index("object_id")] = lambda v: str(invoices[int(v)])
            if keep_id:
                fix[0] = ids.__getitem__
            start = 0 if keep_id else 1
            out = [
                tuple(
                    (f(v) if f is not None else _json(v))
                    for f, v in zip(fix[start:], row[start:], strict=True)
                )
                for row in rows
            ]
            prepared.append((f"COPY {table} ({', '.join(columns[start:])}) FROM STDIN", out))
        total = sum(len(rows) for _, rows in prepared)
        t0 = time.perf_counter()
        for sql, rows in prepared:
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        seconds = time.perf_counter() - t0
    return Floor(seconds=seconds, rows=total, copies=len(prepared))


def _json(value: Any) -> Any:
    """A JSON column's value as read (a dict or list) back into something COPY writes."""
    from psycopg.types.json import Jsonb

    return Jsonb(value) if isinstance(value, dict | list) else value
