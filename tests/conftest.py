"""Personas, as in healthchecks' tests: alice owns workspace A, bob is a member of it,
andy is its read-only accountant, and charlie owns workspace B — he is the outsider who
must get a 404 for everything of A's."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Role, User, Workspace
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

# The fixtures through which a test reaches the database (pytest-django's, and its marker).
_DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


@pytest.fixture
def ledger_checks_in_force():
    """Which checks `ledger_check` runs: all registered ones. tests/ledger overrides it to
    test the ledger alone (its postings are not any app's documents)."""
    yield


@pytest.fixture(autouse=True)
def ledger_check(request, ledger_checks_in_force):
    """After every test that used the database, the ledger must be consistent: all of
    `ledger.checks.run_checks()` (balanced transactions, and what other apps registered,
    such as invoices against their receivables). Cheap when the test wrote no ledger row
    (one EXISTS query). A test that plants an inconsistency on purpose opts out with
    `@pytest.mark.ledger_unchecked`."""
    uses_database = request.node.get_closest_marker("django_db") or (
        _DATABASE_FIXTURES & set(request.fixturenames)
    )
    if not uses_database or request.node.get_closest_marker("ledger_unchecked"):
        yield
        return
    # Requested from here, the database is set up before this fixture and torn down after
    # it: the checks below see the test's rows before the rollback (or, for a
    # transactional test, the flush) erases them.
    request.getfixturevalue("db")
    yield
    from tests.ledger_guard import ledger_problems

    problems = ledger_problems()
    if problems:
        pytest.fail(
            "the ledger is inconsistent after this test:\n"
            + "\n".join(f"  {problem}" for problem in problems),
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache(settings, request):
    """Each test gets its own cache key prefix on the real Redis, so rate-limit counters
    and cached values never leak between tests, runs, or parallel runs."""
    import uuid

    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test:{uuid.uuid4().hex}"}
    }


@dataclass
class Personas:
    a: Workspace
    b: Workspace
    alice: User
    bob: User
    andy: User
    charlie: User


@pytest.fixture
def personas(db) -> Personas:
    a = WorkspaceFactory(name="Alice Studio", slug="alice-studio")
    b = WorkspaceFactory(name="Charlie Works", slug="charlie-works")
    alice, bob, andy, charlie = (
        UserFactory(email=f"{n}@example.com") for n in ("alice", "bob", "andy", "charlie")
    )
    MembershipFactory(workspace=a, user=alice, role=Role.OWNER)
    MembershipFactory(workspace=a, user=bob, role=Role.MEMBER)
    MembershipFactory(workspace=a, user=andy, role=Role.ACCOUNTANT)
    MembershipFactory(workspace=b, user=charlie, role=Role.OWNER)
    return Personas(a=a, b=b, alice=alice, bob=bob, andy=andy, charlie=charlie)


@pytest.fixture
def api():
    return APIClient()


def token_for(user: User) -> str:
    _, key = services.api_token_create(user=user, name="test")
    return key


@pytest.fixture
def api_as():
    """api_as(user) → an APIClient authenticated with a fresh Bearer token of that user."""

    def make(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
        return client

    return make


class _Worker:
    def wait_for(self, predicate, timeout: float = 10.0) -> None:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError("the Celery worker did not get there in time")


@pytest.fixture
def worker(transactional_db):
    """A real Celery worker (in a thread of this process) on the real Redis broker, on a
    queue of its own so no other worker on the same Redis takes its tasks."""
    import uuid

    from celery.contrib.testing.worker import start_worker

    from portfolio.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with start_worker(
            app, pool="solo", queues=[queue], perform_ping_check=False, shutdown_timeout=10
        ):
            yield _Worker()
    finally:
        app.conf.task_default_queue = previous


@pytest.fixture
def inline_tasks(monkeypatch):
    """The outbox relay runs each task here, in this process, instead of handing it to the
    broker: everything up to the publish is the real path (the outbox row written in the
    transaction, relayed after commit and stamped sent). A task that fails fails the
    test. The real broker and worker are exercised by tests/test_outbox_broker.py."""
    from celery import current_app

    import core.outbox

    failures = []

    def run_here(message):
        result = current_app.tasks[message.task].apply(
            kwargs=message.kwargs, task_id=str(message.pk)
        )
        if result.failed():
            failures.append(result.traceback)

    monkeypatch.setattr(core.outbox, "_publish", run_here)
    yield
    assert not failures, "\n".join(failures)


class RateClock:
    """The public-page rate limiter's clock, held still until a test moves it."""

    def __init__(self, start):
        self.at = start

    def now(self):
        return self.at

    def advance(self, seconds: float):
        import datetime

        self.at += datetime.timedelta(seconds=seconds)


@pytest.fixture
def one_rate_window(monkeypatch):
    """Hold the public-page rate limiter's clock still (`.advance(s)` moves it), so a test
    that makes `limit` requests cannot see earlier ones leave the window on a slow
    machine. Starts one second before a minute boundary, where calendar-aligned buckets
    would reset."""
    from django.utils import timezone

    import core.ratelimit

    clock = RateClock(timezone.now().replace(second=59, microsecond=0))
    monkeypatch.setattr(core.ratelimit, "timezone", clock)
    return clock
