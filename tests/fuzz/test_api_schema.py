"""The API against its own OpenAPI schema, fuzzed by schemathesis (`make test` runs it).

Every operation of the schema, with the demo workspace seeded (`seed_demo`) and a Bearer
token of its owner, through the real WSGI application and the real database (each
example in a savepoint, rolled back). Inputs the schema calls valid must be accepted,
inputs it calls invalid refused with a 4xx, nothing may answer 5xx, and every response
must match the schema: status code, content type, headers and body.

Seed and example count: `schemathesis.toml`. A failure prints the request that made it;
the same seed replays it."""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from tests.fuzz.conftest import SENT

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db, pytest.mark.ledger_unchecked]


@dataclass
class Seeded:
    token: str
    ids: dict[str, int]  # the path segment before {id} → a real object of the demo workspace


def _first(queryset) -> int:
    pk = queryset.order_by("pk").values_list("pk", flat=True).first()
    assert pk is not None, f"seed_demo made no {queryset.model.__name__}"
    return pk


def _demo_ids(workspace, user, token_id: int) -> dict[str, int]:
    from accounts.models import Invitation, Membership
    from engagements import models as e
    from invoicing import models as i
    from payments.models import CardPayment

    ws = {"workspace": workspace}
    return {
        "tokens": token_id,
        "members": _first(Membership.objects.filter(**ws, user=user)),
        "invitations": _first(Invitation.objects.filter(**ws)),
        "blocked-time": _first(e.BlockedTime.objects.filter(**ws)),
        "clients": _first(e.Client.objects.filter(**ws)),
        "contacts": _first(e.Contact.objects.filter(**ws)),
        "engagements": _first(e.Engagement.objects.filter(**ws)),
        "expenses": _first(e.Expense.objects.filter(**ws)),
        "milestones": _first(e.Milestone.objects.filter(**ws)),
        "outcomes": _first(e.Outcome.objects.filter(**ws)),
        "proposals": _first(e.Proposal.objects.filter(**ws)),
        "revenue-reports": _first(e.RevenueReport.objects.filter(**ws)),
        "time-entries": _first(e.TimeEntry.objects.filter(**ws)),
        "invoices": _first(i.Invoice.objects.filter(**ws)),
        "invoice-lines": _first(i.InvoiceLine.objects.filter(**ws)),
        "payments": _first(i.Receipt.objects.filter(**ws)),
        "recurring-schedules": _first(i.RecurringSchedule.objects.filter(**ws)),
        "reminder-rules": _first(i.ReminderRule.objects.filter(**ws)),
        "tax-rates": _first(i.TaxRate.objects.filter(**ws)),
        "card-payments": _first(CardPayment.objects.filter(**ws)),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo workspace and a Bearer token of its owner, seeded once for the module in
    a transaction rolled back at its end (each example runs in a savepoint inside it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _seed()
        transaction.set_rollback(True)


def _seed() -> Seeded:
    from accounts import services
    from accounts.models import ApiToken, User, Workspace
    from accounts.tenancy import workspace_scope
    from demo.management.commands.seed_demo import DEMO_EMAIL, DEMO_SLUG

    call_command("seed_demo", stdout=io.StringIO())
    user = User.objects.get(email=DEMO_EMAIL)
    workspace = Workspace.objects.get(slug=DEMO_SLUG)
    _, key = services.api_token_create(user=user, name="fuzzer")
    token_id = _first(ApiToken.objects.filter(user=user))
    with workspace_scope(workspace):
        _extra_rows(workspace, user)
        ids = _demo_ids(workspace, user, token_id)
    return Seeded(token=key, ids=ids)


def _extra_rows(workspace, user) -> None:
    """What seed_demo does not make but an operation needs an instance of."""
    import datetime as dt
    from decimal import Decimal

    from accounts import services as accounts
    from accounts.models import Role
    from engagements.models import Client
    from engagements.services.clients import contact_save
    from invoicing.models import Invoice
    from invoicing.services.recurring import recurring_schedule_save
    from payments.models import CardPayment

    client = Client.objects.filter(workspace=workspace).order_by("pk").first()
    accounts.invitation_create(
        workspace=workspace, actor=user, email="new@example.com", role=Role.MEMBER
    )
    contact_save(client=client, actor=user, name="Sam Lee", email="sam@example.com")
    # A card payment as the row only: the fuzzer runs without devstripe, so a refund of it
    # must be refused (it never succeeded) before anything reaches Stripe.
    invoice = Invoice.objects.filter(workspace=workspace).exclude(status="draft").first()
    CardPayment.objects.create(
        workspace=workspace,
        invoice=invoice,
        client=invoice.client,
        amount=Decimal(10),
        currency=invoice.currency,
        destination="acct_none",
    )
    recurring_schedule_save(
        workspace=workspace,
        actor=user,
        name="Monthly support",
        client=client,
        start_date=dt.date(2026, 1, 1),
        lines=[{"description": "Support", "quantity": "1", "unit_price": "500"}],
    )


def _their_host():
    """schemathesis's WSGI client sends `Host: localhost`, which DEBUG alone would allow."""
    return override_settings(ALLOWED_HOSTS=["localhost"])


def _load_schema():
    from portfolio.wsgi import application

    # Served like any client reads it; the schema view touches no table.
    with _their_host():
        return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = _load_schema()


# Body fields that name another object of the workspace: in positive mode they get a real
# one, so a valid request is about the rules of the operation, not a made-up id.
REFERENCES = {
    "client": "clients",
    "engagement": "engagements",
    "invoice": "invoices",
    "tax_rate": "tax-rates",
}


@schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_keeps_its_schema(case, seeded):
    if case.meta.generation.mode == GenerationMode.POSITIVE:
        if "id" in case.path_parameters:
            resource = case.path.split("/{id}/")[0].rsplit("/", 1)[-1]
            case.path_parameters["id"] = seeded.ids[resource]
        if isinstance(case.body, dict):
            for field, resource in REFERENCES.items():
                if isinstance(case.body.get(field), int):
                    case.body[field] = seeded.ids[resource]
    SENT["started"] = SENT["started"] or time.monotonic()
    SENT["requests"] += 1
    SENT["last"] = time.monotonic()
    with _their_host(), _one_connection(), transaction.atomic():
        try:
            case.call_and_validate(headers={"Authorization": f"Bearer {seeded.token}"})
        finally:
            transaction.set_rollback(True)  # every example starts from the seeded state


@contextlib.contextmanager
def _one_connection():
    """Requests share the test's connection and its transaction, as under Django's own
    test client: the handler's signals would otherwise close a connection that is inside
    an atomic block (Django's `ClientHandler` disconnects the same receiver)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
