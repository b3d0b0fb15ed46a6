"""Payment reminders: the rules (days from the due date), the beat task's body that
records which reminders are due, and the delivery of one reminder.

A reminder is sent at most once per invoice and rule. The beat run inserts the
ReminderSent rows first (INSERT … ON CONFLICT DO NOTHING RETURNING: a second or concurrent
run inserts nothing) and, in the same transaction, queues one task per row it inserted
through the outbox (core.tasks.enqueue_on_commit), so a broker outage delays reminders and
loses none. The task (`reminder_deliver`) locks the invoice, then the row, and emails only
a pending row of an invoice still owed: an invoice paid or voided since the run is
skipped, with the reason on the row and the invoice's timeline."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.services import audit_record
from invoicing.models import (
    Invoice,
    InvoiceEvent,
    ReminderRule,
    ReminderSent,
)
from invoicing.services.events import event
from invoicing.services.late_fees import invoice_late_fee
from invoicing.services.links import invoice_link_current
from invoicing.services.state import REMINDABLE

logger = logging.getLogger(__name__)
Delivery = ReminderSent.Delivery


# --- Rules ---------------------------------------------------------------------------------
@transaction.atomic
def reminder_rule_save(
    *,
    workspace: Workspace,
    actor: User,
    days_from_due: int,
    active: bool = True,
    rule: ReminderRule | None = None,
) -> ReminderRule:
    if rule is not None and rule.workspace_id != workspace.pk:
        raise ValidationError("Choose one of your reminder rules.")
    rule = rule or ReminderRule(workspace=workspace)
    rule.days_from_due = days_from_due
    rule.active = active
    rule.full_clean()  # includes the one-rule-per-day constraint, as a form error
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:  # the same day saved at the same moment
        raise ValidationError({"days_from_due": "A reminder on this day already exists."}) from exc
    audit_record(
        workspace=workspace,
        actor=actor,
        action="reminder_rule.save",
        obj=rule,
        details={"days_from_due": days_from_due, "active": active},
    )
    return rule


@transaction.atomic
def reminder_rule_delete(*, rule: ReminderRule, actor: User) -> None:
    """Deleting a rule also forgets which invoices it reminded (cascade); re-adding the
    same day later would remind again, which is what a new rule means."""
    audit_record(
        workspace=rule.workspace,
        actor=actor,
        action="reminder_rule.delete",
        obj=rule,
        details={"days_from_due": rule.days_from_due},
    )
    rule.delete()


# --- Recording what is due: the beat task ------------------------------------------------
_CANDIDATES_SQL = """
SELECT i.workspace_id, i.id, r.id, i.due_date + r.days_from_due AS day
FROM {invoice} i
JOIN {rule} r ON r.workspace_id = i.workspace_id AND r.active
JOIN {workspace} w ON w.id = i.workspace_id
WHERE i.kind = 'invoice'
  AND i.status IN ('open', 'partially_paid')
  AND i.due_date IS NOT NULL
  -- "today" is each workspace's own date, unless the caller fixes one (tests)
  AND i.due_date + r.days_from_due
      <= COALESCE(%(today)s::date, (now() AT TIME ZONE w.timezone)::date)
  AND i.due_date + r.days_from_due >= (i.finalized_at AT TIME ZONE w.timezone)::date
  AND NOT EXISTS (SELECT 1 FROM {sent} s WHERE s.invoice_id = i.id AND s.rule_id = r.id)
ORDER BY i.workspace_id, i.id, day
"""

_INSERT_SENT_SQL = """
INSERT INTO {sent} (workspace_id, invoice_id, rule_id, created_at, state, reason)
SELECT %(workspace)s, x.invoice_id, x.rule_id, now(), 'pending', ''
FROM unnest(%(invoices)s::bigint[], %(rules)s::bigint[]) AS x(invoice_id, rule_id)
ON CONFLICT DO NOTHING
RETURNING id, invoice_id, rule_id
"""


def reminder_candidates(*, today: dt.date | None) -> dict[int, dict[int, list[int]]]:
    """Across every workspace, in one query: {workspace_id: {invoice_id: [rule ids whose
    day has come, oldest first]}}. Cross-tenant on purpose (the beat task); the rows are
    then handled per workspace, inside its scope. A rule's day before the invoice was
    finalised never applies ("due in 7 days" is not sent for an invoice issued 3 days
    before its due date). Read before anything is locked: the delivery checks again."""
    sql = _CANDIDATES_SQL.format(
        invoice=Invoice._meta.db_table,
        rule=ReminderRule._meta.db_table,
        workspace=Workspace._meta.db_table,
        sent=ReminderSent._meta.db_table,
    )
    found: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    with connection.cursor() as cursor:
        cursor.execute(sql, {"today": today})
        for workspace_id, invoice_id, rule_id, _day in cursor.fetchall():
            found[workspace_id][invoice_id].append(rule_id)
    return found


def reminders_queue_for_workspace(*, workspace: Workspace, due: dict[int, list[int]]) -> list[int]:
    """Record the reminders of one workspace and queue their delivery (called inside its
    scope); returns the ids of the rows queued.

    Per invoice only the latest rule whose day has come is emailed; earlier ones not sent
    in time (the task did not run, the rule was added later) are recorded as skipped,
    superseded, so a client never gets three reminders at once. Only rows this run
    inserted are queued or skipped: another run's rows are its own."""
    invoice_ids = [i for i, rules in due.items() for _ in rules]
    rule_ids = [r for rules in due.values() for r in rules]
    if not rule_ids:
        return []
    from core.tasks import enqueue_on_commit
    from invoicing.delivery_tasks import reminder_email_deliver

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_SENT_SQL.format(sent=ReminderSent._meta.db_table),
                {"workspace": workspace.pk, "invoices": invoice_ids, "rules": rule_ids},
            )
            inserted = {(i, r): pk for pk, i, r in cursor.fetchall()}
        rules = {r.pk: r for r in ReminderRule.objects.filter(pk__in=set(rule_ids))}
        queued: list[int] = []
        superseded: dict[int, list[int]] = defaultdict(list)  # latest rule → rows it replaces
        events = []
        for invoice_id, rule_list in due.items():
            latest = rule_list[-1]
            mine = [r for r in rule_list if (invoice_id, r) in inserted]
            if latest in mine:
                queued.append(inserted[(invoice_id, latest)])
            earlier = [r for r in mine if r != latest]
            if earlier:
                superseded[latest] += [inserted[(invoice_id, r)] for r in earlier]
                events.append(
                    InvoiceEvent(
                        workspace=workspace,
                        invoice_id=invoice_id,
                        kind="reminder_superseded",
                        data={
                            "superseded": [str(rules[r]) for r in earlier],
                            "by": str(rules[latest]),
                        },
                    )
                )
        for latest, rows in superseded.items():
            ReminderSent.objects.filter(pk__in=rows).update(
                state=Delivery.SKIPPED, reason=f"Superseded by “{rules[latest]}”."
            )
        InvoiceEvent.objects.bulk_create(events)
        for reminder_id in queued:
            enqueue_on_commit(
                reminder_email_deliver, workspace_id=workspace.pk, reminder_id=reminder_id
            )
    return queued


def reminders_send_due(*, today: dt.date | None = None) -> int:
    """The beat task's body: record every workspace's due reminders and queue their
    emails. Returns the number queued."""
    from django_scopes import scopes_disabled

    from accounts.tenancy import workspace_scope

    with scopes_disabled():  # the selection crosses tenants, deliberately
        candidates = reminder_candidates(today=today)
        workspaces = Workspace.objects.in_bulk(list(candidates))
    queued = 0
    for workspace_id, due in candidates.items():
        workspace = workspaces[workspace_id]
        with workspace_scope(workspace):
            queued += len(reminders_queue_for_workspace(workspace=workspace, due=due))
    return queued


# --- Delivering one reminder: its task -----------------------------------------------------
def reminder_deliver(*, workspace: Workspace, reminder_id: int) -> str:
    """Email one recorded reminder, at most once; returns the row's state afterwards (or
    "gone" when its rule was deleted since, which deletes its rows). Runs in the task
    (invoicing.delivery_tasks.reminder_email_deliver), inside the workspace's scope.

    Locks the invoice, then the row (the order every writer of an invoice takes: the
    invoice first), so a payment recorded at the same moment either lands first, and the
    reminder is skipped, or waits until the email has left. Only a pending row is acted
    on: a task run twice (at-least-once relay, late acks) finds it sent and does nothing.
    The email leaves inside the transaction that marks the row sent; only a worker dying
    between the mail server's acceptance and the commit could send it twice."""
    invoice_id = (
        ReminderSent.objects.filter(pk=reminder_id).values_list("invoice_id", flat=True).first()
    )
    if invoice_id is None:
        return "gone"
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("client", "workspace")
            .get(pk=invoice_id)
        )
        reminder = (
            ReminderSent.objects.select_for_update(of=("self",))
            .select_related("rule")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None:
            return "gone"
        if reminder.state != Delivery.PENDING:
            return str(reminder.state)
        if invoice.status not in REMINDABLE:
            status = invoice.get_status_display().lower()
            return _reminder_close(reminder, invoice, Delivery.SKIPPED, f"The invoice is {status}.")
        recipient = invoice.client.email
        if not recipient:
            return _reminder_close(
                reminder, invoice, Delivery.SKIPPED, "The client has no email address."
            )
        message = reminder_email(
            invoice=invoice, rule=reminder.rule, to=recipient, today=workspace.today()
        )
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 - any refusal: recorded, not retried
            logger.warning("reminder %s: the email failed: %s", reminder.pk, exc)
            reason = f"The email could not be sent: {type(exc).__name__}: {exc}"[:300]
            return _reminder_close(reminder, invoice, Delivery.FAILED, reason)
        reminder.state = Delivery.SENT
        reminder.delivered_at = timezone.now()
        reminder.save(update_fields=["state", "delivered_at"])
        event(invoice, "reminded", data={"rule": str(reminder.rule), "to": [recipient]})
    return str(Delivery.SENT)


def _reminder_close(
    reminder: ReminderSent, invoice: Invoice, state: ReminderSent.Delivery, reason: str
) -> str:
    reminder.state = state
    reminder.reason = reason
    reminder.save(update_fields=["state", "reason"])
    kind = "reminder_failed" if state == Delivery.FAILED else "reminder_skipped"
    event(invoice, kind, data={"rule": str(reminder.rule), "reason": reason})
    return str(state)


def reminder_email(
    *, invoice: Invoice, rule: ReminderRule, to: str, today: dt.date
) -> EmailMultiAlternatives:
    """The reminder as it is sent today: amount due, days late, the late fee so far, and
    the invoice's working link if it has one (the same link the client already holds; a
    revoked or never-shared link stays so)."""
    from invoicing.delivery import public_url

    token = invoice_link_current(invoice)
    context = {
        "invoice": invoice,
        "workspace": invoice.workspace,
        "rule": rule,
        "today": today,
        "days_late": (today - invoice.due_date).days if invoice.due_date else 0,
        "late_fee": invoice_late_fee(invoice=invoice, today=today),
        "link": public_url(token) if token else "",
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("invoicing/schedules/email/reminder_subject.txt", context).strip(),
        body=render_to_string("invoicing/schedules/email/reminder.txt", context),
        to=[to],
    )
    message.attach_alternative(
        render_to_string("invoicing/schedules/email/reminder.html", context), "text/html"
    )
    return message
