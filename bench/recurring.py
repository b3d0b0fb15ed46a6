"""How fast the recurring task makes invoices, beside its floor, in the same run:

1. N template schedules (3 lines each) in one workspace, each with one period due, made
   by the set-based path (`recurring_generate_for_workspace`: COPY of invoices, lines,
   events, audit entries, ledger transactions and entries);
2. the floor: the very rows it made (read back, ids, workspace, clients, schedules and
   accounts mapped onto a second workspace of the same shape) written again with plain
   COPY into the same tables with their indexes, no Python work timed;
3. both again with the deferred checks fired (SET CONSTRAINTS ALL IMMEDIATE: the ledger's
   balance triggers and the deferred foreign keys, what COMMIT would run);
4. the per-invoice service path on a small sample (what a naive task would do);
5. with --workers 1,2: the fan-out through real Celery workers (`celery -A portfolio
   worker --pool=solo` processes on a queue of their own), data committed in a scratch
   workspace that is deleted afterwards.

Steps 1-4 run in one transaction rolled back at the end (unless --keep)."""

from __future__ import annotations

import argparse
import datetime as dt
import time
import uuid

from bench.common import QueryCounter, run_rolled_back
from bench.recurring_floor import copy_floor, fire_deferred
from bench.recurring_workers import workers_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="schedules (= invoices) to make")
    parser.add_argument("--sample", type=int, default=200, help="per-invoice path sample")
    parser.add_argument("--lines", type=int, default=3, help="template lines per schedule")
    parser.add_argument(
        "--workers", default="1,2", help="worker counts to compare (empty: skip this part)"
    )
    parser.add_argument("--chunk", type=int, default=1000, help="schedules per fan-out chunk")
    parser.add_argument(
        "--spread", type=int, default=4, help="also run the fan-out over N split in this many"
    )
    run_rolled_back(parser, run)
    args = parser.parse_args()
    if args.workers:
        print(workers_table(args))


def setup(n: int, lines: int, today: dt.date):
    from accounts.models import Workspace
    from accounts.tenancy import workspace_scope
    from engagements.models import Client
    from invoicing.models import RecurringSchedule, TaxRate

    slug = f"bench-{uuid.uuid4().hex[:8]}"
    workspace = Workspace.objects.create(name=f"Bench {slug}", slug=slug, country="US")
    with workspace_scope(workspace):
        vat = TaxRate.objects.create(workspace=workspace, name="VAT 20%", percent=20)
        clients = Client.objects.bulk_create(
            [
                Client(
                    workspace=workspace,
                    name=f"Client {i}",
                    email=f"c{i}@bench.example",
                    currency="EUR",
                )
                for i in range(max(1, n // 10))
            ]
        )
        template = [
            {
                "description": f"Retainer item {k + 1}",
                "quantity": "1.5" if k % 2 else "1",
                "unit_price": f"{120 + k}.50",
                "discount_percent": "5" if k == 1 else "0",
                "tax_rate_id": vat.pk if k % 2 == 0 else None,
            }
            for k in range(lines)
        ]
        start = today - dt.timedelta(days=3)
        RecurringSchedule.objects.bulk_create(
            [
                RecurringSchedule(
                    workspace=workspace,
                    name=f"Schedule {i}",
                    client=clients[i % len(clients)],
                    interval="monthly",
                    start_date=start,
                    next_run=start,
                    currency="EUR",
                    lines=template,
                    auto_finalize=True,
                )
                for i in range(n)
            ],
            batch_size=2000,
        )
    return workspace


def run(args, connection) -> str:
    from django.utils import timezone

    from accounts.tenancy import workspace_scope
    from bench.table import table
    from invoicing.models import Invoice, RecurringSchedule
    from invoicing.services import recurring_runs

    today = timezone.localdate()
    t0 = time.perf_counter()
    big = setup(args.n, args.lines, today)
    setup_s = time.perf_counter() - t0

    counter = QueryCounter()
    with workspace_scope(big), connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        result = recurring_runs.recurring_generate_for_workspace(workspace=big, today=today)
        run_s = time.perf_counter() - t0
    run_checks_s = fire_deferred(connection)
    with workspace_scope(big):
        made = Invoice.objects.count()
        numbers = sorted(
            int(x.removeprefix(big.invoice_prefix))
            for x in Invoice.objects.values_list("number", flat=True)
        )
    assert made == args.n == len(result.invoices), (made, len(result.invoices))
    assert numbers == list(range(1, args.n + 1)), "numbers are not gapless"

    twin = setup(args.n, args.lines, today)
    floor = copy_floor(connection, source=big, target=twin)
    floor_checks_s = fire_deferred(connection)

    small = setup(args.sample, args.lines, today)
    naive_counter = QueryCounter()
    with workspace_scope(small), connection.execute_wrapper(naive_counter):
        due = list(RecurringSchedule.objects.order_by("pk"))
        t0 = time.perf_counter()
        for schedule in due:
            recurring_runs.recurring_schedule_run(schedule=schedule, today=today)
        naive_s = time.perf_counter() - t0

    n = args.n
    run_rate, floor_rate = n / run_s, n / floor.seconds
    run_c = n / (run_s + run_checks_s)
    floor_c = n / (floor.seconds + floor_checks_s)
    rows = [
        ["recurring run (COPY path)", f"{run_s:.2f}", f"{run_rate:,.0f}/s",
         f"{100 * run_rate / floor_rate:.0f}%", f"{counter.count:,}"],
        ["floor: COPY of the same rows", f"{floor.seconds:.2f}", f"{floor_rate:,.0f}/s",
         "100%", f"{floor.copies} COPY"],
        ["recurring run + commit checks", f"{run_s + run_checks_s:.2f}", f"{run_c:,.0f}/s",
         f"{100 * run_c / floor_c:.0f}%", ""],
        ["floor + commit checks", f"{floor.seconds + floor_checks_s:.2f}", f"{floor_c:,.0f}/s",
         "100%", ""],
        [f"per-invoice path (sample {args.sample})", f"{naive_s:.2f}",
         f"{args.sample / naive_s:,.0f}/s",
         f"{100 * args.sample / naive_s / floor_rate:.1f}%", f"{naive_counter.count:,}"],
    ]  # fmt: skip
    title = (
        f"recurring run: {n:,} schedules x 1 period, {args.lines} lines each "
        f"({floor.rows:,} rows in the floor's COPY; setup {setup_s:.1f} s; numbers gapless)"
    )
    report = table(title, ["path", "s", "invoices/s", "% of COPY", "queries"], rows)
    return report + (
        "(queries: Django's, without the COPYs; commit checks: the deferred triggers COMMIT "
        "runs, fired with SET CONSTRAINTS ALL IMMEDIATE"
        + ("" if args.keep else "; rolled back")
        + ")\n"
    )


if __name__ == "__main__":
    main()
