"""Writes for reminders, late fees and recurring invoices (services, as in services.py).

Invariants:
- A reminder is sent at most once per invoice and rule: the ReminderSent row is inserted
  first (INSERT … ON CONFLICT DO NOTHING RETURNING), and only the rows this transaction
  actually inserted are emailed, after commit. A second or concurrent run inserts nothing.
- A recurring schedule makes at most one invoice per period: the generating transaction
  holds the schedule's row lock (other workers skip locked schedules), re-reads what
  already exists, and the unique (schedule, schedule_period) constraint is the backstop.
- Numbers of invoices finalised in bulk are reserved in one locked update of the series
  row, in the transaction that inserts the invoices: gapless (a rollback returns them).
- A late fee is its own invoice with one LATE_FEE line, at most one per overdue invoice
  unless the earlier one was voided."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import AuditEntry, User, Workspace
from accounts.services import audit_record
from core.dates import add_months
from core.money import ZERO
from engagements.models import Client, Engagement
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
    parties_of,
)
from invoicing.totals import late_fee, line_amounts, sum_lines

log = logging.getLogger(__name__)

Status = Invoice.Status
Interval = RecurringSchedule.Interval
REMINDABLE = (Status.OPEN, Status.PARTIALLY_PAID)
# A schedule left unattended for years catches up in slices, so one run stays bounded.
MAX_PERIODS_PER_RUN = 36
BATCH_SIZE = 500


# --- Reminder rules and the late fee policy ------------------------------------------------
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
        days_from_due=days_from_due,
        active=active,
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
        days_from_due=rule.days_from_due,
    )
    rule.delete()


def late_fee_policy_for(workspace: Workspace) -> LateFeePolicy | None:
    return LateFeePolicy.objects.filter(workspace=workspace).first()


@transaction.atomic
def late_fee_policy_save(
    *,
    workspace: Workspace,
    actor: User,
    kind: str,
    fixed_amount: Decimal | None = None,
    annual_interest_percent: Decimal | None = None,
    grace_days: int = 0,
) -> LateFeePolicy:
    errors = {}
    if kind == LateFeePolicy.Kind.FIXED and not fixed_amount:
        errors["fixed_amount"] = "Enter the fee charged once an invoice is late."
    if kind == LateFeePolicy.Kind.INTEREST and not annual_interest_percent:
        errors["annual_interest_percent"] = "Enter the yearly interest rate."
    if errors:
        raise ValidationError(errors)
    policy = late_fee_policy_for(workspace) or LateFeePolicy(workspace=workspace)
    policy.kind = kind
    # Only the figure the kind uses is kept, so the page never shows a stale one.
    policy.fixed_amount = fixed_amount if kind == LateFeePolicy.Kind.FIXED else None
    policy.annual_interest_percent = (
        annual_interest_percent if kind == LateFeePolicy.Kind.INTEREST else None
    )
    policy.grace_days = grace_days
    policy.full_clean(exclude=["workspace"])
    policy.save()
    audit_record(
        workspace=workspace,
        actor=actor,
        action="late_fee_policy.save",
        obj=policy,
        kind=kind,
        fixed_amount=str(fixed_amount or ""),
        annual_interest_percent=str(annual_interest_percent or ""),
        grace_days=grace_days,
    )
    return policy


def invoice_late_fee(
    *, invoice: Invoice, today: dt.date, policy: LateFeePolicy | None = None
) -> Decimal:
    """The late fee an open invoice has run up by `today` under the workspace's policy
    (zero when there is none, it is not overdue, or still within the grace days)."""
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in REMINDABLE:
        return ZERO
    if invoice.due_date is None or today <= invoice.due_date:
        return ZERO
    policy = policy if policy is not None else late_fee_policy_for(invoice.workspace)
    if policy is None:
        return ZERO
    return late_fee(
        kind=policy.kind,
        overdue=invoice.amount_due,
        days_late=(today - invoice.due_date).days,
        fixed_amount=policy.fixed_amount,
        annual_percent=policy.annual_interest_percent,
        grace_days=policy.grace_days,
        currency=invoice.currency,
    )


def late_fee_invoices(invoice: Invoice):
    """Late-fee invoices charged for `invoice` (voided ones included)."""
    return Invoice.objects.filter(
        lines__kind=InvoiceLine.Kind.LATE_FEE,
        lines__sources__contains=[["late_fee", str(invoice.pk)]],
    ).distinct()


@transaction.atomic
def invoice_late_fee_charge(*, invoice: Invoice, actor: User | None, today: dt.date) -> Invoice:
    """Bill the late fee of an overdue invoice as a separate, finalised invoice with one
    LATE_FEE line. Once per invoice: the overdue invoice's row lock serialises two
    attempts, and the second finds the first (unless that one was voided)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in REMINDABLE:
        raise ValidationError("Late fees are charged on open, overdue invoices.")
    existing = late_fee_invoices(invoice).exclude(status=Status.VOID).first()
    if existing is not None:
        raise ValidationError(
            f"A late fee was already charged for {invoice.number}: {existing}. "
            "Void it first to charge again."
        )
    fee = invoice_late_fee(invoice=invoice, today=today)
    if fee <= 0:
        raise ValidationError("This invoice has no late fee to charge (yet).")
    days_late = (today - invoice.due_date).days
    fee_invoice = services.invoice_create_draft(
        workspace=invoice.workspace,
        actor=actor,
        client=invoice.client,
        currency=invoice.currency,
        notes=f"Late fee on invoice {invoice.number}.",
    )
    InvoiceLine.objects.create(
        workspace=invoice.workspace,
        invoice=fee_invoice,
        position=1,
        kind=InvoiceLine.Kind.LATE_FEE,
        description=(
            f"Late fee on {invoice.number} (due {invoice.due_date:%d %b %Y}, "
            f"{days_late} day{'s' if days_late != 1 else ''} late)"
        ),
        quantity=Decimal(1),
        unit_price=fee,
        sources=[["late_fee", str(invoice.pk)]],
    )
    services.recalculate(fee_invoice)
    fee_invoice = services.invoice_finalize(invoice=fee_invoice, actor=actor, issue_date=today)
    services.event(invoice, "late_fee_charged", actor, fee=str(fee), fee_invoice=fee_invoice.number)
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="invoice.late_fee_charge",
        obj=fee_invoice,
        invoice=invoice.number,
        fee=str(fee),
    )
    return fee_invoice


# --- Reminders -----------------------------------------------------------------------------
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
            token = services.invoice_link_current(invoices[email.invoice_id])
            email.link = public_url(token) if token else ""
            transaction.on_commit(
                lambda e=email: _reminder_email_send(workspace=workspace, email=e, today=today),
                robust=True,
            )
    return to_send


def _reminder_email_send(*, workspace: Workspace, email: ReminderEmail, today: dt.date) -> None:
    """Runs after commit: the ReminderSent row exists, so a failure here means the
    reminder is not retried (at most once, as the rule promises); it is logged."""
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string

    from accounts.tenancy import workspace_scope

    with workspace_scope(workspace):
        invoice = Invoice.objects.select_related("client", "workspace").get(pk=email.invoice_id)
        rule = ReminderRule.objects.filter(pk=email.rule_id).first()
        recipient = invoice.client.email
        if not recipient:
            services.event(invoice, "reminder_not_sent", reason="The client has no email.")
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


# --- Recurring schedules: periods ----------------------------------------------------------
_MONTHS = {Interval.MONTHLY: 1, Interval.QUARTERLY: 3, Interval.YEARLY: 12}


def period_start(*, start_date: dt.date, interval: str, every: int, index: int) -> dt.date:
    """The `index`-th period's first day. Counted from the start date each time (not from
    the previous period), so 31 Jan → 28 Feb → 31 Mar does not drift to the 28th."""
    if interval == Interval.WEEKLY:
        return start_date + dt.timedelta(weeks=every * index)
    return add_months(start_date, _MONTHS[interval] * every * index, start_date.day)


def _periods_from(schedule: RecurringSchedule, first: dt.date, until: dt.date) -> list[dt.date]:
    last = min(until, schedule.end_date) if schedule.end_date else until
    days, index = [], 0
    while True:
        day = period_start(
            start_date=schedule.start_date,
            interval=schedule.interval,
            every=schedule.every,
            index=index,
        )
        if day > last:
            return days
        if day >= first:
            days.append(day)
        index += 1


def schedule_periods(schedule: RecurringSchedule, until: dt.date) -> list[dt.date]:
    """The periods (by first day) still to invoice: from `next_run` to `until` (and the
    end date), oldest first."""
    return _periods_from(schedule, schedule.next_run, until)


def next_period_after(schedule: RecurringSchedule, day: dt.date) -> dt.date:
    """The first period starting strictly after `day` (the end date is not applied)."""
    index = 0
    while True:
        start = period_start(
            start_date=schedule.start_date,
            interval=schedule.interval,
            every=schedule.every,
            index=index,
        )
        if start > day:
            return start
        index += 1


def period_end(schedule: RecurringSchedule, start: dt.date) -> dt.date:
    return next_period_after(schedule, start) - dt.timedelta(days=1)


def is_finished(schedule: RecurringSchedule) -> bool:
    return schedule.end_date is not None and schedule.next_run > schedule.end_date


# --- Recurring schedules: saving -----------------------------------------------------------
def auto_send_available() -> bool:
    """Sending is the delivery module's (another part of invoicing). Auto-send is offered
    only when it exists; nothing pretends to send."""
    try:
        delivery = importlib.import_module("invoicing.delivery")
    except ImportError:
        return False
    return callable(getattr(delivery, "invoice_send", None))


def _clean_lines(workspace: Workspace, lines: list[dict], currency: str) -> list[dict]:
    """Template lines as stored: strings for the Decimals, a tax rate of the workspace."""
    rates = {r.pk: r for r in TaxRate.objects.filter(archived=False)}
    cleaned, errors = [], []
    for n, line in enumerate(lines, start=1):
        description = (line.get("description") or "").strip()
        if not description:
            continue
        try:
            quantity = Decimal(str(line.get("quantity") or "1"))
            unit_price = Decimal(str(line.get("unit_price") or "0"))
            discount = Decimal(str(line.get("discount_percent") or "0"))
        except InvalidOperation:
            errors.append(f"Line {n}: quantity, price and discount must be numbers.")
            continue
        if quantity <= 0 or not (0 <= discount <= 100):
            errors.append(f"Line {n}: a quantity above zero, a discount from 0 to 100.")
            continue
        tax_rate_id = line.get("tax_rate_id") or None
        if tax_rate_id is not None:
            tax_rate_id = int(tax_rate_id)
            if tax_rate_id not in rates or rates[tax_rate_id].workspace_id != workspace.pk:
                errors.append(f"Line {n}: choose one of your tax rates.")
                continue
        cleaned.append(
            {
                "description": description[:500],
                "quantity": str(quantity),
                "unit_price": str(unit_price),
                "discount_percent": str(discount),
                "tax_rate_id": tax_rate_id,
            }
        )
    if errors:
        raise ValidationError({"lines": errors})
    if cleaned:
        total = sum_lines([_line_amounts(line, rates, currency) for line in cleaned], currency)
        if total.total < 0:
            raise ValidationError({"lines": "The lines cannot total less than zero."})
    return cleaned


def _line_amounts(line: dict, rates: dict[int, TaxRate], currency: str):
    rate = rates.get(line["tax_rate_id"]) if line.get("tax_rate_id") else None
    return line_amounts(
        quantity=Decimal(line["quantity"]),
        unit_price=Decimal(line["unit_price"]),
        discount_percent=Decimal(line.get("discount_percent") or "0"),
        tax_percent=rate.percent if rate else ZERO,
        tax_inclusive=rate.inclusive if rate else False,
        currency=currency,
    )


@transaction.atomic
def recurring_schedule_save(
    *,
    workspace: Workspace,
    actor: User,
    schedule: RecurringSchedule | None = None,
    name: str,
    client: Client,
    engagement: Engagement | None = None,
    interval: str = Interval.MONTHLY,
    every: int = 1,
    start_date: dt.date,
    end_date: dt.date | None = None,
    currency: str = "",
    lines: list[dict] | None = None,
    days_until_due: int | None = None,
    auto_finalize: bool = True,
    auto_send: bool = False,
) -> RecurringSchedule:
    """Create or edit a schedule. Its next run is recomputed: the first period after the
    last invoice it made (or its first period), so an edit never makes a period twice."""
    if schedule is not None:
        schedule = RecurringSchedule.objects.select_for_update().get(pk=schedule.pk)
        if schedule.workspace_id != workspace.pk:
            raise ValidationError("Choose one of your schedules.")
    if client.workspace_id != workspace.pk:
        raise ValidationError({"client": "Choose one of your clients."})
    errors: dict[str, str] = {}
    if engagement is not None:
        if engagement.workspace_id != workspace.pk:
            raise ValidationError({"engagement": "Choose one of your engagements."})
        if engagement.client_id != client.pk:
            errors["engagement"] = "This engagement is for another client."
        if currency and currency != engagement.currency:
            errors["currency"] = f"The engagement bills in {engagement.currency}."
        currency = engagement.currency
        lines = []
    currency = currency or client.currency
    if interval not in Interval.values:
        errors["interval"] = "Choose weekly, monthly, quarterly or yearly."
    if not every or every < 1 or every > 52:
        errors["every"] = "Repeat every 1 to 52 intervals."
    if end_date is not None and end_date < start_date:
        errors["end_date"] = "The end date is before the start date."
    if auto_send and not auto_send_available():
        errors["auto_send"] = "Sending invoices by email is not available yet."
    if auto_send and not auto_finalize:
        errors["auto_send"] = "Only finalised invoices can be sent: also finalise automatically."
    if errors:
        raise ValidationError(errors)
    cleaned = _clean_lines(workspace, lines or [], currency) if engagement is None else []
    if engagement is None and not cleaned:
        raise ValidationError({"lines": "Add at least one line, or bill an engagement."})

    created = schedule is None
    schedule = schedule or RecurringSchedule(workspace=workspace)
    schedule.name = name
    schedule.client = client
    schedule.engagement = engagement
    schedule.interval = interval
    schedule.every = every
    schedule.start_date = start_date
    schedule.end_date = end_date
    schedule.currency = currency
    schedule.lines = cleaned
    schedule.days_until_due = days_until_due
    schedule.auto_finalize = auto_finalize
    schedule.auto_send = auto_send
    last = (
        Invoice.objects.filter(schedule=schedule).order_by("-schedule_period").first()
        if not created
        else None
    )
    schedule.next_run = next_period_after(schedule, last.schedule_period) if last else start_date
    schedule.full_clean(exclude=["workspace", "client", "engagement"])
    schedule.save()
    audit_record(
        workspace=workspace,
        actor=actor,
        action="recurring_schedule.create" if created else "recurring_schedule.update",
        obj=schedule,
        next_run=str(schedule.next_run),
    )
    return schedule


@transaction.atomic
def recurring_schedule_pause(
    *, schedule: RecurringSchedule, actor: User, active: bool, today: dt.date | None = None
) -> RecurringSchedule:
    """Pause or resume. Resuming does not bill the periods that passed while paused: the
    next run is the first period from today on."""
    schedule = RecurringSchedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.active == active:
        return schedule
    schedule.active = active
    if active:
        today = today or timezone.localdate()
        if schedule.next_run < today:
            schedule.next_run = next_period_after(schedule, today - dt.timedelta(days=1))
    schedule.save(update_fields=["active", "next_run"])
    audit_record(
        workspace=schedule.workspace,
        actor=actor,
        action="recurring_schedule.resume" if active else "recurring_schedule.pause",
        obj=schedule,
    )
    return schedule


@transaction.atomic
def recurring_schedule_delete(*, schedule: RecurringSchedule, actor: User) -> None:
    """Its invoices stay (their link to the schedule is cleared)."""
    audit_record(
        workspace=schedule.workspace,
        actor=actor,
        action="recurring_schedule.delete",
        obj=schedule,
        name=schedule.name,
    )
    schedule.delete()


# --- Recurring schedules: generating -------------------------------------------------------
@dataclass
class RunResult:
    invoices: list[int] = field(default_factory=list)  # ids made by this run
    finalized: int = 0
    skipped: int = 0  # periods that already had their invoice, or had nothing to bill
    schedules: int = 0

    def add(self, other: RunResult) -> None:
        self.invoices += other.invoices
        self.finalized += other.finalized
        self.skipped += other.skipped
        self.schedules += other.schedules


def _due_date(schedule: RecurringSchedule, issue_date: dt.date) -> dt.date:
    if schedule.days_until_due is not None:
        return issue_date + dt.timedelta(days=schedule.days_until_due)
    return services.due_date_for(schedule.client, schedule.workspace, issue_date)


def _period_note(schedule: RecurringSchedule, start: dt.date) -> str:
    end = period_end(schedule, start)
    return f"{schedule.name}: {start:%d %b %Y} – {end:%d %b %Y}"


def _advance(schedule: RecurringSchedule, done_until: dt.date) -> None:
    """Move next_run past the periods made (or past today), deactivating a finished one."""
    schedule.next_run = next_period_after(schedule, done_until)
    if schedule.end_date is not None and schedule.next_run > schedule.end_date:
        schedule.active = False


def _auto_send(invoice_ids: list[int]) -> None:
    """Send through the delivery module, inside the generating transaction (it emails
    after commit). An invoice that cannot be sent (the client has no address) keeps the
    reason on its timeline instead of failing the run."""
    if not invoice_ids:
        return
    delivery = importlib.import_module("invoicing.delivery")
    for invoice in Invoice.objects.filter(pk__in=invoice_ids).select_related("client"):
        try:
            with transaction.atomic():
                delivery.invoice_send(invoice=invoice, actor=None)
        except ValidationError as exc:
            services.event(invoice, "auto_send_failed", reason=" ".join(exc.messages))


@transaction.atomic
def recurring_schedule_run(
    *, schedule: RecurringSchedule, today: dt.date, actor: User | None = None
) -> RunResult:
    """Make one schedule's due invoices through the ordinary services, one by one (a
    schedule billing an engagement; the fallback of the bulk path; the benchmark's
    baseline). Holds the schedule's row lock; a period that already has its invoice is
    skipped (the unique key stops a stray duplicate)."""
    result = RunResult(schedules=1)
    schedule = (
        RecurringSchedule.objects.select_for_update(of=("self",))
        .select_related("client", "workspace", "engagement")
        .filter(pk=schedule.pk, active=True, next_run__lte=today)
        .first()
    )
    if schedule is None:  # another worker ran it, or it was paused
        return result
    periods = schedule_periods(schedule, today)[:MAX_PERIODS_PER_RUN]
    to_send = []
    for period in periods:
        invoice = _make_one(schedule, period, today, actor, result)
        if invoice is not None and schedule.auto_send and invoice.status != Status.DRAFT:
            to_send.append(invoice.pk)
    _advance(schedule, periods[-1] if periods else today)
    schedule.save(update_fields=["next_run", "active"])
    if schedule.auto_send:
        _auto_send(to_send)
    return result


def _make_one(
    schedule: RecurringSchedule,
    period: dt.date,
    today: dt.date,
    actor: User | None,
    result: RunResult,
) -> Invoice | None:
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                workspace=schedule.workspace,
                client=schedule.client,
                currency=schedule.currency,
                notes=_period_note(schedule, period),
                due_date=_due_date(schedule, today),
                schedule=schedule,
                schedule_period=period,
                created_by=actor,
            )
            services.event(invoice, "created", actor, schedule=schedule.name, period=str(period))
            if schedule.engagement_id:
                # The engagement's unbilled work as of the period's first day: a
                # retainer's fee for this period (in advance), the overage of the last.
                services.invoice_add_unbilled(
                    invoice=invoice,
                    actor=actor,
                    engagement=schedule.engagement,
                    as_of=period,
                )
            else:
                rates = {r.pk: r for r in TaxRate.objects.all()}
                InvoiceLine.objects.bulk_create(
                    _template_lines(schedule, invoice, rates, with_amounts=False)
                )
                services.recalculate(invoice)
            if schedule.auto_finalize:
                invoice = services.invoice_finalize(invoice=invoice, actor=actor, issue_date=today)
                result.finalized += 1
    except IntegrityError:
        result.skipped += 1  # this period's invoice exists already
        return None
    except ValidationError as exc:  # nothing unbilled for the period, already billed…
        result.skipped += 1
        log.info("schedule %s period %s: %s", schedule.pk, period, exc.messages)
        return None
    result.invoices.append(invoice.pk)
    return invoice


def _template_lines(
    schedule: RecurringSchedule,
    invoice: Invoice,
    rates: dict[int, TaxRate],
    *,
    with_amounts: bool,
) -> list[InvoiceLine]:
    built = []
    for position, line in enumerate(schedule.lines, start=1):
        rate = rates.get(line.get("tax_rate_id")) if line.get("tax_rate_id") else None
        row = InvoiceLine(
            workspace_id=schedule.workspace_id,
            invoice=invoice,
            position=position,
            kind=InvoiceLine.Kind.MANUAL,
            description=line["description"],
            quantity=Decimal(line["quantity"]),
            unit_price=Decimal(line["unit_price"]),
            discount_percent=Decimal(line.get("discount_percent") or "0"),
            tax_rate=rate,
            tax_name=rate.name if rate else "",
            tax_percent=rate.percent if rate else ZERO,
            tax_inclusive=rate.inclusive if rate else False,
        )
        if with_amounts:
            a = _line_amounts(line, rates, schedule.currency)
            row.discount_amount, row.net_amount = a.discount, a.net
            row.tax_amount, row.total_amount = a.tax, a.total
        built.append(row)
    return built


def _generate_template_batch(*, workspace: Workspace, today: dt.date) -> RunResult | None:
    """One batch of a workspace's due template schedules, set based, in one transaction:
    lock up to BATCH_SIZE due schedules (skipping those another worker holds), insert
    their invoices and lines with bulk_create, number the finalised ones from one
    reserved block, advance the schedules. None when nothing is left."""
    result = RunResult()
    now = timezone.now()
    with transaction.atomic():
        batch = list(
            RecurringSchedule.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("client")
            .filter(active=True, next_run__lte=today, engagement__isnull=True)
            .order_by("pk")[:BATCH_SIZE]
        )
        if not batch:
            return None
        result.schedules = len(batch)
        wanted = {s.pk: schedule_periods(s, today)[:MAX_PERIODS_PER_RUN] for s in batch}
        existing = set(
            Invoice.objects.filter(
                schedule__in=batch,
                schedule_period__in={p for periods in wanted.values() for p in periods},
            ).values_list("schedule_id", "schedule_period")
        )
        rates = {r.pk: r for r in TaxRate.objects.all()}
        invoices: list[Invoice] = []
        lines_of: list[list[InvoiceLine]] = []
        for schedule in batch:
            schedule.workspace = workspace  # same object for all: no query per schedule
            for period in wanted[schedule.pk]:
                if (schedule.pk, period) in existing:
                    result.skipped += 1
                    continue
                invoice = Invoice(
                    workspace=workspace,
                    client=schedule.client,
                    currency=schedule.currency,
                    notes=_period_note(schedule, period),
                    issue_date=today if schedule.auto_finalize else None,
                    due_date=_due_date(schedule, today),
                    schedule=schedule,
                    schedule_period=period,
                )
                lines = _template_lines(schedule, invoice, rates, with_amounts=True)
                totals = sum_lines(
                    [_line_amounts(x, rates, schedule.currency) for x in schedule.lines],
                    schedule.currency,
                )
                invoice.subtotal, invoice.discount_total = totals.subtotal, totals.discount
                invoice.tax_total, invoice.total = totals.tax, totals.total
                invoices.append(invoice)
                lines_of.append(lines)
        # Numbers in the order of (period, schedule), in the one reserved block.
        final = sorted(
            (inv for inv in invoices if inv.schedule.auto_finalize),
            key=lambda inv: (inv.schedule_period, inv.schedule_id),
        )
        numbers = services.next_numbers(
            workspace=workspace, kind=Invoice.Kind.INVOICE, count=len(final), issue_date=today
        )
        for invoice, number in zip(final, numbers, strict=True):
            invoice.number = number
            invoice.status = Status.OPEN if invoice.total > 0 else Status.PAID
            invoice.snapshot = parties_of(invoice)
            invoice.finalized_at = now
        Invoice.objects.bulk_create(invoices, batch_size=1000)
        InvoiceLine.objects.bulk_create(
            [line for lines in lines_of for line in lines], batch_size=2000
        )
        events, audit = [], []
        for invoice in invoices:
            data = {"schedule": invoice.schedule.name, "period": str(invoice.schedule_period)}
            events.append(
                InvoiceEvent(workspace=workspace, invoice=invoice, kind="created", data=data)
            )
            if invoice.number:
                events.append(
                    InvoiceEvent(
                        workspace=workspace,
                        invoice=invoice,
                        kind="finalized",
                        data={"number": invoice.number},
                    )
                )
            audit.append(
                AuditEntry(
                    workspace=workspace,
                    action="invoice.recurring_create",
                    object_type="invoice",
                    object_id=str(invoice.pk),
                    data={**data, "number": invoice.number, "total": str(invoice.total)},
                )
            )
        InvoiceEvent.objects.bulk_create(events, batch_size=2000)
        AuditEntry.objects.bulk_create(audit, batch_size=2000)
        # One UPDATE per distinct outcome (usually one: the batch's schedules were due
        # together), not a CASE over every row as bulk_update would write.
        advanced: dict[tuple[dt.date, bool], list[int]] = defaultdict(list)
        for schedule in batch:
            periods = wanted[schedule.pk]
            _advance(schedule, periods[-1] if periods else today)
            advanced[(schedule.next_run, schedule.active)].append(schedule.pk)
        for (next_run, active), pks in advanced.items():
            RecurringSchedule.objects.filter(pk__in=pks).update(next_run=next_run, active=active)
        _auto_send([inv.pk for inv in final if inv.schedule.auto_send])
        result.invoices = [inv.pk for inv in invoices]
        result.finalized = len(final)
    return result


def recurring_generate_for_workspace(*, workspace: Workspace, today: dt.date) -> RunResult:
    """Every due schedule of one workspace (call inside its scope)."""
    result = RunResult()
    while True:
        try:
            batch = _generate_template_batch(workspace=workspace, today=today)
        except IntegrityError:
            # A period's invoice appeared outside the schedule's lock: the batch rolled
            # back whole (its numbers with it); make these one at a time, skipping it.
            batch = None
            for schedule in RecurringSchedule.objects.filter(
                active=True, next_run__lte=today, engagement__isnull=True
            ).order_by("pk")[:BATCH_SIZE]:
                result.add(recurring_schedule_run(schedule=schedule, today=today))
            continue
        if batch is None:
            break
        result.add(batch)
    for schedule in RecurringSchedule.objects.filter(
        active=True, next_run__lte=today, engagement__isnull=False
    ).order_by("pk"):
        result.add(recurring_schedule_run(schedule=schedule, today=today))
    return result


def recurring_generate(*, today: dt.date | None = None) -> RunResult:
    """The beat task's body: every workspace with a due schedule (found in one
    cross-tenant query), each handled inside its own scope."""
    from django_scopes import scopes_disabled

    from accounts.tenancy import workspace_scope

    # Each workspace's own date decides which periods are due. The candidate query uses
    # the latest date on Earth (UTC+14) and each workspace then filters by its own.
    horizon = today or (timezone.now() + dt.timedelta(hours=14)).date()
    with scopes_disabled():
        workspace_ids = set(
            RecurringSchedule.objects.filter(active=True, next_run__lte=horizon).values_list(
                "workspace_id", flat=True
            )
        )
        workspaces = list(Workspace.objects.filter(pk__in=workspace_ids).order_by("pk"))
    result = RunResult()
    for workspace in workspaces:
        with workspace_scope(workspace):
            result.add(
                recurring_generate_for_workspace(
                    workspace=workspace, today=today or workspace.today()
                )
            )
    return result
