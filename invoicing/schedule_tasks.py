"""Celery tasks on schedules: payment reminders and recurring invoices."""
