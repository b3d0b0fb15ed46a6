"""The Celery app. Tasks take ids, reload what they need and run inside the workspace's
scope (`workspace_task`); they are enqueued with `enqueue_on_commit` so a rolled-back
transaction never leaves a task behind."""

import functools
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

app = Celery("portfolio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def workspace_task(func):
    """Run a task body inside the scope of the workspace named by `workspace_id`."""

    @functools.wraps(func)
    def wrapper(*args, workspace_id: int, **kwargs):

        from accounts.models import Workspace
        from accounts.tenancy import workspace_scope

        workspace = Workspace.objects.filter(pk=workspace_id).first()
        if workspace is None:  # deleted since the task was queued: nothing to do
            return None
        with workspace_scope(workspace):
            return func(*args, workspace=workspace, **kwargs)

    return wrapper


def enqueue_on_commit(task, **kwargs) -> None:
    """Queue `task(**kwargs)` once the surrounding transaction commits (never for a
    rolled-back one). If the broker is unreachable at that moment the write is already
    saved: the failure is logged (robust=True) instead of turning a saved change into a
    500, and what the task would do stays visible as not done (no "delivered" event on the
    invoice, a pending invitation), so it can be sent again."""
    from django.db import transaction

    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs), robust=True)
