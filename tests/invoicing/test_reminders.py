"""Payment reminders: at most once per invoice and rule (also when two runs overlap, or a
delivery task runs twice), only for invoices still owed when the email leaves and for
active rules, due on each workspace's own date; each reminder is its own task through the
outbox, and its row says what became of it."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from core.models import OutboxMessage
from core.outbox import outbox_relay
from invoicing import services
from invoicing.delivery_tasks import reminder_email_deliver
from invoicing.models import InvoiceEvent, ReminderRule, ReminderSent
from invoicing.services import late_fees, reminders
from tests.factories import ClientFactory
from tests.invoicing.schedule_helpers import open_invoice


def rules(p, *days):
    return [
        reminders.reminder_rule_save(workspace=p.a, actor=p.alice, days_from_due=d) for d in days
    ]


def run_reminders(capture, today=None):
    """The beat task; its delivery tasks run here after commit (the `inline_tasks`
    fixture, which every test that reads mail.outbox uses)."""
    with capture(execute=True):
        return reminders.reminders_send_due(today=today or timezone.localdate())


def states(invoice):
    return sorted(
        (str(r.rule), r.state, r.reason) for r in ReminderSent.objects.filter(invoice=invoice)
    )


@pytest.fixture(autouse=True)
def _tasks_here(inline_tasks):
    pass


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
    superseded = "Superseded by “7 days after due”."
    assert states(invoice) == [
        ("3 days before due", "skipped", superseded),
        ("7 days after due", "sent", ""),
        ("On the due date", "skipped", superseded),
    ]
    (event,) = InvoiceEvent.objects.filter(invoice=invoice, kind="reminded")
    assert event.data == {"rule": "7 days after due", "to": ["ap@client.example"]}
    (event,) = InvoiceEvent.objects.filter(invoice=invoice, kind="reminder_superseded")
    assert event.data == {
        "superseded": ["3 days before due", "On the due date"],
        "by": "7 days after due",
    }
    # One task per emailed row, through the outbox, carrying ids only.
    (message,) = OutboxMessage.objects.all()
    assert message.task == "invoicing.delivery_tasks.reminder_email_deliver"
    assert message.sent_at is not None
    sent = ReminderSent.objects.get(invoice=invoice, state="sent")
    assert message.kwargs == {"workspace_id": scoped.a.pk, "reminder_id": sent.pk}


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
    services.receipt_record(
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
    services.receipt_record(
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


def test_no_reminder_for_an_invoice_paid_after_it_was_selected(
    scoped, django_capture_on_commit_callbacks
):
    """The candidates are read before anything is locked: a payment that lands between
    that read and the email must stop the email (defect 7 of issue #8)."""
    today = timezone.localdate()
    invoice = open_invoice(scoped, due=today - dt.timedelta(days=1))
    rules(scoped, 0)
    with scopes_disabled():
        due = reminders.reminder_candidates(today=today)[scoped.a.pk]
    assert invoice.pk in due
    services.receipt_record(
        invoice=invoice, actor=scoped.alice, amount=D("1000"), received_on=today, method="cash"
    )
    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminders_queue_for_workspace(workspace=scoped.a, due=due)
    assert mail.outbox == []
    assert states(invoice) == [("On the due date", "skipped", "The invoice is paid.")]
    (event,) = InvoiceEvent.objects.filter(invoice=invoice, kind="reminder_skipped")
    assert event.data == {"rule": "On the due date", "reason": "The invoice is paid."}


def queue_one(p, *, due_days_ago=1):
    """An invoice with one reminder due, recorded by the beat run; its delivery task waits
    in the outbox (no commit in this test's transaction, so no relay yet)."""
    today = timezone.localdate()
    invoice = open_invoice(p, due=today - dt.timedelta(days=due_days_ago))
    if not ReminderRule.objects.filter(days_from_due=0).exists():
        rules(p, 0)
    assert reminders.reminders_send_due(today=today) == 1
    (message,) = OutboxMessage.objects.filter(sent_at__isnull=True)
    return invoice, message


@pytest.mark.parametrize("change", ["paid", "void", "uncollectible"])
def test_a_reminder_waiting_in_the_outbox_is_skipped_if_the_invoice_is_settled_meanwhile(
    scoped, change
):
    invoice, _ = queue_one(scoped)
    if change == "paid":
        services.receipt_record(
            invoice=invoice,
            actor=scoped.alice,
            amount=D("1000"),
            received_on=timezone.localdate(),
            method="cash",
        )
    elif change == "void":
        services.invoice_void(invoice=invoice, actor=scoped.alice)
    else:
        services.invoice_mark_uncollectible(invoice=invoice, actor=scoped.alice)
    assert outbox_relay().published == 1
    assert mail.outbox == []
    invoice.refresh_from_db()
    reason = f"The invoice is {invoice.get_status_display().lower()}."
    assert states(invoice) == [("On the due date", "skipped", reason)]
    assert InvoiceEvent.objects.filter(invoice=invoice, kind="reminder_skipped").count() == 1


def test_a_reminder_says_what_is_owed_when_it_leaves_not_when_it_was_queued(scoped):
    invoice, _ = queue_one(scoped)
    services.receipt_record(
        invoice=invoice,
        actor=scoped.alice,
        amount=D("400"),
        received_on=timezone.localdate(),
        method="cash",
    )
    outbox_relay()
    (message,) = mail.outbox
    assert "Amount due: $600.00 (of $1,000.00; $400.00 received" in message.body
    assert states(invoice) == [("On the due date", "sent", "")]


def test_a_delivery_run_twice_or_relayed_twice_emails_once(scoped):
    invoice, message = queue_one(scoped)
    assert outbox_relay().published == 1
    reminder = ReminderSent.objects.get(invoice=invoice)
    # A redelivered task (late acks) …
    assert reminder_email_deliver(workspace_id=scoped.a.pk, reminder_id=reminder.pk) == "sent"
    # … or a relay that died after publishing, before stamping the row sent.
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
    assert outbox_relay().published == 1
    assert len(mail.outbox) == 1
    assert InvoiceEvent.objects.filter(invoice=invoice, kind="reminded").count() == 1


def test_no_address_is_skipped_and_a_refused_email_fails_once(scoped, monkeypatch):
    import smtplib

    from django.core.mail import EmailMultiAlternatives

    invoice, _ = queue_one(scoped)
    invoice.client.email = ""
    invoice.client.save()
    outbox_relay()
    assert states(invoice) == [("On the due date", "skipped", "The client has no email address.")]

    other, _ = queue_one(scoped, due_days_ago=2)
    attempts = []

    def refused(self, *args, **kwargs):
        attempts.append(self.to)
        raise smtplib.SMTPRecipientsRefused({"ap@client.example": (550, b"No such user")})

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    outbox_relay()
    ((rule, state, reason),) = states(other)
    assert state == "failed" and reason.startswith("The email could not be sent: SMTPRecip")
    (event,) = InvoiceEvent.objects.filter(invoice=other, kind="reminder_failed")
    assert event.data["reason"] == reason
    reminder = ReminderSent.objects.get(invoice=other)
    assert reminder_email_deliver(workspace_id=scoped.a.pk, reminder_id=reminder.pk) == "failed"
    assert len(attempts) == 1  # at most once: a failed reminder is not tried again


def test_a_reminder_whose_rule_was_deleted_before_delivery_is_not_sent(scoped):
    invoice, _ = queue_one(scoped)
    reminder = ReminderSent.objects.get(invoice=invoice)
    reminders.reminder_rule_delete(rule=reminder.rule, actor=scoped.alice)
    outbox_relay()
    assert mail.outbox == []
    assert reminder_email_deliver(workspace_id=scoped.a.pk, reminder_id=reminder.pk) == "gone"


@pytest.mark.parametrize(
    ("state", "reason", "delivered"),
    [("sent", "", False), ("pending", "", True), ("skipped", "", False), ("failed", "", False)],
)
def test_the_database_keeps_a_reminders_state_consistent(scoped, state, reason, delivered):
    """Delivered exactly when sent; a reason exactly when skipped or failed."""
    from django.db import IntegrityError, transaction

    invoice, _ = queue_one(scoped)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.filter(invoice=invoice).update(
            state=state, reason=reason, delivered_at=timezone.now() if delivered else None
        )


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
