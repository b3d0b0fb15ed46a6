"""The transactional outbox: a task exists exactly when the change that queued it committed;
the relay publishes each message once per success, backs off on a broker error and loses
nothing; relays running at once share the work without publishing a message twice.

The broker is replaced at the publish here (`_publish`); tests/test_outbox_broker.py stops
and starts a real one."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from celery import shared_task
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

import core.outbox
from core.models import OutboxMessage
from core.outbox import (
    FIRST_BACKOFF,
    MAX_BACKOFF,
    outbox_prune,
    outbox_relay,
    outbox_stats,
)
from core.tasks import enqueue_on_commit


@shared_task(name="tests.core.test_outbox.note")
def note(*, n: int) -> int:
    return n


class Broker:
    """Stands in for the broker at the publish: records what reached it; `down` makes it
    refuse connections, as Redis does when it is stopped."""

    def __init__(self):
        self.received: list[tuple[str, str, dict]] = []
        self.down = False
        self.fail_on: set[int] = set()  # the n-th publish (1-based) fails
        self._lock = threading.Lock()

    def publish(self, message):
        with self._lock:
            if self.down or len(self.received) + 1 in self.fail_on:
                self.fail_on.discard(len(self.received) + 1)
                raise OperationalError(
                    "Error 111 connecting to 127.0.0.1:6379. Connection refused."
                )
            self.received.append((message.task, str(message.pk), message.kwargs))


@pytest.fixture
def broker(monkeypatch):
    fake = Broker()
    monkeypatch.setattr(core.outbox, "_publish", fake.publish)
    return fake


def test_a_committed_change_is_relayed_after_commit(db, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit(note, n=1)
        (message,) = OutboxMessage.objects.all()  # written in the transaction…
        assert broker.received == []  # …published only after it commits
    assert broker.received == [("tests.core.test_outbox.note", str(message.pk), {"n": 1})]
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1 and message.last_error == ""


def test_a_rolled_back_change_leaves_no_message(db, broker, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_on_commit(note, n=1)
        raise RuntimeError("the write fails")
    assert callbacks == [] and broker.received == []
    assert not OutboxMessage.objects.exists()


def test_a_broker_outage_at_commit_delays_the_task_and_loses_nothing(
    db, broker, django_capture_on_commit_callbacks, caplog
):
    broker.down = True
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(note, n=7)  # no exception reaches the caller: its change is saved
    (message,) = OutboxMessage.objects.all()
    assert message.sent_at is None and message.attempts == 1
    assert "Connection refused" in message.last_error
    assert before + FIRST_BACKOFF <= message.available_at <= timezone.now() + FIRST_BACKOFF
    assert "retrying in 5s" in caplog.text
    assert outbox_stats().as_dict() | {"oldest_pending_seconds": 0} == {
        "pending": 1,
        "failing": 1,
        "oldest_pending_seconds": 0,
    }

    broker.down = False
    assert outbox_relay() == core.outbox.RelayResult(published=0, failed=0)  # backing off
    assert outbox_relay(retry_now=True).published == 1
    assert outbox_relay(retry_now=True).published == 0  # sent once, never again
    assert broker.received == [("tests.core.test_outbox.note", str(message.pk), {"n": 7})]
    assert outbox_stats().pending == 0


def test_the_backoff_doubles_up_to_ten_minutes(db, broker):
    broker.down = True
    message = OutboxMessage.objects.create(task=note.name, kwargs={"n": 1})
    delays = []
    for _ in range(10):
        started = timezone.now()
        assert outbox_relay(retry_now=True).failed == 1
        message.refresh_from_db()
        delays.append(round((message.available_at - started).total_seconds()))
    assert delays == [5, 10, 20, 40, 80, 160, 320, 600, 600, 600]
    assert message.attempts == 10 and dt.timedelta(seconds=600) == MAX_BACKOFF


def test_a_failure_stops_the_batch_and_the_rest_stays_due(db, broker):
    messages = [OutboxMessage.objects.create(task=note.name, kwargs={"n": n}) for n in range(3)]
    broker.fail_on = {2}
    assert outbox_relay() == core.outbox.RelayResult(published=1, failed=1)
    first, second, third = (OutboxMessage.objects.get(pk=m.pk) for m in messages)
    assert first.sent_at and not second.sent_at and not third.sent_at
    assert (second.attempts, third.attempts) == (1, 0)
    assert third.available_at <= timezone.now()  # not penalised for its neighbour
    assert outbox_relay().published == 1  # the third; the second waits out its backoff
    assert outbox_relay(retry_now=True).published == 1
    assert sorted(kw["n"] for _, _, kw in broker.received) == [0, 1, 2]


def test_batches_until_the_outbox_is_empty(db, broker):
    for n in range(7):
        OutboxMessage.objects.create(task=note.name, kwargs={"n": n})
    assert outbox_relay(batch_size=3).published == 7
    assert [kw["n"] for _, _, kw in broker.received] == list(range(7))  # oldest first


@pytest.mark.django_db(transaction=True)
def test_relays_running_at_once_publish_every_message_exactly_once(broker):
    ids = {str(OutboxMessage.objects.create(task=note.name, kwargs={"n": n}).pk) for n in range(60)}
    barrier = threading.Barrier(4)
    errors = []

    def relay():
        try:
            barrier.wait()
            outbox_relay(batch_size=5)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=relay) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    published = [task_id for _, task_id, _ in broker.received]
    assert sorted(published) == sorted(ids)  # each once: SKIP LOCKED split the work
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_message_locked_by_another_relay_is_skipped_not_waited_for(broker):
    locked = OutboxMessage.objects.create(task=note.name, kwargs={"n": 1})
    free = OutboxMessage.objects.create(task=note.name, kwargs={"n": 2})
    holding, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            OutboxMessage.objects.select_for_update().get(pk=locked.pk)
            holding.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(10)
    try:
        assert outbox_relay().published == 1
        assert [task_id for _, task_id, _ in broker.received] == [str(free.pk)]
    finally:
        release.set()
        thread.join()
    assert outbox_relay().published == 1


@pytest.mark.parametrize(
    "kwargs", [{"token": "abc"}, {"invite_token": "abc"}, {"secret": 1}, {"password": "x"}]
)
def test_credentials_never_enter_the_outbox(db, kwargs):
    with pytest.raises(ValueError, match="credentials"):
        enqueue_on_commit(note, **kwargs)
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("value", [D("1.5"), dt.date(2026, 1, 1), object()])
def test_arguments_must_be_plain_json(db, value):
    with pytest.raises(TypeError, match="plain JSON"):
        enqueue_on_commit(note, n=value)


def test_old_sent_messages_are_pruned_and_pending_ones_never(db, settings):
    settings.OUTBOX_KEEP_SENT_DAYS = 7
    now = timezone.now()
    old_sent = OutboxMessage.objects.create(task=note.name, sent_at=now - dt.timedelta(days=8))
    recent = OutboxMessage.objects.create(task=note.name, sent_at=now - dt.timedelta(days=6))
    old_pending = OutboxMessage.objects.create(
        task=note.name, created_at=now - dt.timedelta(days=30)
    )
    assert outbox_prune() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, old_pending.pk}
    assert not OutboxMessage.objects.filter(pk=old_sent.pk).exists()


def test_the_sweeper_task_relays_and_prunes(db, broker, settings):
    from core.tasks import outbox_relay as sweeper

    settings.OUTBOX_KEEP_SENT_DAYS = 1
    OutboxMessage.objects.create(task=note.name, kwargs={"n": 1})
    OutboxMessage.objects.create(task=note.name, sent_at=timezone.now() - dt.timedelta(days=2))
    assert sweeper() == {"published": 1, "failed": 0, "pruned": 1}
    assert "core-outbox-relay" in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["core-outbox-relay"]["task"] == sweeper.name


def test_the_operators_command_relays_and_reports(db, broker):
    import io

    OutboxMessage.objects.create(task=note.name, kwargs={"n": 1})
    broker.down = True
    out, err = io.StringIO(), io.StringIO()
    call_command("outbox_relay", stdout=out, stderr=err)
    assert "Published 0, failed 1." in out.getvalue()
    assert "Outbox: 1 pending (1 after a failed attempt)" in out.getvalue()
    assert "tests.core.test_outbox.note: 1 attempts" in out.getvalue()
    assert "is the broker reachable?" in err.getvalue()

    broker.down = False
    out = io.StringIO()
    call_command("outbox_relay", stdout=out)  # still backing off: not yet
    assert "Published 0, failed 0." in out.getvalue()
    out = io.StringIO()
    call_command("outbox_relay", "--now", stdout=out)
    assert "Published 1, failed 0." in out.getvalue() and "Outbox: 0 pending" in out.getvalue()
    out = io.StringIO()
    call_command("outbox_relay", "--stats", stdout=out)
    assert out.getvalue().startswith("Outbox: 0 pending")
