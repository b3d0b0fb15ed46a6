"""The Celery app. Shared task plumbing (the tenant-task wrapper, enqueue on commit) is
the kernel's: `core.tasks`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

app = Celery("portfolio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
