"""Celery tasks on schedules: payment reminders and recurring invoices.

Both are beat tasks over every workspace: they select across tenants explicitly (one
query) and do each workspace's work inside its scope (invoicing.services.reminders and
.recurring_runs). Both are safe to run twice or concurrently: reminders insert their
ReminderSent rows (unique per invoice and rule) and queue one delivery task per row they
inserted (invoicing.delivery_tasks.reminder_email_deliver); recurring invoices are made
under the schedule's row lock with a unique key per period.

The task names are explicit: beat rows in deployed databases and CELERY_BEAT_SCHEDULE
name them, so they must not follow the functions if these move."""

from celery import shared_task

from invoicing.services import recurring_runs, reminders


@shared_task(name="invoicing.schedule_tasks.reminders_send", acks_late=True)
def reminders_send() -> int:
    """Reminder emails this run queued."""
    return reminders.reminders_send_due()


@shared_task(name="invoicing.schedule_tasks.recurring_invoices_generate", acks_late=True)
def recurring_invoices_generate() -> dict[str, int]:
    result = recurring_runs.recurring_generate()
    return {
        "invoices": len(result.invoices),
        "finalized": result.finalized,
        "skipped": result.skipped,
        "schedules": result.schedules,
    }


__all__ = ["recurring_invoices_generate", "reminders_send"]
