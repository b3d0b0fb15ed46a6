"""The recurring run fanned out across Celery workers: the beat task plans chunks (a
workspace's due template schedules cut into runs of consecutive ids, its engagement
schedules as one more) and queues one task per chunk, so two workers make a big run in
about half the time and one big workspace does not hold up the others.

Safe to plan twice or to run a chunk twice: each batch of a chunk locks its schedules
with SKIP LOCKED, re-reads what exists, and the unique (schedule, period) key is the
backstop (invoicing.services.recurring_runs); a chunk that finds nothing due does
nothing. Chunks of one workspace share its number series: each batch locks the series
row only after its lines are written, so the rest of two chunks' work overlaps."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import connection, transaction

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from invoicing.models import RecurringSchedule
from invoicing.services.recurring_runs import (
    RunResult,
    due_horizon,
    recurring_generate_for_workspace,
)

# Schedules per chunk: big enough that a chunk's fixed cost (a task, its batches'
# queries) is small, small enough that two workers share a 10,000-schedule workspace.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Chunk:
    """One task's share: workspace `workspace_id`'s due template schedules with ids from
    `first_pk` to `last_pk`, or (`engagements`) its due engagement schedules."""

    workspace_id: int
    first_pk: int | None = None
    last_pk: int | None = None
    engagements: bool = False

    def as_kwargs(self) -> dict[str, int | bool | None]:
        return asdict(self)


def recurring_plan(*, today: dt.date | None = None, chunk_size: int | None = None) -> list[Chunk]:
    """The chunks of every workspace's due work, from one cross-tenant query (numbering
    each workspace's due template schedules by id and grouping them by `chunk_size`)."""
    table = RecurringSchedule._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT workspace_id, bool_or(engagement_id IS NOT NULL), min(id), max(id)
              FROM (SELECT workspace_id, id, engagement_id,
                           (row_number() OVER (PARTITION BY workspace_id,
                                               engagement_id IS NOT NULL ORDER BY id)
                            - 1) / %s AS n
                      FROM {table}
                     WHERE active AND next_run <= %s) due
             GROUP BY workspace_id, engagement_id IS NOT NULL, n
             ORDER BY workspace_id, 2, 3
            """,  # noqa: S608 - the table name is the model's, not input
            [chunk_size or CHUNK_SIZE, due_horizon(today)],
        )
        rows = cursor.fetchall()
    chunks = []
    for workspace_id, engagements, first, last in rows:
        if engagements:
            chunk = Chunk(workspace_id, engagements=True)
            if chunk not in chunks:
                chunks.append(chunk)
        else:
            chunks.append(Chunk(workspace_id, first, last))
    return chunks


def recurring_enqueue(*, today: dt.date | None = None, chunk_size: int | None = None) -> int:
    """Plan the run and queue one `recurring_invoices_chunk` task per chunk, through the
    outbox in one transaction (a broker outage delays the run, loses none of it)."""
    from core.tasks import enqueue_on_commit
    from invoicing.schedule_tasks import recurring_invoices_chunk

    chunks = recurring_plan(today=today, chunk_size=chunk_size)
    with transaction.atomic():
        for chunk in chunks:
            enqueue_on_commit(
                recurring_invoices_chunk,
                **chunk.as_kwargs(),
                today=today.isoformat() if today else None,
            )
    return len(chunks)


def recurring_run_chunk(*, chunk: Chunk, today: dt.date | None = None) -> RunResult:
    """Make one chunk's invoices, inside its workspace's scope (on the workspace's own
    date unless `today` is given). A workspace deleted since the plan has nothing to do."""
    workspace = Workspace.objects.filter(pk=chunk.workspace_id).first()
    if workspace is None:
        return RunResult()
    day = today or workspace.today()
    with workspace_scope(workspace):
        if chunk.engagements:
            return recurring_generate_for_workspace(
                workspace=workspace, today=day, templates=False, engagements=True
            )
        assert chunk.first_pk is not None and chunk.last_pk is not None
        return recurring_generate_for_workspace(
            workspace=workspace,
            today=day,
            pks=(chunk.first_pk, chunk.last_pk),
            engagements=False,
        )
