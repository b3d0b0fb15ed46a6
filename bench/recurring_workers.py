"""The recurring run fanned out across real Celery workers: 1 worker, then 2 (or any
counts), each a `celery -A portfolio worker --pool=solo` process of its own on a queue of
its own, taking the chunk tasks (`recurring_invoices_chunk`) of one committed scratch
workspace of N schedules. The clock runs from the first task sent to the last result
(the workers are started and answering pings before it starts). Each scratch workspace
is deleted afterwards, its ledger with it (ledger.purge)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import uuid
from typing import Any


def workers_table(args: Any) -> str:
    from bench.table import table

    counts = [int(x) for x in args.workers.split(",") if x.strip()]
    rows: list[list[object]] = []
    for spread in sorted({1, args.spread}):
        base = None
        for count in counts:
            before = _children_cpu()
            seconds, chunks = _one(count, args, spread)
            cpu = _children_cpu() - before
            rate = args.n / seconds
            base = base or rate
            rows.append(
                [spread, f"{count} worker{'s' if count > 1 else ''}", f"{seconds:.2f}",
                 f"{rate:,.0f}/s", f"{rate / base:.2f}×", chunks, f"{cpu:.1f}",
                 f"{os.getloadavg()[0]:.1f}"]
            )  # fmt: skip
    title = (
        f"recurring run fanned out: {args.n:,} schedules in chunks of {args.chunk:,}, "
        f"real Celery workers (--pool=solo), {os.cpu_count()} CPUs"
    )
    headers = ["workspaces", "workers", "s", "invoices/s", "vs 1", "chunks", "worker CPU s", "load"]
    return table(title, headers, rows) + (
        "(worker CPU s: user+sys of the worker processes, start-up included; load: the "
        "machine's 1-minute load average after the run)\n"
    )


def _children_cpu() -> float:
    """CPU seconds used by this process's finished children (the workers, once reaped)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _one(count: int, args: Any, spread: int) -> tuple[float, int]:
    from django.utils import timezone

    from bench.recurring import setup
    from invoicing.schedule_tasks import recurring_invoices_chunk
    from invoicing.services.recurring_fanout import recurring_plan
    from portfolio.celery import app

    today = timezone.localdate()
    # Committed: the workers must see them. The numbered part of a batch is serial per
    # workspace (one gapless series), so N spread over workspaces shows the fan-out's
    # best case and one workspace its worst.
    workspaces = [setup(args.n // spread, args.lines, today) for _ in range(spread)]
    mine = {w.pk for w in workspaces}
    tag = uuid.uuid4().hex[:8]
    queue = f"bench-recurring-{tag}"
    names = [f"bench{i}-{tag}@bench" for i in range(count)]
    procs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "portfolio", "worker", "--pool=solo",
             "-Q", queue, "-n", name, "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-l", "warning"],
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name in names
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            answered = app.control.ping(destination=names, timeout=1.0)
            if len(answered) == count:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers did not start: {answered}")
        chunks = [
            c for c in recurring_plan(today=today, chunk_size=args.chunk) if c.workspace_id in mine
        ]
        t0 = time.perf_counter()
        sent = [
            recurring_invoices_chunk.apply_async(
                kwargs={**c.as_kwargs(), "today": today.isoformat()}, queue=queue
            )
            for c in chunks
        ]
        for result in sent:
            result.get(timeout=900)
        seconds = time.perf_counter() - t0
        for workspace in workspaces:
            _verify(workspace, args.n // spread)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(60)
        for workspace in workspaces:
            _delete(workspace)
    return seconds, len(chunks)


def _verify(workspace: Any, n: int) -> None:
    from accounts.tenancy import workspace_scope
    from invoicing.models import Invoice

    with workspace_scope(workspace):
        numbers = sorted(
            int(x.removeprefix(workspace.invoice_prefix))
            for x in Invoice.objects.values_list("number", flat=True)
        )
    assert numbers == list(range(1, n + 1)), "not one gapless invoice per schedule"


def _delete(workspace: Any) -> None:
    """Delete the scratch workspace: its ledger through the one purge there is, its
    big tables by plain DELETE (the ORM's collector would load every row), the rest by
    the ORM."""
    from django.db import connection, transaction

    from accounts.models import Workspace
    from ledger.purge import workspace_ledger_purge

    with transaction.atomic(), connection.cursor() as cursor:
        workspace_ledger_purge(workspace=workspace)
        for table in (
            "accounts_auditentry",
            "invoicing_invoiceevent",
            "invoicing_invoiceline",
            "invoicing_invoice",
            "invoicing_recurringschedule",
            "invoicing_numberseries",
            "invoicing_taxrate",
            "engagements_client",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE workspace_id = %s", [workspace.pk])  # noqa: S608
        Workspace.objects.filter(pk=workspace.pk).delete()
