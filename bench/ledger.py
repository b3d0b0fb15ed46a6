"""How fast the ledger takes a recurring run's postings: N three-leg postings (an invoice
finalised: receivable, revenue, tax) written by `ledger.posting.post_many`, against
PostgreSQL's COPY of the same rows (the floor: no Python objects, no checks), each in a
workspace of its own. Both then fire the deferred balance triggers (SET CONSTRAINTS ALL
IMMEDIATE, what the commit would do), timed apart, so the ratio says what the posting
API costs over raw inserts and the trigger line what the database's guarantee costs.

Everything happens in one transaction rolled back at the end (unless --keep)."""

from __future__ import annotations

import argparse
import datetime as dt
import time
import uuid
from decimal import Decimal

from bench.common import QueryCounter, run_rolled_back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="postings to write")
    parser.add_argument("--clients", type=int, default=500, help="distinct receivable accounts")
    run_rolled_back(parser, run)


def _workspace():
    from accounts.models import Workspace

    slug = f"bench-{uuid.uuid4().hex[:8]}"
    return Workspace.objects.create(name=f"Bench {slug}", slug=slug, country="US")


def _postings(n: int, clients: int, on: dt.date):
    from ledger.posting import Leg, Posting

    postings = []
    for i in range(n):
        net = Decimal(100 + i % 900) + Decimal(i % 100) / 100
        tax = (net * Decimal("0.2")).quantize(Decimal("0.01"))
        client, invoice = f"client:{i % clients + 1}", f"invoice:{i + 1}"
        legs = (
            Leg("receivable", net + tax, "EUR", party=client, document=invoice),
            Leg("revenue", -net, "EUR", document=invoice),
            Leg("tax_payable", -tax, "EUR", document=invoice),
        )
        postings.append(Posting(kind="invoice.finalize", on=on, legs=legs, ref=invoice))
    return postings


def _fire_triggers(connection) -> float:
    """Run the deferred constraint triggers now, as COMMIT would; seconds taken."""
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return time.perf_counter() - t0


def _copy(connection, workspace, postings) -> None:
    """The same rows through COPY, with ids drawn from the sequences first."""
    from accounts.tenancy import workspace_scope
    from ledger.models import Account

    with workspace_scope(workspace):
        accounts = {
            (a.code, a.party, a.currency): a.pk for a in Account.objects.filter(workspace=workspace)
        }
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('ledger_transaction', 'id'))"
            " FROM generate_series(1, %s)",
            [len(postings)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.copy(
            "COPY ledger_transaction (id, workspace_id, kind, date, memo, ref, created_at)"
            " FROM STDIN"
        ) as copy:
            for pk, posting in zip(ids, postings, strict=True):
                copy.write_row((pk, workspace.pk, posting.kind, posting.on, "", posting.ref, now))
        with cursor.copy(
            "COPY ledger_entry (workspace_id, transaction_id, account_id, amount, currency,"
            " document) FROM STDIN"
        ) as copy:
            for pk, posting in zip(ids, postings, strict=True):
                for leg in posting.legs:
                    copy.write_row(
                        (
                            workspace.pk,
                            pk,
                            accounts[leg.key],
                            leg.amount,
                            leg.currency,
                            leg.document,
                        )
                    )


def run(args, connection) -> str:
    from accounts.tenancy import workspace_scope
    from ledger.checks import BUILTIN_CHECKS
    from ledger.models import Entry
    from ledger.posting import post_many

    on = dt.date(2026, 11, 30)
    postings = _postings(args.n, args.clients, on)

    api_ws = _workspace()
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        made = post_many(workspace=api_ws, postings=postings)
        api_s = time.perf_counter() - t0
    api_triggers_s = _fire_triggers(connection)
    assert len(made) == args.n

    copy_ws = _workspace()
    # The accounts exist before the timed COPY (COPY cannot create them on the way).
    post_many(workspace=copy_ws, postings=postings[: args.clients])
    t0 = time.perf_counter()
    _copy(connection, copy_ws, postings[args.clients :])
    copy_s = time.perf_counter() - t0
    copy_triggers_s = _fire_triggers(connection)
    copied = args.n - args.clients

    with workspace_scope(api_ws):
        entries = Entry.objects.count()
    assert entries == 3 * args.n, entries
    # The ledger's own checks: these postings' "invoice:N" documents have no invoices
    # behind them, so invoicing's checks would rightly object.
    for ws in (api_ws, copy_ws):
        with workspace_scope(ws):
            assert not [p for check in BUILTIN_CHECKS.values() for p in check(ws)]

    api_rate, copy_rate = args.n / api_s, copied / copy_s
    return "\n".join(
        [
            f"ledger postings: {args.n:,} × 3 legs over {args.clients:,} clients' receivables",
            f"  post_many : {api_s:.2f} s = {api_rate:,.0f} postings/s, {counter.count} queries",
            f"  COPY      : {copy_s:.2f} s = {copy_rate:,.0f} postings/s "
            f"({copied:,} rows' worth, ids from the sequence)",
            f"  ratio     : post_many takes {copy_rate / api_rate:.1f}× COPY's time per posting",
            f"  balance triggers at commit: {api_triggers_s:.2f} s after post_many, "
            f"{copy_triggers_s:.2f} s after COPY ({3 * args.n:,} and {3 * copied:,} entry checks)",
            "  ledger_check: clean" + ("" if args.keep else "; rolled back (--keep to commit)"),
        ]
    )


if __name__ == "__main__":
    main()
