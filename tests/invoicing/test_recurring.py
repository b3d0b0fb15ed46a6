"""Reminders, late fees and recurring invoices: at most once per invoice and rule, exactly
once per schedule and period (also when two workers run at the same time), gapless
numbers for invoices made in bulk, and the pages."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from engagements.models import TimeEntry
from invoicing import services
from invoicing.models import (
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    LateFeePolicy,
    RecurringSchedule,
    ReminderRule,
    ReminderSent,
    TaxRate,
)
from invoicing.services import late_fees, recurring, recurring_runs, reminders
from tests.factories import ClientFactory, RetainerEngagementFactory

S = Invoice.Status
RUN_DAY = dt.date(2026, 11, 24)  # the recurring tests' "today"


@pytest.fixture
def scoped(personas):
    with workspace_scope(personas.a):
        yield personas


def open_invoice(p, *, due: dt.date, finalised: dt.date | None = None, amount="1000"):
    """A finalised invoice of A's due on `due`, finalised on `finalised` (default: 30
    days before it is due)."""
    client = ClientFactory(workspace=p.a, currency="USD", email="ap@client.example")
    invoice = services.invoice_create_draft(
        workspace=p.a, actor=p.alice, client=client, due_date=due
    )
    services.invoice_line_save(
        invoice=invoice, actor=p.alice, description="Work", quantity=D(1), unit_price=D(amount)
    )
    invoice = services.invoice_finalize(invoice=invoice, actor=p.alice)
    finalised = finalised or due - dt.timedelta(days=30)
    Invoice.objects.filter(pk=invoice.pk).update(
        finalized_at=dt.datetime.combine(finalised, dt.time(9), tzinfo=dt.UTC)
    )
    invoice.refresh_from_db()
    return invoice


def rules(p, *days):
    return [
        reminders.reminder_rule_save(workspace=p.a, actor=p.alice, days_from_due=d) for d in days
    ]


def run_reminders(capture, today=None):
    with capture(execute=True):
        return reminders.reminders_send_due(today=today or timezone.localdate())


# --- Reminders -----------------------------------------------------------------------------
def test_reminder_task_run_twice_sends_once(scoped, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    invoice = open_invoice(scoped, due=today - dt.timedelta(days=7))
    rules(scoped, -3, 0, 7)
    assert run_reminders(django_capture_on_commit_callbacks) == 1
    assert run_reminders(django_capture_on_commit_callbacks) == 0
    (message,) = mail.outbox
    assert message.to == ["ap@client.example"]
    assert invoice.number in message.subject and "Overdue" in message.subject
    assert "$1,000.00" in message.body
    assert "$1,000.00" in message.alternatives[0][0]
    # The two earlier rules' days passed unsent: recorded as superseded, never sent later.
    assert ReminderSent.objects.filter(invoice=invoice).count() == 3
    (event,) = InvoiceEvent.objects.filter(invoice=invoice, kind="reminded")
    assert event.data == {
        "rule": "7 days after due",
        "superseded": ["3 days before due", "On the due date"],
    }


@pytest.mark.parametrize(
    ("due_in", "rule", "sent"),
    [
        (3, -3, True),  # three days before the due date
        (4, -3, False),  # not yet
        (0, 0, True),  # on the due date
        (-7, 7, True),  # a week late
        (-6, 7, False),  # not yet a week late
    ],
)
def test_rule_days_before_on_after_due(
    scoped, django_capture_on_commit_callbacks, due_in, rule, sent
):
    today = timezone.localdate()
    open_invoice(scoped, due=today + dt.timedelta(days=due_in))
    rules(scoped, rule)
    assert run_reminders(django_capture_on_commit_callbacks) == int(sent)
    assert len(mail.outbox) == int(sent)


def test_no_reminder_for_a_day_before_the_invoice_was_finalised(
    scoped, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    # Issued today, due in 3 days: "7 days before due" was already past when it was issued.
    open_invoice(scoped, due=today + dt.timedelta(days=3), finalised=today)
    rules(scoped, -7)
    assert run_reminders(django_capture_on_commit_callbacks) == 0


def test_no_reminder_for_paid_void_draft_or_inactive_rules(
    scoped, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    due = today - dt.timedelta(days=1)
    paid = open_invoice(scoped, due=due)
    services.payment_record(
        invoice=paid, actor=scoped.alice, amount=D("1000"), received_on=today, method="cash"
    )
    void = open_invoice(scoped, due=due)
    services.invoice_void(invoice=void, actor=scoped.alice)
    client = ClientFactory(workspace=scoped.a)
    services.invoice_create_draft(
        workspace=scoped.a, actor=scoped.alice, client=client, due_date=due
    )
    (rule,) = rules(scoped, 0)
    assert run_reminders(django_capture_on_commit_callbacks) == 0
    partly = open_invoice(scoped, due=due)
    services.payment_record(
        invoice=partly, actor=scoped.alice, amount=D("400"), received_on=today, method="cash"
    )
    reminders.reminder_rule_save(
        workspace=scoped.a, actor=scoped.alice, rule=rule, days_from_due=0, active=False
    )
    assert run_reminders(django_capture_on_commit_callbacks) == 0
    reminders.reminder_rule_save(
        workspace=scoped.a, actor=scoped.alice, rule=rule, days_from_due=0, active=True
    )
    assert run_reminders(django_capture_on_commit_callbacks) == 1  # partially paid: reminded
    assert "$600.00" in mail.outbox[0].body


def test_reminder_carries_the_working_link_only_when_one_is_active(
    scoped, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    shared = open_invoice(scoped, due=today)
    old_token = services.invoice_link_issue(invoice=shared, actor=scoped.alice)
    revoked = open_invoice(scoped, due=today)
    services.invoice_link_issue(invoice=revoked, actor=scoped.alice)
    services.invoice_link_revoke(invoice=revoked, actor=scoped.alice)
    rules(scoped, 0)
    assert run_reminders(django_capture_on_commit_callbacks) == 2
    by_number = {m.subject.split()[3]: m for m in mail.outbox}
    from django.conf import settings

    # The link the client already holds, not a new one that would kill it.
    assert f"View and pay: {settings.SITE_URL}/i/{old_token}/" in by_number[shared.number].body
    assert services.invoice_from_token(token=old_token) is not None
    assert "View and pay" not in by_number[revoked.number].body
    revoked.refresh_from_db()
    assert revoked.link_revoked_at is not None


def test_reminder_shows_the_late_fee_so_far(scoped, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    open_invoice(scoped, due=today - dt.timedelta(days=10))
    late_fees.late_fee_policy_save(
        workspace=scoped.a, actor=scoped.alice, kind="fixed", fixed_amount=D("40")
    )
    rules(scoped, 10)
    run_reminders(django_capture_on_commit_callbacks)
    assert "Late fee so far: $40.00" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_send_once(personas):
    today = timezone.localdate()
    with workspace_scope(personas.a):
        for _ in range(5):
            open_invoice(personas, due=today - dt.timedelta(days=2))
        rules(personas, 0, 2)
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def run():
        try:
            barrier.wait()
            counts.append(reminders.reminders_send_due(today=today))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(counts) == 5
    assert len(mail.outbox) == 5
    assert len({m.subject for m in mail.outbox}) == 5
    with scopes_disabled():
        assert ReminderSent.objects.count() == 10


def test_reminders_cross_tenants_but_stay_in_each(personas, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    with workspace_scope(personas.a):
        open_invoice(personas, due=today)
        rules(personas, 0)
    with workspace_scope(personas.b):
        client = ClientFactory(workspace=personas.b, email="b@client.example")
        theirs = services.invoice_create_draft(
            workspace=personas.b, actor=personas.charlie, client=client, due_date=today
        )
        services.invoice_line_save(
            invoice=theirs, actor=personas.charlie, description="x", quantity=D(1), unit_price=D(5)
        )
        services.invoice_finalize(invoice=theirs, actor=personas.charlie)
    assert run_reminders(django_capture_on_commit_callbacks) == 1  # B has no rule
    assert mail.outbox[0].to == ["ap@client.example"]


# --- Late fees -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "fields", "days_late", "expected"),
    [
        ("fixed", {"fixed_amount": D("40")}, 1, "40.00"),
        ("fixed", {"fixed_amount": D("40"), "grace_days": 5}, 5, "0"),
        ("fixed", {"fixed_amount": D("40"), "grace_days": 5}, 6, "40.00"),
        # 1,000 × 8 % × 30 / 365 = 6.575… → 6.58
        ("interest", {"annual_interest_percent": D("8")}, 30, "6.58"),
        ("none", {}, 30, "0"),
    ],
)
def test_late_fee_fixed_and_interest(scoped, kind, fields, days_late, expected):
    today = timezone.localdate()
    invoice = open_invoice(scoped, due=today - dt.timedelta(days=days_late))
    late_fees.late_fee_policy_save(workspace=scoped.a, actor=scoped.alice, kind=kind, **fields)
    assert late_fees.invoice_late_fee(invoice=invoice, today=today) == D(expected)


def test_late_fee_policy_needs_its_figure(scoped):
    with pytest.raises(ValidationError) as exc:
        late_fees.late_fee_policy_save(workspace=scoped.a, actor=scoped.alice, kind="interest")
    assert "annual_interest_percent" in exc.value.message_dict


def test_charge_late_fee_once_unless_voided(scoped):
    today = timezone.localdate()
    invoice = open_invoice(scoped, due=today - dt.timedelta(days=30))
    late_fees.late_fee_policy_save(
        workspace=scoped.a, actor=scoped.alice, kind="interest", annual_interest_percent=D("8")
    )
    fee = late_fees.invoice_late_fee_charge(invoice=invoice, actor=scoped.alice, today=today)
    assert fee.status == S.OPEN and fee.number == "INV-0002" and fee.total == D("6.58")
    (line,) = fee.lines.all()
    assert line.kind == InvoiceLine.Kind.LATE_FEE
    with pytest.raises(ValidationError, match="already charged"):
        late_fees.invoice_late_fee_charge(invoice=invoice, actor=scoped.alice, today=today)
    services.invoice_void(invoice=fee, actor=scoped.alice)
    again = late_fees.invoice_late_fee_charge(invoice=invoice, actor=scoped.alice, today=today)
    assert again.number == "INV-0003"


def test_no_late_fee_to_charge_before_due(scoped):
    today = timezone.localdate()
    invoice = open_invoice(scoped, due=today + dt.timedelta(days=3))
    late_fees.late_fee_policy_save(
        workspace=scoped.a, actor=scoped.alice, kind="fixed", fixed_amount=D("40")
    )
    with pytest.raises(ValidationError):
        late_fees.invoice_late_fee_charge(invoice=invoice, actor=scoped.alice, today=today)


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
        "Retainer 01 Oct 2026 – 31 Oct 2026"
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


# --- Pages ---------------------------------------------------------------------------------
def _ws_url(name, p, **kwargs):
    return reverse(name, kwargs={"workspace": p.a.slug, **kwargs})


def test_reminder_settings_page(client, personas):
    client.force_login(personas.alice)
    url = _ws_url("invoicing:invoice_reminders", personas)
    assert client.get(url).status_code == 200
    response = client.post(url, {"days_from_due": "-3"})
    assert response.status_code == 302
    response = client.post(url, {"days_from_due": "-3"})
    assert response.status_code == 400 and b"already exists" in response.content
    response = client.post(
        _ws_url("invoicing:invoice_late_fee_policy", personas),
        {"kind": "interest", "annual_interest_percent": "8", "grace_days": "3"},
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "3 days before due" in page and 'value="8.000"' in page
    with workspace_scope(personas.a):
        rule = ReminderRule.objects.get()
        assert LateFeePolicy.objects.get().kind == "interest"
    assert (
        client.post(_ws_url("invoicing:invoice_reminder_rule", personas, pk=rule.pk)).status_code
        == 302
    )


def test_recurring_pages(client, personas):
    customer = ClientFactory(workspace=personas.a, currency="EUR", name="Acme")
    client.force_login(personas.alice)
    assert client.get(_ws_url("invoicing:invoice_recurring_list", personas)).status_code == 200
    assert client.get(_ws_url("invoicing:invoice_recurring_create", personas)).status_code == 200
    response = client.post(
        _ws_url("invoicing:invoice_recurring_create", personas),
        {
            "name": "Acme support",
            "client": customer.pk,
            "interval": "monthly",
            "every": "1",
            "start_date": "2026-09-01",
            "auto_finalize": "on",
            "line-0-description": "Support",
            "line-0-quantity": "1",
            "line-0-unit_price": "500",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with workspace_scope(personas.a):
        s = RecurringSchedule.objects.get()
        recurring_runs.recurring_generate(today=RUN_DAY)
    page = client.get(
        _ws_url("invoicing:invoice_recurring_edit", personas, pk=s.pk)
    ).content.decode()
    assert "Acme support" in page and "INV-0001" in page
    listing = client.get(_ws_url("invoicing:invoice_recurring_list", personas)).content.decode()
    assert "Acme support" in listing and "Dec" in listing
    assert (
        client.post(_ws_url("invoicing:invoice_recurring_pause", personas, pk=s.pk)).status_code
        == 302
    )
    s.refresh_from_db()
    assert not s.active
    bad = client.post(
        _ws_url("invoicing:invoice_recurring_create", personas),
        {"name": "x", "client": customer.pk},
    )
    assert bad.status_code == 400


def test_accountant_reads_but_cannot_change(client, personas):
    client.force_login(personas.andy)
    assert client.get(_ws_url("invoicing:invoice_reminders", personas)).status_code == 200
    assert client.get(_ws_url("invoicing:invoice_recurring_list", personas)).status_code == 200
    assert (
        client.post(
            _ws_url("invoicing:invoice_reminders", personas), {"days_from_due": "0"}
        ).status_code
        == 403
    )
    assert client.get(_ws_url("invoicing:invoice_recurring_create", personas)).status_code == 403
    assert (
        client.post(
            _ws_url("invoicing:invoice_late_fee_policy", personas), {"kind": "none"}
        ).status_code
        == 403
    )


def test_reminders_come_due_on_each_workspaces_own_date(personas):
    """With no date fixed (the beat task), a reminder is due when its day has come in the
    workspace's time zone: Auckland is nearly a day ahead of Honolulu."""
    import datetime as dt
    from decimal import Decimal as D

    from django_scopes import scopes_disabled

    from accounts.tenancy import workspace_scope
    from invoicing import services
    from invoicing.models import ReminderRule
    from tests.factories import ClientFactory

    made = {}
    for ws, zone, actor in (
        (personas.a, "Pacific/Auckland", personas.alice),
        (personas.b, "Pacific/Honolulu", personas.charlie),
    ):
        ws.timezone = zone
        ws.save()
        with workspace_scope(ws):
            ReminderRule.objects.create(workspace=ws, days_from_due=0)
            client = ClientFactory(workspace=ws)
            invoice = services.invoice_create_draft(workspace=ws, actor=actor, client=client)
            services.invoice_line_save(
                invoice=invoice, actor=actor, description="x", quantity=D(1), unit_price=D(10)
            )
            # Due on Auckland's today: has the day come in each zone?
            due = personas.a.today()
            services.invoice_finalize(
                invoice=invoice, actor=actor, issue_date=due - dt.timedelta(days=10)
            )
            type(invoice).objects.filter(pk=invoice.pk).update(
                due_date=due, finalized_at=invoice.created_at - dt.timedelta(days=10)
            )
            made[ws.pk] = (invoice.pk, due <= ws.today())
    with scopes_disabled():
        found = reminders.reminder_candidates(today=None)
    for workspace_id, (invoice_id, expected) in made.items():
        assert (invoice_id in found.get(workspace_id, {})) == expected
    assert made[personas.a.pk][1] is True
