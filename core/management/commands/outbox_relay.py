"""`manage.py outbox_relay`: publish the outbox's pending messages now and show its state.
The beat sweeper does the same every 30 seconds; this is for operators (after a broker
outage: `--now` also takes the messages still backing off)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.models import OutboxMessage
from core.outbox import outbox_relay, outbox_stats


class Command(BaseCommand):
    help = "Publish pending outbox messages to the broker and print the outbox's state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            action="store_true",
            help="Also publish messages still backing off after a failed attempt.",
        )
        parser.add_argument(
            "--stats", action="store_true", help="Only print the state; publish nothing."
        )

    def handle(self, *args: Any, now: bool = False, stats: bool = False, **options: Any) -> None:
        if not stats:
            result = outbox_relay(retry_now=now)
            self.stdout.write(f"Published {result.published}, failed {result.failed}.")
        state = outbox_stats()
        oldest = state.oldest_pending_seconds
        self.stdout.write(
            f"Outbox: {state.pending} pending ({state.failing} after a failed attempt)"
            + (f", the oldest {oldest:.0f}s old." if oldest is not None else ".")
        )
        failing = (
            OutboxMessage.objects.filter(sent_at__isnull=True, attempts__gt=0)
            .order_by("created_at")
            .values_list("task", "attempts", "available_at", "last_error")[:10]
        )
        for task, attempts, available_at, error in failing:
            self.stdout.write(
                f"  {task}: {attempts} attempts, next at {available_at:%H:%M:%S}: {error}"
            )
        if state.failing:
            self.stderr.write("Some messages could not be published: is the broker reachable?")
