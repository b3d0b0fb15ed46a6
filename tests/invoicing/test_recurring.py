"""Recurring invoices: schedules validated when saved, exactly one invoice per schedule and
period (also when two workers run at the same time), gapless numbers for invoices made
in bulk, retainers' fee and overage, and the task through a real worker."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from engagements.models import TimeEntry
from invoicing import services
from invoicing.models import Invoice, InvoiceEvent, RecurringSchedule, TaxRate
from invoicing.services import recurring, recurring_runs
from tests.factories import ClientFactory, RetainerEngagementFactory
from tests.invoicing.schedule_helpers import RUN_DAY, S

# --- Recurring: saving ---------------------------------------------------------------------
LINES = [{"description": "Monthly support", "quantity": "1", "unit_price": "500"}]


def schedule(p, client=None, **fields):
    client = client or ClientFactory(workspace=p.a, currency="EUR")
    return recurring.recurring_schedule_save(
        workspace=p.a,
        actor=p.alice,
        name=fields.pop("name", "Support"),
        client=client,
        start_date=fields.pop("start_date", dt.date(2026, 9, 1)),
        lines=fields.pop("lines", LINES),
        **fields,
    )


def test_schedule_validation(scoped):
    client = ClientFactory(workspace=scoped.a)
    other = RetainerEngagementFactory(client__workspace=scoped.a)
    with pytest.raises(ValidationError) as exc:
        schedule(scoped, client, engagement=other)
    assert "engagement" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        schedule(scoped, client, lines=[])
    assert "lines" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        schedule(scoped, client, end_date=dt.date(2026, 1, 1))
    assert "end_date" in exc.value.message_dict
    if not recurring.auto_send_available():
        with pytest.raises(ValidationError) as exc:
            schedule(scoped, client, auto_send=True)
        assert "auto_send" in exc.value.message_dict
    with scopes_disabled():
        theirs = TaxRate.objects.create(workspace=scoped.b, name="X", percent=D("5"))
    with pytest.raises(ValidationError):
        schedule(scoped, client, lines=[{**LINES[0], "tax_rate_id": theirs.pk}])
    with pytest.raises(ValidationError):
        schedule(scoped, ClientFactory(workspace=scoped.b))


def test_schedule_periods_keep_the_day_of_month(scoped):
    s = schedule(scoped, start_date=dt.date(2026, 1, 31))
    assert recurring.schedule_periods(s, dt.date(2026, 4, 30)) == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]
    weekly = schedule(scoped, start_date=dt.date(2026, 11, 2), interval="weekly", every=2)
    assert recurring.schedule_periods(weekly, dt.date(2026, 11, 30)) == [
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 30),
    ]


# --- Recurring: generating -----------------------------------------------------------------
def test_recurring_catches_up_missed_periods_once_with_gapless_numbers(scoped):
    vat = TaxRate.objects.create(workspace=scoped.a, name="VAT", percent=D("20"))
    first = schedule(scoped, lines=[{**LINES[0], "tax_rate_id": vat.pk}])  # from 1 Sep
    second = schedule(scoped, start_date=dt.date(2026, 10, 15), days_until_due=14)
    draft_only = schedule(scoped, start_date=dt.date(2026, 11, 1), auto_finalize=False)
    result = recurring_runs.recurring_generate(today=RUN_DAY)
    assert len(result.invoices) == 3 + 2 + 1 and result.finalized == 5
    again = recurring_runs.recurring_generate(today=RUN_DAY)
    assert again.invoices == []
    made = list(Invoice.objects.order_by("number", "pk"))
    assert len(made) == 6
    periods = [(i.schedule_id, i.schedule_period) for i in made]
    assert len(set(periods)) == 6
    final = [i for i in made if i.number]
    # Numbered in period order, one block: INV-0001 … INV-0005, no gap.
    assert [i.number for i in final] == [f"INV-{n:04d}" for n in range(1, 6)]
    assert [i.schedule_period for i in final] == sorted(i.schedule_period for i in final)
    one = next(i for i in made if i.schedule_id == first.pk)
    assert (one.subtotal, one.tax_total, one.total, one.status) == (
        D("500.00"),
        D("100.00"),
        D("600.00"),
        S.OPEN,
    )
    assert one.issue_date == RUN_DAY and one.due_date == RUN_DAY + dt.timedelta(days=30)
    assert one.snapshot["to"]["name"] == one.client.name
    assert one.lines.get().tax_amount == D("100.00")
    assert next(i for i in made if i.schedule_id == second.pk).due_date == dt.date(2026, 12, 8)
    assert next(i for i in made if i.schedule_id == draft_only.pk).status == S.DRAFT
    first.refresh_from_db()
    assert first.next_run == dt.date(2026, 12, 1)
    # A finalisation by hand afterwards continues the same series.
    draft = next(i for i in made if i.status == S.DRAFT)
    assert services.invoice_finalize(invoice=draft, actor=scoped.alice).number == "INV-0006"


def test_recurring_single_path_matches_the_bulk_path(scoped):
    """The per-schedule service path (engagement schedules, fallback, benchmark
    baseline) makes the same invoices as the bulk path."""
    vat = TaxRate.objects.create(workspace=scoped.a, name="VAT", percent=D("20"))
    lines = [
        {**LINES[0], "tax_rate_id": vat.pk},
        {"description": "Hosting", "quantity": "3", "unit_price": "9.99", "discount_percent": "10"},
    ]
    bulk, single = schedule(scoped, lines=lines), schedule(scoped, lines=lines)
    recurring_runs.recurring_schedule_run(schedule=single, today=RUN_DAY)
    recurring_runs.recurring_generate(today=RUN_DAY)

    def shape(s):
        return [
            (i.schedule_period, i.subtotal, i.tax_total, i.total, i.status, i.due_date)
            for i in Invoice.objects.filter(schedule=s).order_by("schedule_period")
        ]

    assert shape(bulk) == shape(single) and len(shape(bulk)) == 3


def test_recurring_auto_send_sends_through_delivery(scoped, django_capture_on_commit_callbacks):
    customer = ClientFactory(workspace=scoped.a, currency="EUR", email="ap@acme.example")
    s = schedule(scoped, customer, start_date=dt.date(2026, 11, 1), auto_send=True)
    silent = schedule(
        scoped, ClientFactory(workspace=scoped.a, email=""), start_date=dt.date(2026, 11, 1)
    )
    silent.auto_send = True  # saved before the client lost its address, say
    silent.save()
    recurring_runs.recurring_generate(today=RUN_DAY)
    sent = Invoice.objects.get(schedule=s)
    assert sent.sent_at is not None
    assert InvoiceEvent.objects.filter(invoice=sent, kind="sent").exists()
    unsent = Invoice.objects.get(schedule=silent)
    assert unsent.status == S.OPEN and unsent.sent_at is None
    assert InvoiceEvent.objects.filter(invoice=unsent, kind="auto_send_failed").exists()


def test_recurring_ends_and_pauses(scoped):
    ended = schedule(scoped, end_date=dt.date(2026, 10, 15))
    paused = schedule(scoped)
    recurring.recurring_schedule_pause(schedule=paused, actor=scoped.alice, active=False)
    recurring_runs.recurring_generate(today=RUN_DAY)
    assert Invoice.objects.filter(schedule=ended).count() == 2
    assert Invoice.objects.filter(schedule=paused).count() == 0
    ended.refresh_from_db()
    assert not ended.active
    # Resuming bills from the next period on, not the months it was paused.
    recurring.recurring_schedule_pause(
        schedule=paused, actor=scoped.alice, active=True, today=RUN_DAY
    )
    paused.refresh_from_db()
    assert paused.next_run == dt.date(2026, 12, 1)


def test_editing_a_schedule_never_remakes_a_period(scoped):
    s = schedule(scoped)
    recurring_runs.recurring_generate(today=RUN_DAY)
    s = recurring.recurring_schedule_save(
        workspace=scoped.a,
        actor=scoped.alice,
        schedule=s,
        name="Support v2",
        client=s.client,
        start_date=s.start_date,
        lines=[{**LINES[0], "unit_price": "550"}],
    )
    assert s.next_run == dt.date(2026, 12, 1)
    assert recurring_runs.recurring_generate(today=RUN_DAY).invoices == []


def test_engagement_schedule_bills_a_retainers_fee_and_overage(scoped):
    retainer = RetainerEngagementFactory(
        client__workspace=scoped.a, start_date=dt.date(2026, 10, 1)
    )
    with scopes_disabled():
        TimeEntry.objects.create(
            workspace=scoped.a,
            engagement=retainer,
            date=dt.date(2026, 10, 12),
            minutes=22 * 60,
            description="Support",
        )
    s = recurring.recurring_schedule_save(
        workspace=scoped.a,
        actor=scoped.alice,
        name="Retainer",
        client=retainer.client,
        engagement=retainer,
        start_date=dt.date(2026, 10, 1),
    )
    result = recurring_runs.recurring_generate(today=RUN_DAY)
    assert len(result.invoices) == 2
    october, november = Invoice.objects.filter(schedule=s).order_by("schedule_period")
    assert [line.description for line in october.lines.all()] == [
        f"{retainer.name} — Retainer, Oct 1 – 31, 2026"
    ]
    assert october.total == D("2000.00") and october.number == "INV-0001"
    # November: its fee in advance, and October's 2 hours over the 20 included at 120.
    assert sorted(line.total_amount for line in november.lines.all()) == [D("240.00"), D("2000.00")]
    assert november.number == "INV-0002"
    assert recurring_runs.recurring_generate(today=RUN_DAY).invoices == []


@pytest.mark.django_db(transaction=True)
def test_two_recurring_runs_at_once_make_each_invoice_once(personas):
    with workspace_scope(personas.a):
        made = [schedule(personas, name=f"S{n}") for n in range(30)]
        retainer = RetainerEngagementFactory(
            client__workspace=personas.a, start_date=dt.date(2026, 10, 1)
        )
        recurring.recurring_schedule_save(
            workspace=personas.a,
            actor=personas.alice,
            name="Retainer",
            client=retainer.client,
            engagement=retainer,
            start_date=dt.date(2026, 10, 1),
        )
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            recurring_runs.recurring_generate(today=RUN_DAY)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    old_batch = recurring_runs.BATCH_SIZE
    recurring_runs.BATCH_SIZE = 7  # several batches, so the two runs interleave
    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        recurring_runs.BATCH_SIZE = old_batch
    assert errors == []
    with workspace_scope(personas.a):
        invoices = list(Invoice.objects.all())
        assert len(invoices) == 30 * 3 + 2
        assert len({(i.schedule_id, i.schedule_period) for i in invoices}) == len(invoices)
        numbers = sorted(int(i.number.removeprefix("INV-")) for i in invoices)
        assert numbers == list(range(1, len(invoices) + 1))
        assert all(s.next_run == dt.date(2026, 12, 1) for s in RecurringSchedule.objects.all())
        assert {s.pk for s in made} <= set(RecurringSchedule.objects.values_list("pk", flat=True))


def test_recurring_task_through_a_real_worker(worker, personas):
    from invoicing.schedule_tasks import recurring_invoices_generate

    with workspace_scope(personas.a):
        schedule(personas, start_date=timezone.localdate() - dt.timedelta(days=1))
    import time

    def made() -> int:
        with workspace_scope(personas.a):
            return Invoice.objects.count()

    def advanced() -> bool:
        with workspace_scope(personas.a):
            return RecurringSchedule.objects.get().next_run > timezone.localdate()

    recurring_invoices_generate.delay()
    recurring_invoices_generate.delay()
    worker.wait_for(lambda: made() == 1 and advanced())
    time.sleep(1)  # the second run (same solo worker, after the first) makes nothing
    assert made() == 1
