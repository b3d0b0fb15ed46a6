"""Writing a recurring run's rows with PostgreSQL's COPY instead of ORM inserts.

Why: at 10,000 invoices the ORM's bulk_create spent most of the run building model
instances and quoting every value into INSERT statements; COPY streams plain tuples, which
is what the database's own write speed is measured with (bench/recurring.py's floor).

A `CopyTable` knows a model's columns and the value the ORM would write for each column
the caller leaves out (the field's default, `auto_now_add` as the batch's time), computed
once per batch, so rows written here equal rows `Model.objects.create` would write (a test
compares them). Everything runs on the caller's connection, inside its transaction: a
failure anywhere rolls back every COPY with it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, overload

from django.db import connection
from django.db.models import Field, Model
from psycopg.types.json import Json, Jsonb

from accounts.models import AuditEntry, Workspace
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
from invoicing.postings import document, party
from invoicing.services.invoices import due_date_for
from invoicing.services.numbering import next_numbers
from invoicing.services.recurring import (
    next_period_after,
    period_end,
    schedule_periods,
    template_line_amounts,
)
from invoicing.services.state import Status
from invoicing.totals import Totals, sum_lines
from ledger.posting import Leg, Posting, post_many_copy, reserve_ids


class CopyTable:
    """COPY rows into `model`'s table. `columns` are the attnames the caller gives in each
    row, in order; every other concrete column (but `id`, unless listed) gets its ORM
    default, the same for every row of the batch."""

    def __init__(self, model: type[Model], columns: Sequence[str], *, now: dt.datetime) -> None:
        self.model = model
        by_attname: dict[str, Field[Any, Any]] = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - by_attname.keys()
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        rest = [f for name, f in by_attname.items() if name not in columns and name != "id"]
        self.defaults = tuple(_orm_default(f, now) for f in rest)
        db_columns = [by_attname[name].column for name in columns] + [f.column for f in rest]
        names = ", ".join(connection.ops.quote_name(str(c)) for c in db_columns)
        table = connection.ops.quote_name(model._meta.db_table)
        self.sql = f"COPY {table} ({names}) FROM STDIN"

    def write(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Stream `rows` (values for `columns`, in order); returns how many were written."""
        written = 0
        defaults = self.defaults
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.copy(self.sql) as copy,
        ):
            for row in rows:
                copy.write_row(row + defaults)
                written += 1
        return written


def _orm_default(f: Field[Any, Any], now: dt.datetime) -> Any:
    """What the ORM would write for a field nobody set: `auto_now(_add)` writes the time,
    anything else its default (None for a nullable field without one), prepared for the
    database as `save()` prepares it (a JSON default becomes JSON, a date a date)."""
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        value: Any = now
    else:
        value = f.get_default()
    prepared = f.get_db_prep_save(value, connection)
    if isinstance(prepared, Json | Jsonb):  # dumped once here, not once per row by COPY
        return json.dumps(prepared.obj)
    return prepared


@dataclass
class CopyMade:
    invoices: list[int] = field(default_factory=list)  # every invoice made, in order
    finalized: list[int] = field(default_factory=list)  # those numbered, in number order
    to_send: list[int] = field(default_factory=list)  # finalised ones of auto_send schedules


@dataclass(frozen=True)
class _Priced:
    """A template's lines and totals, computed once per distinct (lines, currency)."""

    lines: tuple[tuple[Any, ...], ...]  # InvoiceLine columns from `position` to `total_amount`
    totals: Totals
    revenue: Decimal  # what the lines earn, net of tax (template lines are all "manual")


@dataclass
class _Draft:
    pk: int
    schedule: RecurringSchedule
    period: dt.date
    priced: _Priced
    number: str = ""


_LINE_COLUMNS = (
    "workspace_id",
    "invoice_id",
    "position",
    "kind",
    "description",
    "quantity",
    "unit_price",
    "discount_percent",
    "tax_rate_id",
    "tax_name",
    "tax_percent",
    "tax_inclusive",
    "discount_amount",
    "net_amount",
    "tax_amount",
    "total_amount",
)
_INVOICE_COLUMNS = (
    "id",
    "workspace_id",
    "client_id",
    "currency",
    "notes",
    "schedule_id",
    "schedule_period",
    "due_date",
    "subtotal",
    "discount_total",
    "tax_total",
    "total",
    "issue_date",
    "number",
    "status",
    "snapshot",
    "finalized_at",
)
_EVENT_COLUMNS = ("workspace_id", "invoice_id", "kind", "data")
_AUDIT_COLUMNS = ("workspace_id", "action", "object_type", "object_id", "data")


def due_date(schedule: RecurringSchedule, issue_date: dt.date) -> dt.date:
    if schedule.days_until_due is not None:
        return issue_date + dt.timedelta(days=schedule.days_until_due)
    return due_date_for(schedule.client, schedule.workspace, issue_date)


def period_note(schedule: RecurringSchedule, start: dt.date) -> str:
    end = period_end(schedule, start)
    return f"{schedule.name}: {format_period(start, end)}"


@dataclass
class RunMemo:
    """What a run computes once and reuses across its schedules and batches: periods and
    their notes depend only on the schedule's calendar fields, a snapshot and a due date
    only on the client (Babel's formatting and the country names were a third of a
    run's time when computed per invoice). Lives for one run of one workspace."""

    periods: dict[tuple[Any, ...], list[dt.date]] = field(default_factory=dict)
    notes: dict[tuple[Any, ...], str] = field(default_factory=dict)
    nexts: dict[tuple[Any, ...], dt.date] = field(default_factory=dict)
    snapshots: dict[int, str] = field(default_factory=dict)
    due: dict[tuple[int, int | None], dt.date] = field(default_factory=dict)

    def due_periods(self, schedule: RecurringSchedule, today: dt.date, limit: int) -> list[dt.date]:
        s = schedule
        key = (s.start_date, s.interval, s.every, s.end_date, s.next_run, today)
        if key not in self.periods:
            self.periods[key] = schedule_periods(s, today)[:limit]
        return self.periods[key]

    def next_after(self, schedule: RecurringSchedule, day: dt.date) -> dt.date:
        key = (schedule.start_date, schedule.interval, schedule.every, day)
        if key not in self.nexts:
            self.nexts[key] = next_period_after(schedule, day)
        return self.nexts[key]

    def note(self, schedule: RecurringSchedule, start: dt.date) -> str:
        key = (schedule.start_date, schedule.interval, schedule.every, start)
        if key not in self.notes:
            end = self.next_after(schedule, start) - dt.timedelta(days=1)
            self.notes[key] = format_period(start, end)
        return f"{schedule.name}: {self.notes[key]}"

    def due_date(self, schedule: RecurringSchedule, today: dt.date) -> dt.date:
        key = (schedule.client_id, schedule.days_until_due)
        if key not in self.due:
            self.due[key] = due_date(schedule, today)
        return self.due[key]

    def snapshot(self, workspace: Workspace, schedule: RecurringSchedule) -> str:
        if schedule.client_id not in self.snapshots:
            shown = Invoice(workspace=workspace, client=schedule.client)
            self.snapshots[schedule.client_id] = json.dumps(parties_of(shown))
        return self.snapshots[schedule.client_id]


def _price(schedule: RecurringSchedule, rates: dict[int, TaxRate]) -> _Priced:
    lines = []
    amounts = []
    for position, line in enumerate(schedule.lines, start=1):
        rate = rates.get(line["tax_rate_id"]) if line.get("tax_rate_id") else None
        a = template_line_amounts(line, rates, schedule.currency)
        amounts.append(a)
        lines.append(
            (
                position,
                InvoiceLine.Kind.MANUAL.value,
                line["description"],
                Decimal(line["quantity"]),
                Decimal(line["unit_price"]),
                Decimal(line.get("discount_percent") or "0"),
                rate.pk if rate else None,
                rate.name if rate else "",
                rate.percent if rate else ZERO,
                rate.inclusive if rate else False,
                a.discount,
                a.net,
                a.tax,
                a.total,
            )
        )
    return _Priced(
        lines=tuple(lines),
        totals=sum_lines(amounts, schedule.currency),
        revenue=sum((a.total - a.tax for a in amounts), ZERO),
    )


def copy_batch(
    *,
    workspace: Workspace,
    todo: Sequence[tuple[RecurringSchedule, dt.date]],
    today: dt.date,
    now: dt.datetime,
    memo: RunMemo,
) -> CopyMade:
    """Make the invoices of `todo` (locked schedules' due periods, none made yet) inside
    the caller's transaction: the same rows the per-invoice services write (fields,
    totals, events, audit entries, ledger postings), numbered in (period, schedule)
    order from one block of the gapless series. Template amounts are computed once per
    distinct template; ids are drawn from the sequences first so rows can name each
    other; every table is written with one COPY."""
    made = CopyMade()
    if not todo:
        return made
    ws = workspace.pk
    rates = {r.pk: r for r in TaxRate.objects.all()}
    priced: dict[tuple[str, str], _Priced] = {}
    drafts = []
    for pk, (schedule, period) in zip(reserve_ids(Invoice, len(todo)), todo, strict=True):
        key = (schedule.currency, repr(schedule.lines))
        if key not in priced:
            priced[key] = _price(schedule, rates)
        drafts.append(_Draft(pk, schedule, period, priced[key]))
    made.invoices = [d.pk for d in drafts]
    # Lines and "created" events first, before the series row is locked: their foreign
    # keys to the invoices (not yet written) are deferred to the commit, as Django makes them.
    CopyTable(InvoiceLine, _LINE_COLUMNS, now=now).write(
        (ws, d.pk, *line) for d in drafts for line in d.priced.lines
    )
    events = CopyTable(InvoiceEvent, _EVENT_COLUMNS, now=now)
    events.write(
        (
            ws,
            d.pk,
            "created",
            json.dumps({"schedule": d.schedule.name, "period": str(d.period)}),
        )
        for d in drafts
    )
    final = sorted(
        (d for d in drafts if d.schedule.auto_finalize),
        key=lambda d: (d.period, d.schedule.pk),
    )
    numbers = next_numbers(
        workspace=workspace, kind=Invoice.Kind.INVOICE, count=len(final), issue_date=today
    )
    for d, number in zip(final, numbers, strict=True):
        d.number = number

    def invoice_row(d: _Draft) -> tuple[Any, ...]:
        s, t = d.schedule, d.priced.totals
        head: tuple[Any, ...] = (ws, s.client_id, s.currency, memo.note(s, d.period), s.pk)
        head += (d.period, memo.due_date(s, today), t.subtotal, t.discount, t.tax, t.total)
        if not d.number:
            return (d.pk, *head, None, "", Status.DRAFT.value, "{}", None)
        status = Status.OPEN.value if t.total > 0 else Status.PAID.value
        return (d.pk, *head, today, d.number, status, memo.snapshot(workspace, s), now)

    CopyTable(Invoice, _INVOICE_COLUMNS, now=now).write(invoice_row(d) for d in drafts)
    events.write((ws, d.pk, "finalized", json.dumps({"number": d.number})) for d in final)
    CopyTable(AuditEntry, _AUDIT_COLUMNS, now=now).write(
        (
            ws,
            "invoice.recurring_create",
            "invoice",
            str(d.pk),
            json.dumps(
                {
                    "schedule": d.schedule.name,
                    "period": str(d.period),
                    "number": d.number,
                    "total": str(d.priced.totals.total),
                }
            ),
        )
        for d in drafts
    )
    # What the finalised ones earned and are owed: the postings of
    # invoicing.postings._finalize_posting, from the computed amounts.
    post_many_copy(workspace=workspace, postings=[_posting(d, today) for d in final])
    made.finalized = [d.pk for d in final]
    made.to_send = [d.pk for d in final if d.schedule.auto_send]
    opened = [d for d in final if d.priced.totals.total > 0]
    # Apps above (payments: auto-charge of saved cards) act on them in this transaction.
    recurring_finalized(workspace, _LazyInvoices(workspace, opened, today))
    return made


def _posting(d: _Draft, today: dt.date) -> Posting:
    s, t = d.schedule, d.priced.totals
    doc = document(d.pk)
    return Posting(
        kind="invoice.finalize",
        on=today,
        legs=(
            Leg("receivable", t.total, s.currency, party(s.client_id), doc),
            Leg("tax_payable", -t.tax, s.currency),
            Leg("revenue", -d.priced.revenue, s.currency),
        ),
        ref=doc,
        memo=f"Invoice {d.number}",
    )


class _LazyInvoices(SequenceABC[Invoice]):
    """The finalised open invoices as unsaved-looking `Invoice` objects (the fields this
    run set), built only when a hook reads them: a workspace that takes no cards never
    pays for 10,000 model instances."""

    def __init__(self, workspace: Workspace, drafts: list[_Draft], today: dt.date) -> None:
        self._workspace, self._drafts, self._today = workspace, drafts, today

    def __len__(self) -> int:
        return len(self._drafts)

    @overload
    def __getitem__(self, index: int) -> Invoice: ...
    @overload
    def __getitem__(self, index: slice) -> list[Invoice]: ...
    def __getitem__(self, index: int | slice) -> Invoice | list[Invoice]:
        if isinstance(index, slice):
            return [self._make(d) for d in self._drafts[index]]
        return self._make(self._drafts[index])

    def _make(self, d: _Draft) -> Invoice:
        t = d.priced.totals
        invoice = Invoice(
            id=d.pk,
            workspace=self._workspace,
            client=d.schedule.client,
            currency=d.schedule.currency,
            schedule=d.schedule,
            schedule_period=d.period,
            number=d.number,
            status=Status.OPEN,
            issue_date=self._today,
            subtotal=t.subtotal,
            discount_total=t.discount,
            tax_total=t.tax,
            total=t.total,
        )
        invoice._state.adding = False  # it is in the database (this transaction's)
        return invoice
