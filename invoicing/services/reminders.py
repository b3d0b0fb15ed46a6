"""Payment reminders: the rules (days from the due date) and the beat task's body.

A reminder is sent at most once per invoice and rule: the ReminderSent row is inserted
first (INSERT … ON CONFLICT DO NOTHING RETURNING), and only the rows this transaction
actually inserted are emailed, after commit. A second or concurrent run inserts nothing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

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


# --- Sending: the beat task ----------------------------------------------------------------
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
INSERT INTO {sent} (workspace_id, invoice_id, rule_id, sent_at)
SELECT %(workspace)s, x.invoice_id, x.rule_id, now()
FROM unnest(%(invoices)s::bigint[], %(rules)s::bigint[]) AS x(invoice_id, rule_id)
ON CONFLICT DO NOTHING
RETURNING invoice_id, rule_id
"""


def reminder_candidates(*, today: dt.date | None) -> dict[int, dict[int, list[int]]]:
    """Across every workspace, in one query: {workspace_id: {invoice_id: [rule ids whose
    day has come, oldest first]}}. Cross-tenant on purpose (the beat task); the rows are
    then handled per workspace, inside its scope. A rule's day before the invoice was
    finalised never applies ("due in 7 days" is not sent for an invoice issued 3 days
    before its due date)."""
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


@dataclass
class ReminderEmail:
    invoice_id: int
    rule_id: int
    link: str = ""


def reminders_send_for_workspace(
    *, workspace: Workspace, due: dict[int, list[int]], today: dt.date
) -> list[ReminderEmail]:
    """Record and send the reminders of one workspace (called inside its scope).

    Per invoice only the latest rule whose day has come is emailed; earlier ones not sent
    in time (the task did not run, the rule was added later) are recorded as superseded,
    so a client never gets three reminders at once. Everything is recorded before
    anything is sent; emails leave after commit, only for rows this run inserted."""
    invoice_ids = [i for i, rules in due.items() for _ in rules]
    rule_ids = [r for rules in due.values() for r in rules]
    if not rule_ids:
        return []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_SENT_SQL.format(sent=ReminderSent._meta.db_table),
                {"workspace": workspace.pk, "invoices": invoice_ids, "rules": rule_ids},
            )
            inserted = {(i, r) for i, r in cursor.fetchall()}
        latest_rule = {invoice_id: rules[-1] for invoice_id, rules in due.items()}
        to_send = [
            ReminderEmail(invoice_id, rule_id)
            for invoice_id, rule_id in latest_rule.items()
            if (invoice_id, rule_id) in inserted
        ]
        rules = {r.pk: r for r in ReminderRule.objects.filter(pk__in=set(rule_ids))}
        events = []
        for invoice_id, rule_list in due.items():
            mine = [r for r in rule_list if (invoice_id, r) in inserted]
            if not mine:
                continue  # another run got there first
            sent = latest_rule[invoice_id] in mine
            events.append(
                InvoiceEvent(
                    workspace=workspace,
                    invoice_id=invoice_id,
                    kind="reminded" if sent else "reminder_superseded",
                    data={
                        "rule": str(rules[latest_rule[invoice_id]]) if sent else "",
                        "superseded": [str(rules[r]) for r in mine if r != latest_rule[invoice_id]],
                    },
                )
            )
        InvoiceEvent.objects.bulk_create(events)
        # The reminder carries the invoice's working link, if it has one (a revoked or
        # never-shared link stays so): the same link the client already holds.
        from invoicing.delivery import public_url

        invoices = Invoice.objects.in_bulk([e.invoice_id for e in to_send])
        for email in to_send:
            token = invoice_link_current(invoices[email.invoice_id])
            email.link = public_url(token) if token else ""
            transaction.on_commit(
                partial(_reminder_email_send, workspace=workspace, email=email, today=today),
                robust=True,
            )
    return to_send


def _reminder_email_send(*, workspace: Workspace, email: ReminderEmail, today: dt.date) -> None:
    """Runs after commit: the ReminderSent row exists, so a failure here means the
    reminder is not retried (at most once, as the rule promises); it is logged."""
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string

    from accounts.tenancy import workspace_scope

    with workspace_scope(workspace), transaction.atomic():
        # The candidates were read before anything was locked: a payment (or void) may
        # have landed since. Re-read under the invoice's lock and remind only what is
        # still owed.
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("client", "workspace")
            .get(pk=email.invoice_id)
        )
        if invoice.status not in REMINDABLE:
            event(
                invoice,
                "reminder_not_sent",
                data={"reason": f"The invoice is {invoice.get_status_display().lower()}."},
            )
            return
        rule = ReminderRule.objects.filter(pk=email.rule_id).first()
        recipient = invoice.client.email
        if not recipient:
            event(invoice, "reminder_not_sent", data={"reason": "The client has no email."})
            return
        context = {
            "invoice": invoice,
            "workspace": workspace,
            "rule": rule,
            "today": today,
            "days_late": (today - invoice.due_date).days if invoice.due_date else 0,
            "late_fee": invoice_late_fee(invoice=invoice, today=today),
            "link": email.link,
        }
        message = EmailMultiAlternatives(
            subject=render_to_string(
                "invoicing/schedules/email/reminder_subject.txt", context
            ).strip(),
            body=render_to_string("invoicing/schedules/email/reminder.txt", context),
            to=[recipient],
        )
        message.attach_alternative(
            render_to_string("invoicing/schedules/email/reminder.html", context), "text/html"
        )
        message.send()


def reminders_send_due(*, today: dt.date | None = None) -> int:
    """The beat task's body: every workspace's due reminders. Returns emails queued."""
    from django_scopes import scopes_disabled

    from accounts.tenancy import workspace_scope

    with scopes_disabled():  # the selection crosses tenants, deliberately
        candidates = reminder_candidates(today=today)
        workspaces = Workspace.objects.in_bulk(list(candidates))
    sent = 0
    for workspace_id, due in candidates.items():
        workspace = workspaces[workspace_id]
        with workspace_scope(workspace):
            sent += len(
                reminders_send_for_workspace(
                    workspace=workspace, due=due, today=today or workspace.today()
                )
            )
    return sent
