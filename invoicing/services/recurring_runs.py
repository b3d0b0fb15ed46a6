"""Recurring schedules: making the invoices of their due periods.

- A schedule makes at most one invoice per period: the generating transaction holds the
  schedule's row lock (other workers skip locked schedules), re-reads what already
  exists, and the unique (schedule, schedule_period) constraint is the backstop.
- Numbers of invoices finalised in bulk are reserved in one locked update of the series
  row, in the transaction that inserts the invoices: gapless (a rollback returns them).
- Template schedules are made in batches whose rows are written with COPY
  (invoicing.services.recurring_copy): at 10,000 invoices, ORM inserts spent most of the
  run building instances and quoting values. Schedules billing an engagement go one by
  one through the ordinary services (`recurring_schedule_run`).
- The beat task fans the work out as chunks of schedule ids, one Celery task each
  (invoicing.services.recurring_fanout); `recurring_generate` does it all in-process."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User, Workspace
from core.money import ZERO
from engagements.models import Client
from invoicing.hooks import recurring_finalized
from invoicing.models import (
    Invoice,
    InvoiceLine,
    RecurringSchedule,
    TaxRate,
)
from invoicing.services.drafts import invoice_add_unbilled, recalculate
from invoicing.services.events import event
from invoicing.services.invoices import invoice_finalize
from invoicing.services.recurring import (
    schedule_periods,
)
from invoicing.services.recurring_copy import RunMemo, copy_batch, due_date, period_note
from invoicing.services.state import Status

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


def _advance(schedule: RecurringSchedule, done_until: dt.date, memo: RunMemo | None = None) -> None:
    """Move next_run past the periods made (or past today), deactivating a finished one."""
    schedule.next_run = (memo or RunMemo()).next_after(schedule, done_until)
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
                notes=period_note(schedule, period),
                due_date=due_date(schedule, today),
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
                InvoiceLine.objects.bulk_create(_template_lines(schedule, invoice, rates))
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


def _template_lines(
    schedule: RecurringSchedule,
    invoice: Invoice,
    rates: dict[int, TaxRate],
) -> list[InvoiceLine]:
    """A draft's lines from the template (amounts follow in `recalculate`)."""
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
        built.append(row)
    return built


def _generate_template_batch(
    *,
    workspace: Workspace,
    today: dt.date,
    pks: tuple[int, int] | None = None,
    memo: RunMemo | None = None,
) -> RunResult | None:
    """One batch of a workspace's due template schedules (those with pk in `pks`, if
    given), set based, in one transaction: lock up to BATCH_SIZE due schedules (skipping
    those another worker holds), compute their invoices in one pass, write invoices,
    lines, events, audit entries and ledger postings with COPY, number the finalised ones
    from one reserved block, advance the schedules. None when nothing is left.

    The series row is locked as late as possible (after the lines and "created" events
    are written): two chunks of one workspace queue on it until the first commits, so
    what comes before it runs in parallel."""
    result = RunResult()
    now = timezone.now()
    memo = memo or RunMemo()
    with transaction.atomic():
        due = RecurringSchedule.objects.filter(
            active=True, next_run__lte=today, engagement__isnull=True
        )
        if pks is not None:
            due = due.filter(pk__gte=pks[0], pk__lte=pks[1])
        batch = list(
            due.select_for_update(skip_locked=True, of=("self",)).order_by("pk")[:BATCH_SIZE]
        )
        if not batch:
            return None
        result.schedules = len(batch)
        # Each client once (select_related would build one instance per schedule).
        clients = Client.objects.in_bulk({s.client_id for s in batch})
        wanted = {s.pk: memo.due_periods(s, today, MAX_PERIODS_PER_RUN) for s in batch}
        existing = set(
            Invoice.objects.filter(
                schedule__in=batch,
                schedule_period__in={p for periods in wanted.values() for p in periods},
            ).values_list("schedule_id", "schedule_period")
        )
        todo = []
        for schedule in batch:
            schedule.workspace = workspace  # same object for all: no query per schedule
            schedule.client = clients[schedule.client_id]
            for period in wanted[schedule.pk]:
                if (schedule.pk, period) in existing:
                    result.skipped += 1
                else:
                    todo.append((schedule, period))
        made = copy_batch(workspace=workspace, todo=todo, today=today, now=now, memo=memo)
        # One UPDATE per distinct outcome (usually one: the batch's schedules were due
        # together), not a CASE over every row as bulk_update would write.
        advanced: dict[tuple[dt.date, bool], list[int]] = defaultdict(list)
        for schedule in batch:
            periods = wanted[schedule.pk]
            _advance(schedule, periods[-1] if periods else today, memo)
            advanced[(schedule.next_run, schedule.active)].append(schedule.pk)
        for (next_run, active), pks_ in advanced.items():
            RecurringSchedule.objects.filter(pk__in=pks_).update(next_run=next_run, active=active)
        _auto_send(made.to_send)
        result.invoices = made.invoices
        result.finalized = len(made.finalized)
    return result


def recurring_generate_for_workspace(
    *,
    workspace: Workspace,
    today: dt.date,
    pks: tuple[int, int] | None = None,
    templates: bool = True,
    engagements: bool = True,
) -> RunResult:
    """Every due template schedule of one workspace (with pk in `pks`, if given: one
    chunk of the fan-out), batch by batch, each batch its own transaction; then, if
    `engagements`, its due engagement schedules one by one. Call inside its scope."""
    result = RunResult()
    memo = RunMemo()
    while templates:
        try:
            batch = _generate_template_batch(workspace=workspace, today=today, pks=pks, memo=memo)
        except IntegrityError:
            # A period's invoice appeared outside the schedule's lock: the batch rolled
            # back whole (its numbers with it); make these one at a time, skipping it.
            batch = None
            due = RecurringSchedule.objects.filter(
                active=True, next_run__lte=today, engagement__isnull=True
            )
            if pks is not None:
                due = due.filter(pk__gte=pks[0], pk__lte=pks[1])
            for schedule in due.order_by("pk")[:BATCH_SIZE]:
                result.add(recurring_schedule_run(schedule=schedule, today=today))
            continue
        if batch is None:
            break
        result.add(batch)
    if engagements:
        for schedule in RecurringSchedule.objects.filter(
            active=True, next_run__lte=today, engagement__isnull=False
        ).order_by("pk"):
            result.add(recurring_schedule_run(schedule=schedule, today=today))
    return result


def due_horizon(today: dt.date | None) -> dt.date:
    # Each workspace's own date decides which periods are due. The candidate query uses
    # the latest date on Earth (UTC+14) and each workspace then filters by its own.
    return today or (timezone.now() + dt.timedelta(hours=14)).date()


def recurring_generate(*, today: dt.date | None = None) -> RunResult:
    """Every workspace's due schedules, here, one workspace after another (found in one
    cross-tenant query), each inside its own scope. The beat task fans the same work out
    as chunks instead (`recurring_plan`, `recurring_run_chunk`)."""
    from django_scopes import scopes_disabled

    from accounts.tenancy import workspace_scope

    with scopes_disabled():
        workspace_ids = set(
            RecurringSchedule.objects.filter(
                active=True, next_run__lte=due_horizon(today)
            ).values_list("workspace_id", flat=True)
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
