"""What an invoice decided stays decided: back-dated time cannot change an invoiced retainer
period (nor, through rollover, the periods before it), an invoiced item cannot change,
and no sequence of allowed writes ever makes a live claim disagree with what the
engagement's records now say it is worth."""

import datetime as dt
import random
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from engagements import services
from engagements.billing import retainer_statements, unbilled_items
from engagements.frozen import freeze_of
from engagements.models import BillingClaim, PayModel, TimeEntry
from invoicing import services as invoicing
from tests.engagements.billing_helpers import log, make

H = 60


@pytest.fixture
def retainer(scoped, client_a):
    """10 h included a month, unused hours roll over up to 10 h, 100/h over."""
    return make(
        scoped,
        client_a,
        PayModel.RETAINER,
        start_date=dt.date(2026, 9, 1),
        retainer_fee=D("1000"),
        retainer_included_hours=D("10"),
        retainer_overage_rate=D("100"),
        rollover_cap_hours=D("10"),
        billing_day=1,
    )


def invoice_all(scoped, engagement, as_of, finalize=True):
    invoice = invoicing.invoice_create_draft(
        workspace=scoped.a, actor=scoped.alice, client=engagement.client
    )
    invoicing.invoice_add_unbilled(
        invoice=invoice, actor=scoped.alice, engagement=engagement, as_of=as_of
    )
    if finalize:
        invoice = invoicing.invoice_finalize(invoice=invoice, actor=scoped.alice, issue_date=as_of)
    return invoice


def overage(statements, start):
    return next(s for s in statements if s.period_start == start).overage_minutes


def test_back_dated_time_cannot_change_an_invoiced_overage(scoped, retainer):
    """September: 0 h (10 roll over); October: 25 h → 5 h over, invoiced. Adding 5 h to
    September (which has no claim of its own) would make October 10 h over, and the extra
    5 h would never bill: refused, as is every other change to time up to October's end."""
    september = log(scoped, retainer, dt.date(2026, 9, 10), 2 * H)
    services.time_entry_delete(entry=september, actor=scoped.alice)
    log(scoped, retainer, dt.date(2026, 10, 5), 12 * H)
    october = log(scoped, retainer, dt.date(2026, 10, 12), 13 * H)
    invoice = invoice_all(scoped, retainer, dt.date(2026, 11, 2))
    assert invoice.number == "INV-0001"
    (claim,) = BillingClaim.objects.filter(kind=BillingClaim.Kind.RETAINER_OVERAGE)
    assert (claim.period_start, claim.amount) == (dt.date(2026, 10, 1), D("500.000"))

    with pytest.raises(ValidationError) as refused:
        log(scoped, retainer, dt.date(2026, 9, 20), 5 * H)
    assert refused.value.message_dict["date"] == [
        "This period is already invoiced (INV-0001); void that invoice to change it."
    ]
    november = log(scoped, retainer, dt.date(2026, 11, 5), 3 * H)  # November is open
    for change in (
        {"entry": october, "minutes": 8 * H},  # less time in October
        {"entry": october, "billable": False},
        {"entry": october, "date": dt.date(2026, 11, 6)},  # out of October
        {"entry": november, "date": dt.date(2026, 9, 30)},  # into September
    ):
        with pytest.raises(ValidationError, match=r"already invoiced \(INV-0001\)"):
            services.time_entry_save(engagement=retainer, actor=scoped.alice, **change)
    with pytest.raises(ValidationError, match=r"already invoiced \(INV-0001\)"):
        services.time_entry_delete(entry=october, actor=scoped.alice)
    statements = retainer_statements(retainer, dt.date(2026, 12, 2))
    assert overage(statements, dt.date(2026, 10, 1)) == 5 * H  # as invoiced
    # Voiding the invoice releases the claims, and the period opens again.
    invoicing.invoice_void(invoice=invoice, actor=scoped.alice, reason="redo")
    log(scoped, retainer, dt.date(2026, 9, 20), 5 * H)
    assert overage(retainer_statements(retainer, dt.date(2026, 12, 2)), dt.date(2026, 10, 1)) == (
        10 * H
    )


def test_moving_time_to_another_engagement_is_checked_on_both(scoped, client_a, retainer):
    hourly = make(scoped, client_a, PayModel.HOURLY, hourly_rate=D("100"))
    log(scoped, retainer, dt.date(2026, 10, 5), 12 * H)
    october = log(scoped, retainer, dt.date(2026, 10, 12), 13 * H)
    invoice_all(scoped, retainer, dt.date(2026, 11, 2))
    with pytest.raises(ValidationError, match="already invoiced"):  # leaves a frozen period
        services.time_entry_save(engagement=hourly, actor=scoped.alice, entry=october)
    free = log(scoped, hourly, dt.date(2026, 10, 20), H)
    with pytest.raises(ValidationError, match="already invoiced"):  # enters one
        services.time_entry_save(engagement=retainer, actor=scoped.alice, entry=free)
    assert TimeEntry.objects.get(pk=free.pk).engagement_id == hourly.pk


def test_an_invoiced_item_names_its_invoice(scoped, client_a):
    hourly = make(scoped, client_a, PayModel.HOURLY, hourly_rate=D("100"))
    entry = log(scoped, hourly, dt.date(2026, 10, 12), H)
    draft = invoice_all(scoped, hourly, dt.date(2026, 11, 2), finalize=False)
    with pytest.raises(ValidationError) as refused:
        services.time_entry_save(engagement=hourly, actor=scoped.alice, entry=entry, minutes=5)
    assert refused.value.messages == [
        f"Already invoiced (draft {draft.pk}); remove it from that draft to change it."
    ]
    # Earlier time, with no claim of its own, is free: hourly time has no periods.
    log(scoped, hourly, dt.date(2026, 10, 1), H)


def _claims_hold(engagement, as_of):
    """Every live retainer claim still equals what the records say its item is worth."""
    statements = {s.period_start: s for s in retainer_statements(engagement, as_of)}
    for claim in BillingClaim.objects.filter(engagement=engagement, released_at__isnull=True):
        statement = statements[claim.period_start]
        worth = (
            statement.fee
            if claim.kind == BillingClaim.Kind.RETAINER_FEE
            else statement.overage_amount
        )
        assert claim.amount == worth, (claim.kind, claim.period_start)


@pytest.mark.parametrize("seed", range(8))
def test_no_allowed_write_changes_an_invoiced_period(scoped, retainer, seed):
    """Random time writes, pauses, resumes, ends, reopenings, invoices and voids over
    months, in any order: after each step, every live claim is still worth exactly what
    it claimed."""
    rng = random.Random(seed)
    days = [dt.date(2026, 9, 1) + dt.timedelta(days=n) for n in range(365)]
    invoices: list = []
    done: dict[str, int] = {}

    def write(name: str, today: dt.date) -> None:
        past = [d for d in days if d <= today]
        entries = list(TimeEntry.objects.filter(engagement=retainer))
        taken = [e.date for e in entries] + [freeze_of(retainer).dates_through or days[0]]
        free = [d for d in days if d > max(taken)] or days  # usually allowed, not always
        if name == "log":
            log(scoped, retainer, rng.choice(past), rng.randint(1, 9) * H)
        elif name == "edit" and entries:
            services.time_entry_save(
                engagement=retainer,
                actor=scoped.alice,
                entry=rng.choice(entries),
                minutes=rng.randint(1, 9) * H,
                date=rng.choice(past),
            )
        elif name == "delete" and entries:
            services.time_entry_delete(entry=rng.choice(entries), actor=scoped.alice)
        elif name == "pause":
            services.engagement_pause(engagement=retainer, actor=scoped.alice, on=rng.choice(free))
        elif name == "resume":
            services.engagement_resume(engagement=retainer, actor=scoped.alice, on=rng.choice(days))
        elif name == "end":
            services.engagement_end(engagement=retainer, actor=scoped.alice, on=rng.choice(free))
        elif name == "reopen":
            services.engagement_update(engagement=retainer, actor=scoped.alice, status="active")
        elif name == "invoice" and unbilled_items(retainer, as_of=today):
            invoices.append(invoice_all(scoped, retainer, today))
        elif name == "void" and invoices:
            invoice = invoices.pop(rng.randrange(len(invoices)))
            invoicing.invoice_void(invoice=invoice, actor=scoped.alice, reason="x")
        else:
            return
        done[name] = done.get(name, 0) + 1

    steps = ["log"] * 6 + ["edit", "edit", "delete", "pause", "pause", "resume", "end"]
    steps += ["reopen", "reopen"] + ["invoice"] * 5 + ["void"]
    today = days[0]
    for _ in range(80):
        today += dt.timedelta(days=rng.randint(0, 4))  # about seven months in all
        try:
            write(rng.choice(steps), today)
        except ValidationError:
            done["refused"] = done.get("refused", 0) + 1  # refused: nothing changed
        retainer.refresh_from_db()
        _claims_hold(retainer, days[-1])
    # The property was tried against claims, dated facts and refusals, not easy writes only.
    assert done.get("invoice") and done.get("refused"), done
    assert done.get("pause", 0) + done.get("end", 0), done
