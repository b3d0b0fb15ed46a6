"""Celery tasks that deliver invoices: PDF rendering and email."""
