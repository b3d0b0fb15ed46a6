"""The transactional outbox: a task to run is a row (`core.models.OutboxMessage`) written
in the same transaction as the change that calls for it, then relayed to the broker.

Why: publishing in `on_commit` lost the task whenever the broker was unreachable at that
moment (the change was saved, its email never left). Now a broker outage delays work and
loses none:

- `outbox_add` writes the row (called by `core.tasks.enqueue_on_commit`) and asks for a
  relay of just that row after commit: best effort, in-process, errors logged.
- `outbox_relay` publishes due rows in batches under `SELECT … FOR UPDATE SKIP LOCKED`
  (so relays running at once share the work), with `task_id = message.id`, and stamps
  them sent in the same transaction. A broker error is recorded on the row, which backs
  off (5 s, doubling, at most 10 minutes) and stops the batch; nothing is dropped.
- Beat runs `core.tasks.outbox_relay` every 30 seconds as the sweeper (and prunes sent
  rows older than `OUTBOX_KEEP_SENT_DAYS`); `manage.py outbox_relay` does it by hand.

Delivery is at least once: a relay that dies after publishing and before its commit
publishes again, so every task must be safe to run twice (row locks, state checks)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from core.models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
FIRST_BACKOFF = dt.timedelta(seconds=5)
MAX_BACKOFF = dt.timedelta(minutes=10)
# One immediate reconnect (a pooled connection may predate a broker restart), then give
# up: the row waits for the sweeper instead of holding a web request.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
# Credentials would sit in the table (and the broker) until pruned: tasks derive them
# from ids instead (invoice links and invitations are HMACs of an id and a version).
_SECRET_NAMES = ("token", "secret", "password")


def outbox_add(task_name: str, kwargs: Mapping[str, Any]) -> OutboxMessage:
    """Record `task_name(**kwargs)` in the current transaction; relay it once that commits.
    kwargs must be plain JSON (ids, strings, numbers) and name no credential."""
    secret = [name for name in kwargs if any(s in name.lower() for s in _SECRET_NAMES)]
    if secret:
        raise ValueError(
            f"{task_name}: {secret} look like credentials; pass ids and let the task derive "
            "them (outbox rows are kept in plain text for days)."
        )
    try:
        json.dumps(kwargs)
    except TypeError as exc:
        raise TypeError(f"{task_name}: task arguments must be plain JSON ({exc}).") from exc
    message = OutboxMessage.objects.create(task=task_name, kwargs=dict(kwargs))
    transaction.on_commit(partial(outbox_relay, ids=[message.pk]), robust=True)
    return message


@dataclass(frozen=True)
class RelayResult:
    published: int
    failed: int  # rows whose publish failed this run (they back off and stay pending)


def outbox_relay(
    *,
    ids: Collection[UUID] | None = None,
    retry_now: bool = False,
    batch_size: int = BATCH_SIZE,
) -> RelayResult:
    """Publish the due pending messages (only `ids`, if given), batch by batch, until none
    is left or the broker fails. `retry_now` also takes rows still backing off (an
    operator after an outage)."""
    published = failed = 0
    while True:
        with transaction.atomic():
            due = OutboxMessage.objects.filter(sent_at__isnull=True)
            if not retry_now:
                due = due.filter(available_at__lte=timezone.now())
            if ids is not None:
                due = due.filter(pk__in=list(ids))
            batch = list(
                due.order_by("available_at", "created_at").select_for_update(skip_locked=True)[
                    :batch_size
                ]
            )
            done: list[UUID] = []
            broken: tuple[OutboxMessage, Exception] | None = None
            for message in batch:
                try:
                    _publish(message)
                except Exception as exc:  # noqa: BLE001 - any publish failure: back off
                    broken = (message, exc)
                    break
                done.append(message.pk)
            now = timezone.now()
            OutboxMessage.objects.filter(pk__in=done).update(
                sent_at=now, attempts=F("attempts") + 1, last_error=""
            )
            if broken is not None:
                _record_failure(*broken, now)
        published += len(done)
        if broken is not None:
            failed += 1
            break  # the broker is likely down: the sweeper comes back after the backoff
        if len(batch) < batch_size:
            break
    return RelayResult(published=published, failed=failed)


def _publish(message: OutboxMessage) -> None:
    """Hand one message to the broker (by name: the relay need not import the task)."""
    from celery import current_app

    current_app.send_task(
        message.task,
        kwargs=message.kwargs,
        task_id=str(message.pk),
        retry=True,
        retry_policy=PUBLISH_RETRY,
    )


def _record_failure(message: OutboxMessage, exc: Exception, now: dt.datetime) -> None:
    attempts = message.attempts + 1
    delay = min(FIRST_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)
    error = f"{type(exc).__name__}: {exc}"[:1000]
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts, last_error=error, available_at=now + delay
    )
    logger.warning(
        "outbox: publishing %s (%s) failed, attempt %d; retrying in %ss: %s",
        message.task,
        message.pk,
        attempts,
        int(delay.total_seconds()),
        error,
    )


def outbox_prune(*, now: dt.datetime | None = None) -> int:
    """Delete sent messages older than OUTBOX_KEEP_SENT_DAYS. Pending ones are never
    pruned, however old."""
    keep = dt.timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS)
    deleted, _ = OutboxMessage.objects.filter(
        sent_at__isnull=False, sent_at__lt=(now or timezone.now()) - keep
    ).delete()
    return deleted


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    failing: int  # pending after at least one failed publish
    oldest_pending_seconds: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "failing": self.failing,
            "oldest_pending_seconds": self.oldest_pending_seconds,
        }


def outbox_stats() -> OutboxStats:
    """What an operator watches (the health endpoint, `manage.py outbox_relay`): one
    query over the pending rows' index."""
    row = OutboxMessage.objects.filter(sent_at__isnull=True).aggregate(
        pending=Count("pk"),
        failing=Count("pk", filter=Q(attempts__gt=0)),
        oldest=Min("created_at"),
    )
    oldest = row["oldest"]
    return OutboxStats(
        pending=row["pending"],
        failing=row["failing"],
        oldest_pending_seconds=(
            round((timezone.now() - oldest).total_seconds(), 1) if oldest else None
        ),
    )
