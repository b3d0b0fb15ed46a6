"""Recurring schedules: making the invoices of their due periods.

- A schedule makes at most one invoice per period: the generating transaction holds the
  schedule's row lock (other workers skip locked schedules), re-reads what already
  exists, and the unique (schedule, schedule_period) constraint is the backstop.
- Numbers of invoices finalised in bulk are reserved in one locked update of the series
  row, in the transaction that inserts the invoices: gapless (a rollback returns them)."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditEntry, User, Workspace
from core.dates import format_period
from core.money import ZERO
from invoicing.hooks import recurring_finalized
from invoicing.models import (
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    RecurringSchedule,
    TaxRate,
    parties_of,
)
from invoicing.postings import invoices_finalized_postings
from invoicing.services.drafts import invoice_add_unbilled, recalculate
from invoicing.services.events import event
from invoicing.services.invoices import due_date_for, invoice_finalize
from invoicing.services.numbering import next_numbers
from invoicing.services.recurring import (
    next_period_after,
    period_end,
    schedule_periods,
    template_line_amounts,
)
from invoicing.services.state import Status
from invoicing.totals import sum_lines
from ledger.posting import post_many

log = logging.getLogger(__name__)

# A schedule left unattended for years catches up in slices, so one run stays bounded.
MAX_PERIODS_PER_RUN = 36
BATCH_SIZE = 500


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
    return due_date_for(schedule.client, schedule.workspace, issue_date)


def _period_note(schedule: RecurringSchedule, start: dt.date) -> str:
    end = period_end(schedule, start)
    return f"{schedule.name}: {format_period(start, end)}"


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
            event(invoice, "auto_send_failed", data={"reason": " ".join(exc.messages)})


@transaction.atomic
def recurring_schedule_run(
    *, schedule: RecurringSchedule, today: dt.date, actor: User | None = None
) -> RunResult:
    """Make one schedule's due invoices through the ordinary services, one by one (a
    schedule billing an engagement; the fallback of the bulk path; the benchmark's
    baseline). Holds the schedule's row lock; a period that already has its invoice is
    skipped (the unique key stops a stray duplicate)."""
    result = RunResult(schedules=1)
    locked: RecurringSchedule | None = (
        RecurringSchedule.objects.select_for_update(of=("self",))
        .select_related("client", "workspace", "engagement")
        .filter(pk=schedule.pk, active=True, next_run__lte=today)
        .first()
    )
    if locked is None:  # another worker ran it, or it was paused
        return result
    schedule = locked
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
    # Apps above (payments: auto-charge of saved cards) act on the open ones, here too:
    # schedules billing an engagement (a retainer) are made by this path.
    recurring_finalized(
        schedule.workspace,
        list(Invoice.objects.filter(pk__in=result.invoices, status=Status.OPEN)),
    )
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
            event(
                invoice,
                "created",
                actor,
                data={"schedule": schedule.name, "period": str(period)},
            )
            if schedule.engagement_id and schedule.engagement is not None:
                # The engagement's unbilled work as of the period's first day: a
                # retainer's fee for this period (in advance), the overage of the last.
                invoice_add_unbilled(
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
                recalculate(invoice)
            if schedule.auto_finalize:
                invoice = invoice_finalize(invoice=invoice, actor=actor, issue_date=today)
                result.finalized += 1
    except IntegrityError:
        result.skipped += 1  # this period's invoice exists already
        return None
    except ValidationError as exc:  # nothing unbilled for the period, already billed…
        result.skipped += 1
        log.info("schedule %s period %s: %s", schedule.pk, period, exc.messages)
        return None
    result.invoices.append(invoice.pk)
    made: Invoice = invoice
    return made


def _schedule_of(invoice: Invoice) -> RecurringSchedule:
    """The schedule of an invoice this module built (always set: it is how it was made)."""
    return cast(RecurringSchedule, invoice.schedule)


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
            a = template_line_amounts(line, rates, schedule.currency)
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
                    [template_line_amounts(x, rates, schedule.currency) for x in schedule.lines],
                    schedule.currency,
                )
                invoice.subtotal, invoice.discount_total = totals.subtotal, totals.discount
                invoice.tax_total, invoice.total = totals.tax, totals.total
                invoices.append(invoice)
                lines_of.append(lines)
        # Numbers in the order of (period, schedule), in the one reserved block.
        final = sorted(
            (inv for inv in invoices if _schedule_of(inv).auto_finalize),
            key=lambda inv: (inv.schedule_period, inv.schedule_id),
        )
        numbers = next_numbers(
            workspace=workspace, kind=Invoice.Kind.INVOICE, count=len(final), issue_date=today
        )
        for invoice, number in zip(final, numbers, strict=True):
            invoice.number = number
            invoice.status = Status.OPEN if invoice.total > 0 else Status.PAID
            invoice.snapshot = parties_of(invoice)
            invoice.finalized_at = now
        Invoice.objects.bulk_create(invoices, batch_size=1000)
        all_lines = [line for lines in lines_of for line in lines]
        InvoiceLine.objects.bulk_create(all_lines, batch_size=2000)
        # What the finalised ones earned and are owed, posted set based like the rest.
        post_many(workspace=workspace, postings=invoices_finalized_postings(final, all_lines))
        # Apps above (payments: auto-charge of saved cards) act on them in this transaction.
        recurring_finalized(workspace, [inv for inv in final if inv.status == Status.OPEN])
        events, audit = [], []
        for invoice in invoices:
            data = {"schedule": _schedule_of(invoice).name, "period": str(invoice.schedule_period)}
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
        _auto_send([inv.pk for inv in final if _schedule_of(inv).auto_send])
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
