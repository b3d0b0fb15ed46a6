"""The kernel's one table: the transactional outbox (`core.outbox`)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the same transaction as the change that
    calls for it, so it exists exactly when that change committed. The relay publishes it
    with `task_id = id` and stamps `sent_at`; a broker error leaves it pending with the
    error and a later `available_at` (backoff). Not tenant-owned: it is plumbing that
    carries ids, and the task reloads its tenant (`core.tasks.tenant_task`).

    `kwargs` are kept in plain text until the row is pruned: ids only, never a secret
    (`core.tasks.enqueue_on_commit` refuses credential-like names)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.CharField(max_length=200)  # the registered Celery task name
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    # Not published before this moment: now on creation, later after a failed attempt.
    available_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The relay's query: pending rows that are due, oldest first.
            models.Index(
                fields=["available_at"],
                condition=models.Q(sent_at__isnull=True),
                name="outbox_pending_idx",
            ),
            # The sweeper's prune of old sent rows.
            models.Index(
                fields=["sent_at"],
                condition=models.Q(sent_at__isnull=False),
                name="outbox_sent_idx",
            ),
        ]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else f"pending ({self.attempts} attempts)"
        return f"{self.task} {self.pk} {state}"
