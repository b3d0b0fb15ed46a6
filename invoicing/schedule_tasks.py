"""Celery tasks on schedules: payment reminders and recurring invoices.

Both are beat tasks over every workspace: they select across tenants explicitly (one
query) and do each workspace's work inside its scope (invoicing.schedules). Both are safe
to run twice or concurrently: reminders insert their ReminderSent row before sending,
recurring invoices are made under the schedule's row lock with a unique key per period."""

from celery import shared_task

from invoicing import schedules


@shared_task(acks_late=True)
def reminders_send() -> int:
    """Emails this run queued."""
    return schedules.reminders_send_due()


@shared_task(acks_late=True)
def recurring_invoices_generate() -> dict:
    result = schedules.recurring_generate()
    return {
        "invoices": len(result.invoices),
        "finalized": result.finalized,
        "skipped": result.skipped,
        "schedules": result.schedules,
    }


__all__ = ["recurring_invoices_generate", "reminders_send"]
