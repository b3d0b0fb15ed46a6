"""Celery tasks on schedules: payment reminders and recurring invoices.

Both are beat tasks over every workspace: they select across tenants explicitly (one
query) and do each workspace's work inside its scope (invoicing.services.reminders and
.recurring_runs). Both are safe to run twice or concurrently: reminders insert their
ReminderSent rows (unique per invoice and rule) and queue one delivery task per row they
inserted (invoicing.delivery_tasks.reminder_email_deliver); recurring invoices are planned
as chunks, one task each, made under the schedules' row locks with a unique key per
period.

The task names are explicit: beat rows in deployed databases and CELERY_BEAT_SCHEDULE
name them, so they must not follow the functions if these move."""

import datetime as dt

from celery import shared_task

from invoicing.services import owed, recurring_fanout, reminders


@shared_task(name="invoicing.schedule_tasks.reminders_send", acks_late=True)
def reminders_send() -> int:
    """Reminder emails this run queued."""
    return reminders.reminders_send_due()


@shared_task(name="invoicing.schedule_tasks.recurring_invoices_generate", acks_late=True)
def recurring_invoices_generate() -> dict[str, int]:
    """The beat task: plan the due work and queue it as chunks (invoicing.services.
    recurring_fanout), so every worker takes a share; returns how many were queued."""
    return {"chunks": recurring_fanout.recurring_enqueue()}


@shared_task(name="invoicing.schedule_tasks.recurring_invoices_chunk", acks_late=True)
def recurring_invoices_chunk(
    *,
    workspace_id: int,
    first_pk: int | None = None,
    last_pk: int | None = None,
    engagements: bool = False,
    today: str | None = None,
) -> dict[str, int]:
    """One chunk of the recurring run: safe to run twice or beside another chunk."""
    chunk = recurring_fanout.Chunk(workspace_id, first_pk, last_pk, engagements)
    day = dt.date.fromisoformat(today) if today else None
    result = recurring_fanout.recurring_run_chunk(chunk=chunk, today=day)
    return {
        "invoices": len(result.invoices),
        "finalized": result.finalized,
        "skipped": result.skipped,
        "schedules": result.schedules,
    }


@shared_task(name="invoicing.schedule_tasks.owed_fold", acks_late=True)
def owed_fold() -> int:
    """Workspaces whose owed rows this run folded (safe twice or concurrently:
    invoicing.services.owed)."""
    return owed.owed_fold_all()


__all__ = [
    "owed_fold",
    "recurring_invoices_chunk",
    "recurring_invoices_generate",
    "reminders_send",
]
