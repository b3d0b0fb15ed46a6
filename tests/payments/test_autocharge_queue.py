"""The recurring run queues one auto-charge per open invoice of a client with a saved
card, through the outbox, in its own transaction: on the set-based path (templates) and
on the per-invoice one (schedules billing an engagement, such as a retainer)."""

import datetime as dt

import pytest

from accounts.tenancy import workspace_scope
from core.models import OutboxMessage
from invoicing.models import Invoice
from invoicing.services import recurring, recurring_runs
from payments.models import SavedCard, StripeAccount
from tests.factories import ClientFactory, RetainerEngagementFactory

pytestmark = pytest.mark.django_db
TASK = "payments.tasks.invoice_autocharge"
DAY = dt.date(2026, 11, 24)
LINES = [{"description": "Monthly support", "quantity": "1", "unit_price": "500"}]


def _queued():
    return sorted(
        (m.kwargs["invoice_id"], m.kwargs["attempt"])
        for m in OutboxMessage.objects.filter(task=TASK)
    )


def _card(p, client):
    SavedCard.objects.create(
        workspace=p.a, client=client, payment_method_id=f"pm_{client.pk}", last4="4242"
    )


def test_the_recurring_run_queues_an_auto_charge_for_clients_with_a_card(personas):
    p = personas
    with workspace_scope(p.a):
        StripeAccount.objects.create(workspace=p.a, account_id="acct_x", charges_enabled=True)
        with_card, without = (ClientFactory(workspace=p.a, currency="EUR") for _ in range(2))
        _card(p, with_card)
        for client in (with_card, without):
            recurring.recurring_schedule_save(
                workspace=p.a,
                actor=p.alice,
                name="Support",
                client=client,
                start_date=dt.date(2026, 11, 1),
                lines=LINES,
            )
        recurring_runs.recurring_generate_for_workspace(workspace=p.a, today=DAY)
        charged = Invoice.objects.get(client=with_card)
        assert charged.status == Invoice.Status.OPEN
        assert _queued() == [(charged.pk, 1)]


def test_a_retainer_schedule_is_charged_too(personas):
    p = personas
    with workspace_scope(p.a):
        StripeAccount.objects.create(workspace=p.a, account_id="acct_y", charges_enabled=True)
        engagement = RetainerEngagementFactory(
            client__workspace=p.a, client__currency="USD", start_date=dt.date(2026, 11, 1)
        )
        _card(p, engagement.client)
        schedule = recurring.recurring_schedule_save(
            workspace=p.a,
            actor=p.alice,
            name="Retainer",
            client=engagement.client,
            engagement=engagement,
            start_date=dt.date(2026, 11, 1),
            lines=[],
        )
        recurring_runs.recurring_schedule_run(schedule=schedule, today=DAY)
        invoice = Invoice.objects.get(schedule=schedule)
        assert _queued() == [(invoice.pk, 1)]


def test_nothing_is_queued_when_the_workspace_takes_no_cards(personas):
    p = personas
    with workspace_scope(p.a):
        client = ClientFactory(workspace=p.a, currency="EUR")
        _card(p, client)
        recurring.recurring_schedule_save(
            workspace=p.a,
            actor=p.alice,
            name="Support",
            client=client,
            start_date=dt.date(2026, 11, 1),
            lines=LINES,
        )
        recurring_runs.recurring_generate_for_workspace(workspace=p.a, today=DAY)
        assert Invoice.objects.filter(client=client).exists()
        assert _queued() == []
