"""Celery tasks of invoicing (autodiscovered through this module): delivery (PDF, email)
and schedules (reminders, recurring invoices)."""

from invoicing.delivery_tasks import *  # noqa: F403
from invoicing.schedule_tasks import *  # noqa: F403
