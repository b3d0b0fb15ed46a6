"""The recurring run's COPY path and its fan-out: the rows it writes are the rows the
per-invoice services write (every column, so every ORM default), numbers stay gapless
when two chunks of one workspace run at once, a chunk run twice makes nothing twice, and
a chunk that dies between two COPYs leaves nothing behind (the autouse ledger_check
checks the ledger after each test)."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from accounts.models import AuditEntry
from accounts.tenancy import workspace_scope
from invoicing.models import Invoice, InvoiceEvent, InvoiceLine, NumberSeries, TaxRate
from invoicing.schedule_tasks import recurring_invoices_generate
from invoicing.services import recurring, recurring_copy, recurring_fanout, recurring_runs
from ledger.models import Entry, LedgerTransaction
from tests.factories import ClientFactory, RetainerEngagementFactory
from tests.invoicing.schedule_helpers import RUN_DAY

LINES = [
    {"description": "Support", "quantity": "1", "unit_price": "500"},
    {"description": "Hosting", "quantity": "3", "unit_price": "9.99", "discount_percent": "10"},
]
# Columns that differ between any two invoices by nature: ids, links, numbers, times.
DIFFERENT = {"id", "schedule", "number", "created_at", "finalized_at"}


def _schedule(p, client, **fields):
    return recurring.recurring_schedule_save(
        workspace=p.a,
        actor=p.alice,
        name=fields.pop("name", "Support"),
        client=client,
        start_date=fields.pop("start_date", dt.date(2026, 9, 1)),
        lines=fields.pop("lines", LINES),
        **fields,
    )


def _columns(obj, skip):
    return {
        f.attname: getattr(obj, f.attname)
        for f in type(obj)._meta.concrete_fields
        if f.attname not in skip and f.name not in skip
    }


def test_the_copy_path_writes_what_the_services_write(scoped):
    vat = TaxRate.objects.create(workspace=scoped.a, name="VAT", percent=D("20"))
    client = ClientFactory(workspace=scoped.a, currency="EUR")
    lines = [{**LINES[0], "tax_rate_id": vat.pk}, LINES[1]]
    single, bulk = _schedule(scoped, client, lines=lines), _schedule(scoped, client, lines=lines)
    recurring_runs.recurring_schedule_run(schedule=single, today=RUN_DAY)
    result = recurring_runs.recurring_generate(today=RUN_DAY)
    assert len(result.invoices) == 3 and result.finalized == 3

    def made(s):
        return list(Invoice.objects.filter(schedule=s).order_by("schedule_period"))

    assert len(made(single)) == len(made(bulk)) == 3
    for one, other in zip(made(single), made(bulk), strict=True):
        assert _columns(one, DIFFERENT) == _columns(other, DIFFERENT)
        assert one.finalized_at is not None and other.finalized_at is not None
        skip = {"id", "invoice"}
        assert [_columns(x, skip) for x in one.lines.order_by("position")] == [
            _columns(x, skip) for x in other.lines.order_by("position")
        ]
        assert _ledger(one) == _ledger(other)
        # Timeline and audit as the bulk path has always written them.
        period = str(other.schedule_period)
        assert list(other.events.values_list("kind", "data", "actor_id")) == [
            ("created", {"schedule": "Support", "period": period}, None),
            ("finalized", {"number": other.number}, None),
        ]
        audit = AuditEntry.objects.get(object_type="invoice", object_id=str(other.pk))
        assert (audit.action, audit.actor_id, audit.data) == (
            "invoice.recurring_create",
            None,
            {"schedule": "Support", "period": period, "number": other.number, "total": "626.97"},
        )
    # Numbers: the per-invoice path took 1-3, the COPY path the next block, in order.
    assert [i.number for i in made(bulk)] == ["INV-0004", "INV-0005", "INV-0006"]
    assert made(bulk)[0].total == D("626.97")


def _ledger(invoice):
    """The invoice's ledger transaction and entries, its own id and number masked."""
    doc = f"invoice:{invoice.pk}"
    txn = LedgerTransaction.objects.get(ref=doc)
    entries = Entry.objects.filter(transaction=txn).order_by("pk")
    return (
        txn.kind,
        txn.date,
        txn.memo.replace(invoice.number, "N"),
        txn.reverses_id,
        [
            (e.account.code, e.account.party, e.amount, e.currency, e.document == doc)
            for e in entries.select_related("account")
        ],
    )


def test_a_draft_only_schedule_gets_drafts_with_the_orm_defaults(scoped):
    client = ClientFactory(workspace=scoped.a, currency="EUR")
    s = _schedule(scoped, client, start_date=dt.date(2026, 11, 1), auto_finalize=False)
    recurring_runs.recurring_generate(today=RUN_DAY)
    draft = Invoice.objects.get(schedule=s)
    assert (draft.status, draft.number, draft.snapshot, draft.issue_date) == ("draft", "", {}, None)
    assert (draft.amount_paid, draft.link_version, draft.pdf.name, draft.token_hash) == (
        D("0"),
        0,
        "",
        None,
    )
    assert draft.finalized_at is None and draft.created_at is not None
    assert not LedgerTransaction.objects.exists()
    assert list(draft.events.values_list("kind", flat=True)) == ["created"]


def _many(p, count, **fields):
    with workspace_scope(p.a):
        client = ClientFactory(workspace=p.a, currency="EUR")
        return [_schedule(p, client, name=f"S{n}", **fields) for n in range(count)]


@pytest.mark.django_db(transaction=True)
def test_two_chunks_of_one_workspace_at_once_keep_numbers_gapless(personas, monkeypatch):
    _many(personas, 24)
    monkeypatch.setattr(recurring_runs, "BATCH_SIZE", 4)  # several batches per chunk
    chunks = recurring_fanout.recurring_plan(today=RUN_DAY, chunk_size=6)
    assert len(chunks) == 4
    barrier = threading.Barrier(2)
    errors = []

    def run(mine):
        try:
            barrier.wait()
            for chunk in mine:
                recurring_fanout.recurring_run_chunk(chunk=chunk, today=RUN_DAY)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(chunks[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with workspace_scope(personas.a):
        invoices = list(Invoice.objects.all())
        assert len(invoices) == 24 * 3
        assert len({(i.schedule_id, i.schedule_period) for i in invoices}) == len(invoices)
        numbers = sorted(int(i.number.removeprefix("INV-")) for i in invoices)
        assert numbers == list(range(1, len(invoices) + 1))
        assert LedgerTransaction.objects.count() == len(invoices)


def test_a_chunk_run_twice_makes_nothing_twice(personas):
    made = _many(personas, 5)
    with workspace_scope(personas.a):
        retainer = RetainerEngagementFactory(
            client__workspace=personas.a, start_date=dt.date(2026, 10, 1)
        )
        _schedule(personas, retainer.client, name="Retainer", engagement=retainer, lines=[])
    chunks = recurring_fanout.recurring_plan(today=RUN_DAY, chunk_size=3)
    ws = personas.a.pk
    lo, hi = min(s.pk for s in made), max(s.pk for s in made)
    assert chunks == [
        recurring_fanout.Chunk(ws, lo, made[2].pk),
        recurring_fanout.Chunk(ws, made[3].pk, hi),
        recurring_fanout.Chunk(ws, engagements=True),
    ]
    first = [recurring_fanout.recurring_run_chunk(chunk=c, today=RUN_DAY) for c in chunks]
    assert [len(r.invoices) for r in first] == [9, 6, 2]
    again = [recurring_fanout.recurring_run_chunk(chunk=c, today=RUN_DAY) for c in chunks]
    assert [r.invoices for r in again] == [[], [], []]
    assert recurring_fanout.recurring_plan(today=RUN_DAY) == []
    with workspace_scope(personas.a):
        assert Invoice.objects.count() == 17


def test_a_chunk_that_dies_between_copies_leaves_nothing(personas, monkeypatch):
    schedules = _many(personas, 4)
    real = recurring_copy.CopyTable.write
    calls = []

    def dying(self, rows):
        calls.append(self.model)
        if len(calls) == 4:  # lines, "created" events and invoices are in
            raise RuntimeError("worker lost")
        return real(self, rows)

    monkeypatch.setattr(recurring_copy.CopyTable, "write", dying)
    (chunk,) = recurring_fanout.recurring_plan(today=RUN_DAY)
    with pytest.raises(RuntimeError):
        recurring_fanout.recurring_run_chunk(chunk=chunk, today=RUN_DAY)
    assert calls[:3] == [InvoiceLine, InvoiceEvent, Invoice]
    with scopes_disabled():
        for model in (Invoice, InvoiceLine, InvoiceEvent, LedgerTransaction, Entry):
            assert not model.objects.filter(workspace=personas.a).exists()
        assert not AuditEntry.objects.filter(action="invoice.recurring_create").exists()
        assert not NumberSeries.objects.filter(workspace=personas.a, next_number__gt=1).exists()
        assert {s.next_run for s in type(schedules[0]).objects.filter(workspace=personas.a)} == {
            dt.date(2026, 9, 1)
        }
    monkeypatch.setattr(recurring_copy.CopyTable, "write", real)
    assert len(recurring_fanout.recurring_run_chunk(chunk=chunk, today=RUN_DAY).invoices) == 12
    with workspace_scope(personas.a):
        numbers = sorted(
            int(i.removeprefix("INV-")) for i in Invoice.objects.values_list("number", flat=True)
        )
        assert numbers == list(range(1, 13))


def test_the_beat_task_queues_chunks_through_the_outbox(
    personas, inline_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    from core.models import OutboxMessage

    _many(personas, 5, start_date=dt.date(2026, 11, 1))
    monkeypatch.setattr(recurring_fanout, "CHUNK_SIZE", 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert recurring_invoices_generate() == {"chunks": 3}
    sent = OutboxMessage.objects.filter(task="invoicing.schedule_tasks.recurring_invoices_chunk")
    assert sent.count() == 3 and not sent.filter(sent_at__isnull=True).exists()
    with workspace_scope(personas.a):
        # Each on its workspace's own date (the task passes none): November's and
        # December's periods so far.
        assert Invoice.objects.count() == 5 * len(
            {dt.date(2026, 11, 1), personas.a.today().replace(day=1)}
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert recurring_invoices_generate() == {"chunks": 0}


def test_a_period_made_behind_the_locks_back_falls_back_to_one_by_one(scoped, monkeypatch):
    """COPY's unique violation (schedule, period) is Django's IntegrityError: the batch
    rolls back whole, numbers with it, and its schedules are made one at a time."""
    schedules = _many(scoped, 3, start_date=dt.date(2026, 11, 1))
    real = recurring_runs.copy_batch
    calls = []

    def racing(*, workspace, todo, **kwargs):
        calls.append(len(todo))
        if len(calls) == 1:  # another writer got there between the check and the COPY
            schedule, period = todo[0]
            Invoice.objects.create(
                workspace=workspace,
                client=schedule.client,
                currency="EUR",
                schedule=schedule,
                schedule_period=period,
            )
        return real(workspace=workspace, todo=todo, **kwargs)

    monkeypatch.setattr(recurring_runs, "copy_batch", racing)
    result = recurring_runs.recurring_generate(today=RUN_DAY)
    assert calls == [3] and len(result.invoices) == 3
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        "INV-0001",
        "INV-0002",
        "INV-0003",
    ]
    assert {i.schedule_id for i in Invoice.objects.all()} == {s.pk for s in schedules}
