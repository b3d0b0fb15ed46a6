"""How fast the recurring task makes invoices: N template schedules in one workspace,
each with one period due, generated once through the set-based path
(`invoicing.services.recurring_runs.recurring_generate_for_workspace`); then a small
sample through the per-invoice service path (`recurring_schedule_run`, what a naive task
would do), so the speedup is printed as a ratio measured on the same machine in the same
run.

Everything happens in one transaction rolled back at the end (unless --keep), so the
database is left as it was."""

from __future__ import annotations

import argparse
import datetime as dt
import time
import uuid

from bench.common import QueryCounter, run_rolled_back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="schedules (= invoices) to make")
    parser.add_argument("--sample", type=int, default=200, help="per-invoice path sample")
    parser.add_argument("--lines", type=int, default=3, help="template lines per schedule")
    run_rolled_back(parser, run)


def _setup(n: int, lines: int, today: dt.date):
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
    from invoicing.models import Invoice, RecurringSchedule
    from invoicing.services import recurring_runs

    today = timezone.localdate()
    t0 = time.perf_counter()
    big = _setup(args.n, args.lines, today)
    setup_s = time.perf_counter() - t0

    counter = QueryCounter()
    with workspace_scope(big), connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        result = recurring_runs.recurring_generate_for_workspace(workspace=big, today=today)
        bulk_s = time.perf_counter() - t0
    with workspace_scope(big):
        made = Invoice.objects.count()
        numbers = sorted(
            int(x.removeprefix(big.invoice_prefix))
            for x in Invoice.objects.values_list("number", flat=True)
        )
    assert made == args.n == len(result.invoices), (made, len(result.invoices))
    assert numbers == list(range(1, args.n + 1)), "numbers are not gapless"
    bulk_rate = made / bulk_s

    small = _setup(args.sample, args.lines, today)
    naive_counter = QueryCounter()
    with workspace_scope(small), connection.execute_wrapper(naive_counter):
        due = list(RecurringSchedule.objects.order_by("pk"))
        t0 = time.perf_counter()
        for schedule in due:
            recurring_runs.recurring_schedule_run(schedule=schedule, today=today)
        naive_s = time.perf_counter() - t0
    naive_rate = args.sample / naive_s

    return "\n".join(
        [
            f"recurring invoices: {args.n:,} schedules × 1 period, {args.lines} lines each "
            f"(setup {setup_s:.1f} s)",
            f"  set-based path : {made:,} invoices in {bulk_s:.2f} s = {bulk_rate:,.0f} "
            f"invoices/s, {counter.count:,} queries "
            f"({counter.count / made:.3f} per invoice)",
            f"  per-invoice path (sample of {args.sample}): {naive_s:.2f} s = "
            f"{naive_rate:,.0f} invoices/s, {naive_counter.count:,} queries "
            f"({naive_counter.count / args.sample:.1f} per invoice)",
            f"  speedup: {bulk_rate / naive_rate:.1f}× (same machine, same run)",
            "  numbers: gapless 1…N" + ("" if args.keep else "; rolled back (--keep to commit)"),
        ]
    )


if __name__ == "__main__":
    main()
