"""A line bills exactly what its claims say: a line built from unbilled work carries the sum
of its items' amounts (the amounts its BillingClaims record), not a price recomputed from
its rounded quantity, and the benefits contribution is computed on that same sum."""

import datetime as dt
import random
import threading
import time
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.tenancy import workspace_scope
from core.money import minutes_amount, quantize
from engagements import services as work
from engagements.models import BillingClaim, PayModel
from invoicing import services
from invoicing.models import Invoice, InvoiceLine
from tests.factories import ClientFactory

TODAY = dt.date(2026, 11, 24)


def engagement(p, currency="USD", **terms):
    terms.setdefault("pay_model", PayModel.HOURLY)
    terms.setdefault("start_date", dt.date(2026, 1, 1))
    client = ClientFactory(workspace=p.a, currency=currency)
    return work.engagement_create(workspace=p.a, actor=p.alice, client=client, name="Work", **terms)


def bill(p, on, as_of=TODAY):
    invoice = services.invoice_create_draft(workspace=p.a, actor=p.alice, client=on.client)
    services.invoice_add_unbilled(invoice=invoice, actor=p.alice, engagement=on, as_of=as_of)
    invoice.refresh_from_db()
    return invoice


def claimed(invoice, line):
    """The live claims behind one line, by the sources it records."""
    amounts = {
        (c.kind, str(c.source_id or c.period_start)): c.amount
        for c in BillingClaim.objects.filter(
            claimed_for=invoice.claim_ref, released_at__isnull=True
        )
    }
    return [amounts[(kind, key)] for kind, key in line.sources]


def work_lines(invoice):
    return list(invoice.lines.filter(kind=InvoiceLine.Kind.WORK))


def test_seven_minutes_of_overage_bill_what_the_claim_says(scoped):
    """7 minutes over at 150/h is 17.50; 0.12 h × 150 (18.00) is not what was claimed."""
    retainer = engagement(
        scoped,
        pay_model=PayModel.RETAINER,
        start_date=dt.date(2026, 10, 1),
        retainer_fee=D("1000"),
        retainer_included_hours=D("1"),
        retainer_overage_rate=D("150"),
        billing_day=1,
    )
    work.time_entry_save(
        engagement=retainer, actor=scoped.alice, date=dt.date(2026, 10, 5), minutes=67
    )
    invoice = bill(scoped, retainer)
    (overage,) = [ln for ln in work_lines(invoice) if ln.sources[0][0] == "retainer_overage"]
    assert claimed(invoice, overage) == [D("17.50")]
    assert overage.net_amount == D("17.50")
    assert overage.quantity == D("0.1167")  # hours as shown, to 4 places


def test_the_recurring_run_bills_what_it_claims(scoped):
    """A schedule tied to a retainer goes through the same one read under the lock."""
    from invoicing.services import recurring, recurring_runs

    retainer = engagement(
        scoped,
        pay_model=PayModel.RETAINER,
        start_date=dt.date(2026, 10, 1),
        retainer_fee=D("1000"),
        retainer_included_hours=D("1"),
        retainer_overage_rate=D("150"),
        billing_day=1,
    )
    work.time_entry_save(
        engagement=retainer, actor=scoped.alice, date=dt.date(2026, 10, 5), minutes=67
    )
    recurring.recurring_schedule_save(
        workspace=scoped.a,
        actor=scoped.alice,
        name="Retainer",
        client=retainer.client,
        engagement=retainer,
        start_date=dt.date(2026, 10, 1),
    )
    made = recurring_runs.recurring_generate(today=dt.date(2026, 11, 2)).invoices
    assert len(made) == 2
    lines = [
        (invoice, line)
        for invoice in Invoice.objects.filter(pk__in=made)
        for line in work_lines(invoice)
    ]
    assert sorted(line.net_amount for _, line in lines) == [D("17.50"), D("1000.00"), D("1000.00")]
    assert all(sum(claimed(invoice, line)) == line.net_amount for invoice, line in lines)


def test_seven_minutes_at_a_thousand_an_hour(scoped):
    hourly = engagement(scoped, hourly_rate=D("1000"))
    work.time_entry_save(
        engagement=hourly, actor=scoped.alice, date=dt.date(2026, 11, 2), minutes=7
    )
    invoice = bill(scoped, hourly)
    (line,) = work_lines(invoice)
    assert claimed(invoice, line) == [D("116.67")]
    assert line.net_amount == D("116.67") and invoice.total == D("116.67")


def test_three_twenty_minute_entries_line_claims_and_benefits_agree(scoped):
    """An hour at 100/h is 100.00, rounded once for the line; its three claims share it
    (33.33 + 33.34 + 33.33) rather than each rounding to 33.33 and losing a cent, and
    the benefits contribution is computed on the same 100.00."""
    hourly = engagement(scoped, hourly_rate=D("100"), benefits_contribution_percent=D("10"))
    for day in (2, 3, 4):
        work.time_entry_save(
            engagement=hourly, actor=scoped.alice, date=dt.date(2026, 11, day), minutes=20
        )
    invoice = bill(scoped, hourly)
    (line,) = work_lines(invoice)
    assert sum(claimed(invoice, line)) == line.net_amount == D("100.00")
    benefits = invoice.lines.get(kind=InvoiceLine.Kind.BENEFITS)
    assert benefits.net_amount == D("10.00")
    assert "of $100.00 for" in benefits.description


def test_a_discount_applies_to_the_claimed_amount(scoped):
    hourly = engagement(scoped, hourly_rate=D("1000"))
    work.time_entry_save(
        engagement=hourly, actor=scoped.alice, date=dt.date(2026, 11, 2), minutes=7
    )
    invoice = bill(scoped, hourly)
    (line,) = work_lines(invoice)
    line = services.invoice_line_save(
        invoice=invoice, actor=scoped.alice, line=line, discount_percent=D("10")
    )
    assert (line.discount_amount, line.net_amount) == (D("11.67"), D("105.00"))
    # A sourced line keeps the quantity and price its claims decided.
    with pytest.raises(ValidationError):
        services.invoice_line_save(invoice=invoice, actor=scoped.alice, line=line, quantity=D("2"))


@pytest.mark.parametrize("seed", range(12))
def test_every_work_line_equals_its_claims(scoped, seed):
    """Random time in JPY, USD and KWD at awkward rates: each work line's amount before
    discount is the sum of its claims to the minor unit, the time of one line is its
    minutes × rate rounded once, and the benefits base is the sum of the claims."""
    rng = random.Random(seed)
    currency = rng.choice(["JPY", "USD", "KWD"])
    rate = D(rng.randint(1, 400_000)) / D(rng.choice([1, 10, 100, 1000, 10000]))
    percent = D(rng.randint(1, 1500)) / 100
    hourly = engagement(
        scoped, currency=currency, hourly_rate=rate, benefits_contribution_percent=percent
    )
    minutes = [rng.randint(1, 600) for _ in range(rng.randint(1, 9))]
    for n, m in enumerate(minutes):
        work.time_entry_save(
            engagement=hourly, actor=scoped.alice, date=dt.date(2026, 11, 1 + n), minutes=m
        )
    invoice = bill(scoped, hourly)
    (line,) = work_lines(invoice)
    claims = claimed(invoice, line)
    assert len(claims) == len(minutes)
    assert all(quantize(c, currency) == c for c in claims)
    assert line.net_amount == sum(claims) == minutes_amount(sum(minutes), rate, currency)
    benefits = invoice.lines.get(kind=InvoiceLine.Kind.BENEFITS)
    assert benefits.unit_price == quantize(sum(claims) * percent / 100, currency)
    assert invoice.total == line.net_amount + benefits.net_amount


# --- One read under the lock (defect 6) -------------------------------------------------------
def _lock_waiters() -> int:
    """Backends of this database waiting for a lock right now (the snapshot of
    pg_stat_activity is cleared first: inside a transaction it would stay as first read)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_time_edit_racing_add_unbilled_cannot_split_line_and_claim(personas, monkeypatch):
    """The invoice reads the unbilled time, then a concurrent edit changes an entry's
    minutes before the claims are written. The line and its claim must still agree with
    each other and with the entry: the edit waits for the engagement lock the invoice
    holds, then is refused because the entry is invoiced."""
    from invoicing.services import drafts

    with workspace_scope(personas.a):
        hourly = engagement(personas, hourly_rate=D("100"))
        entry = work.time_entry_save(
            engagement=hourly, actor=personas.alice, date=dt.date(2026, 11, 2), minutes=60
        )
        invoice = services.invoice_create_draft(
            workspace=personas.a, actor=personas.alice, client=hourly.client
        )

    read_done, edit_done = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}
    real_read = drafts.unbilled_items

    def read_then_let_the_edit_run(*args, **kwargs):
        items = real_read(*args, **kwargs)
        read_done.set()
        # Give the edit its chance: it either commits, or queues behind our lock.
        deadline = time.monotonic() + 10
        while not edit_done.is_set() and _lock_waiters() == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        return items

    monkeypatch.setattr(drafts, "unbilled_items", read_then_let_the_edit_run)

    def invoice_it():
        try:
            with workspace_scope(personas.a):
                services.invoice_add_unbilled(
                    invoice=invoice, actor=personas.alice, engagement=hourly, as_of=TODAY
                )
            outcomes["invoice"] = "billed"
        except ValidationError as exc:
            outcomes["invoice"] = exc.messages
        finally:
            connection.close()

    def edit_it():
        read_done.wait(10)
        try:
            with workspace_scope(personas.a):
                work.time_entry_save(
                    engagement=hourly, actor=personas.alice, entry=entry, minutes=90
                )
            outcomes["edit"] = "saved"
        except ValidationError as exc:
            outcomes["edit"] = exc.messages
        finally:
            edit_done.set()
            connection.close()

    threads = [threading.Thread(target=invoice_it), threading.Thread(target=edit_it)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes["invoice"] == "billed"
    assert outcomes["edit"] != "saved"  # refused: by then the entry was invoiced
    with workspace_scope(personas.a):
        entry.refresh_from_db()
        invoice.refresh_from_db()
        (line,) = work_lines(invoice)
        assert entry.minutes == 60
        assert claimed(invoice, line) == [D("100.00")] and line.net_amount == D("100.00")


def test_the_benefits_contribution_follows_the_work_left_on_the_draft(scoped):
    """Removing a work line left the contribution computed on work no longer billed; two
    batches of work added two contribution lines. One line, on the work that stays."""
    hourly = engagement(scoped, hourly_rate=D("100"), benefits_contribution_percent=D("10"))
    work.time_entry_save(
        engagement=hourly, actor=scoped.alice, date=dt.date(2026, 11, 2), minutes=60
    )
    invoice = bill(scoped, hourly, as_of=dt.date(2026, 11, 2))
    work.time_entry_save(
        engagement=hourly, actor=scoped.alice, date=dt.date(2026, 11, 3), minutes=120
    )
    services.invoice_add_unbilled(
        invoice=invoice, actor=scoped.alice, engagement=hourly, as_of=dt.date(2026, 11, 3)
    )
    (benefits,) = invoice.lines.filter(kind=InvoiceLine.Kind.BENEFITS)
    assert benefits.net_amount == D("30.00") and "of $300.00 for" in benefits.description
    first = work_lines(invoice)[0]
    services.invoice_line_delete(line=first, actor=scoped.alice)
    (benefits,) = invoice.lines.filter(kind=InvoiceLine.Kind.BENEFITS)
    left = sum(line.net_amount for line in work_lines(invoice))
    assert benefits.net_amount == quantize(left / 10, "USD")
    # The last work line gone: no contribution on nothing.
    services.invoice_line_delete(line=work_lines(invoice)[0], actor=scoped.alice)
    assert not invoice.lines.exists()
    assert Invoice.objects.get(pk=invoice.pk).total == 0
