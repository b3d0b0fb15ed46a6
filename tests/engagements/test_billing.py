"""Pay-model arithmetic and the unbilled service: Decimal all the way, rounded once per
currency; retainer rollover with cap and expiry; nothing billable missed; nothing billed
twice, also under concurrency."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.tenancy import workspace_scope
from core.money import minutes_amount, quantize
from engagements import services
from engagements.billing import (
    retainer_periods,
    retainer_statements,
    revenue_share_amount,
    unbilled_items,
    unbilled_total,
)
from engagements.models import BillingClaim, EngagementStatus, Milestone, PayModel
from tests.factories import ClientFactory

TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def scoped(personas):
    with workspace_scope(personas.a):
        yield personas


@pytest.fixture
def client_a(scoped):
    return ClientFactory(workspace=scoped.a, currency="USD")


def make(scoped, client, pay_model, **terms):
    terms.setdefault("start_date", dt.date(2026, 1, 1))
    terms.setdefault("name", f"{pay_model} work")
    return services.engagement_create(
        workspace=scoped.a, actor=scoped.alice, client=client, pay_model=pay_model, **terms
    )


def log(scoped, engagement, day, minutes, billable=True):
    return services.time_entry_save(
        engagement=engagement, actor=scoped.alice, date=day, minutes=minutes, billable=billable
    )


# --- Money ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (D("10.005"), "USD", D("10.01")),
        (D("10.004"), "EUR", D("10.00")),
        (D("1234.5"), "JPY", D("1235")),
        (D("1234.4"), "JPY", D("1234")),
        (D("1.2345"), "KWD", D("1.235")),
        (D("1.2344"), "KWD", D("1.234")),
    ],
)
def test_quantize_rounds_half_up_to_the_currency_minor_unit(amount, currency, expected):
    assert quantize(amount, currency) == expected
    assert str(quantize(amount, currency)) == str(expected)


def test_money_refuses_float():
    with pytest.raises(TypeError):
        quantize(10.5, "USD")


def test_time_amount_is_rounded_once_not_per_entry():
    # 3 × 20 min at 100/h: per-entry rounding gives 3 × 33.33 = 99.99; once gives 100.00.
    assert minutes_amount(60, D("100"), "USD") == D("100.00")
    assert minutes_amount(20, D("100"), "USD") == D("33.33")
    assert minutes_amount(20, D("99.99"), "JPY") == D("33")
    assert minutes_amount(7, D("12.345"), "KWD") == D("1.440")


# --- Engagement terms ----------------------------------------------------------------------
def test_each_pay_model_requires_its_terms(scoped, client_a):
    with pytest.raises(ValidationError) as hourly:
        make(scoped, client_a, PayModel.HOURLY)
    assert set(hourly.value.message_dict) == {"hourly_rate"}
    with pytest.raises(ValidationError) as retainer:
        make(scoped, client_a, PayModel.RETAINER, retainer_fee=D("1000"))
    assert set(retainer.value.message_dict) == {
        "retainer_included_hours",
        "retainer_overage_rate",
        "billing_day",
    }
    with pytest.raises(ValidationError) as share:
        make(scoped, client_a, PayModel.REVENUE_SHARE)
    assert set(share.value.message_dict) == {"revenue_share_percent", "revenue_period"}


def test_currency_defaults_to_the_clients(scoped):
    eur_client = ClientFactory(workspace=scoped.a, currency="EUR")
    engagement = make(scoped, eur_client, PayModel.FIXED_FEE)
    assert engagement.currency == "EUR"


def test_end_before_start_and_cap_below_floor_are_field_errors(scoped, client_a):
    with pytest.raises(ValidationError):
        make(scoped, client_a, PayModel.FIXED_FEE, end_date=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError):
        make(
            scoped,
            client_a,
            PayModel.REVENUE_SHARE,
            revenue_share_percent=D("10"),
            revenue_period="monthly",
            revenue_share_floor=D("500"),
            revenue_share_cap=D("100"),
        )


def test_another_workspaces_client_is_refused(scoped):
    theirs = ClientFactory(workspace=scoped.b)
    with pytest.raises(ValidationError):
        services.engagement_create(
            workspace=scoped.a,
            actor=scoped.alice,
            client=theirs,
            pay_model=PayModel.FIXED_FEE,
            name="x",
            start_date=TODAY,
        )


# --- Hourly --------------------------------------------------------------------------------
def test_hourly_unbilled_time(scoped, client_a):
    hourly = make(scoped, client_a, PayModel.HOURLY, hourly_rate=D("150"), weekly_hour_cap=D("10"))
    log(scoped, hourly, dt.date(2026, 11, 2), 90)
    log(scoped, hourly, dt.date(2026, 11, 3), 25)
    log(scoped, hourly, dt.date(2026, 11, 4), 60, billable=False)
    items = unbilled_items(hourly, as_of=TODAY)
    assert [(i.minutes, i.amount) for i in items] == [(90, D("225.00")), (25, D("62.50"))]
    assert unbilled_total(items, "USD") == D("287.50")


def test_weekly_cap_warning(scoped, client_a):
    hourly = make(scoped, client_a, PayModel.HOURLY, hourly_rate=D("100"), weekly_hour_cap=D("2"))
    log(scoped, hourly, dt.date(2026, 11, 16), 120)
    assert not services.weekly_cap_exceeded(hourly, dt.date(2026, 11, 16))
    log(scoped, hourly, dt.date(2026, 11, 22), 1)  # Sunday, same week
    assert services.weekly_cap_exceeded(hourly, dt.date(2026, 11, 17))
    assert not services.weekly_cap_exceeded(hourly, dt.date(2026, 11, 23))  # next week


# --- Fixed fee and bounty ------------------------------------------------------------------
def test_milestones_bill_once_accepted(scoped, client_a):
    fixed = make(scoped, client_a, PayModel.FIXED_FEE)
    m1 = services.milestone_save(
        engagement=fixed, actor=scoped.alice, title="Design", amount=D("2500")
    )
    services.milestone_save(engagement=fixed, actor=scoped.alice, title="Build", amount=D("5000"))
    assert unbilled_items(fixed, as_of=TODAY) == []
    with pytest.raises(ValidationError):  # acceptance needs delivery first
        services.milestone_accept(milestone=m1, actor=scoped.alice, on=TODAY)
    services.milestone_deliver(milestone=m1, actor=scoped.alice, on=dt.date(2026, 11, 10))
    with pytest.raises(ValidationError):
        services.milestone_accept(milestone=m1, actor=scoped.alice, on=dt.date(2026, 11, 9))
    services.milestone_accept(
        milestone=m1, actor=scoped.alice, on=dt.date(2026, 11, 12), on_word_of="Dana (email 12 Nov)"
    )
    again = services.milestone_accept(milestone=m1, actor=scoped.alice, on=TODAY)
    assert again.accepted_at == dt.date(2026, 11, 12)  # idempotent
    m1.refresh_from_db()
    assert (m1.status, m1.accepted_by, m1.accepted_on_word_of) == (
        Milestone.Status.ACCEPTED,
        scoped.alice,
        "Dana (email 12 Nov)",
    )
    items = unbilled_items(fixed, as_of=TODAY)
    assert [(i.kind, i.amount) for i in items] == [("milestone", D("2500.00"))]
    # Not yet billable on a day before acceptance.
    assert unbilled_items(fixed, as_of=dt.date(2026, 11, 11)) == []


def test_bounty_in_jpy(scoped):
    yen = ClientFactory(workspace=scoped.a, currency="JPY")
    bounty = make(scoped, yen, PayModel.BOUNTY)
    outcome = services.outcome_save(
        engagement=bounty, actor=scoped.alice, description="Launch in App Store", fee=D("450000.4")
    )
    services.outcome_save(
        engagement=bounty, actor=scoped.alice, description="1M downloads", fee=D("1000000")
    )
    services.outcome_accept(
        outcome=outcome, actor=scoped.alice, on=TODAY, evidence_note="Live since 20 Nov"
    )
    (item,) = unbilled_items(bounty, as_of=TODAY)
    assert (item.amount, item.currency) == (D("450000"), "JPY")


# --- Revenue share -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("revenue", "expected"),
    [
        (D("12345.67"), D("1234.57")),  # 10 %, rounded once
        (D("1000"), D("500.00")),  # floor
        (D("0"), D("500.00")),  # floor even on a zero month
        (D("90000"), D("5000.00")),  # cap
    ],
)
def test_revenue_share_floor_and_cap(scoped, client_a, revenue, expected):
    share = make(
        scoped,
        client_a,
        PayModel.REVENUE_SHARE,
        revenue_share_percent=D("10"),
        revenue_period="monthly",
        revenue_share_floor=D("500"),
        revenue_share_cap=D("5000"),
    )
    assert revenue_share_amount(share, revenue) == expected


def test_revenue_reports_are_unbilled_once_reported(scoped, client_a):
    share = make(
        scoped,
        client_a,
        PayModel.REVENUE_SHARE,
        revenue_share_percent=D("7.5"),
        revenue_period="monthly",
    )
    report = services.revenue_report_save(
        engagement=share,
        actor=scoped.alice,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        revenue=D("20000"),
        reported_by="Sam (CFO)",
        reported_at=dt.date(2026, 11, 5),
    )
    assert unbilled_items(share, as_of=dt.date(2026, 11, 4)) == []
    (item,) = unbilled_items(share, as_of=TODAY)
    assert (item.source_id, item.amount) == (report.pk, D("1500.00"))
    with pytest.raises(ValidationError):  # one report per period
        services.revenue_report_save(
            engagement=share,
            actor=scoped.alice,
            period_start=dt.date(2026, 10, 1),
            period_end=dt.date(2026, 10, 31),
            revenue=D("1"),
            reported_by="x",
            reported_at=TODAY,
        )


# --- Retainers -----------------------------------------------------------------------------
@pytest.fixture
def retainer(scoped, client_a):
    return make(
        scoped,
        client_a,
        PayModel.RETAINER,
        start_date=dt.date(2026, 7, 15),
        retainer_fee=D("3000"),
        retainer_included_hours=D("10"),
        retainer_overage_rate=D("120"),
        rollover_cap_hours=D("6"),
        rollover_expiry_months=2,
        billing_day=15,
    )


def test_retainer_periods_start_on_the_billing_day(retainer):
    periods = retainer_periods(retainer, dt.date(2026, 10, 20))
    assert periods == [
        (dt.date(2026, 7, 15), dt.date(2026, 8, 14)),
        (dt.date(2026, 8, 15), dt.date(2026, 9, 14)),
        (dt.date(2026, 9, 15), dt.date(2026, 10, 14)),
        (dt.date(2026, 10, 15), dt.date(2026, 11, 14)),
    ]


def test_rollover_cap_expiry_and_overage(retainer):
    h = 60
    usage = {
        dt.date(2026, 7, 15): 2 * h,  # 8 unused → 6 carried (cap), 2 forfeited
        dt.date(2026, 8, 15): 5 * h,  # uses 5 of July's 6 first; of 10 unused, 5 fit the cap
        dt.date(2026, 9, 15): 0,  # July's hours still usable (2 periods); cap full: 10 lapse
        dt.date(2026, 10, 15): 25 * h,  # July's last hour expired; 5 carried + 10, 10 over
    }
    s = retainer_statements(retainer, dt.date(2026, 11, 20), used_by_period=usage)
    july, august, september, october, november = s
    assert (july.rolled_in_minutes, july.rolled_out_minutes, july.forfeited_minutes) == (
        0,
        6 * h,
        2 * h,
    )
    assert (august.rolled_in_minutes, august.used_minutes, august.overage_minutes) == (
        6 * h,
        5 * h,
        0,
    )
    assert (august.rolled_out_minutes, august.forfeited_minutes) == (6 * h, 5 * h)
    assert (september.expired_minutes, september.rolled_in_minutes) == (0, 6 * h)
    assert (september.rolled_out_minutes, september.forfeited_minutes) == (6 * h, 10 * h)
    assert (october.expired_minutes, october.rolled_in_minutes) == (1 * h, 5 * h)
    assert (october.overage_minutes, october.overage_amount) == (10 * h, D("1200.00"))
    assert october.rolled_out_minutes == 0 and october.forfeited_minutes == 0
    assert november.overage_minutes == 0 and not november.closed
    assert all(st.overage_minutes >= 0 for st in s)
    assert october.closed and october.fee == D("3000.00")


def test_rollover_without_cap_carries_nothing(scoped, client_a):
    plain = make(
        scoped,
        client_a,
        PayModel.RETAINER,
        retainer_fee=D("500"),
        retainer_included_hours=D("5"),
        retainer_overage_rate=D("80"),
        billing_day=1,
    )
    s = retainer_statements(
        plain,
        dt.date(2026, 3, 10),
        used_by_period={dt.date(2026, 1, 1): 60, dt.date(2026, 2, 1): 420},
    )
    assert s[0].rolled_out_minutes == 0 and s[0].forfeited_minutes == 240
    assert s[1].rolled_in_minutes == 0 and s[1].overage_minutes == 120
    assert s[1].overage_amount == D("160.00")


def test_expiry_needs_a_cap(scoped, client_a):
    with pytest.raises(ValidationError) as err:
        make(
            scoped,
            client_a,
            PayModel.RETAINER,
            retainer_fee=D("1"),
            retainer_included_hours=D("1"),
            retainer_overage_rate=D("1"),
            billing_day=1,
            rollover_expiry_months=3,
        )
    assert "rollover_cap_hours" in err.value.message_dict


def test_retainer_unbilled_fee_in_advance_and_overage_in_arrears(scoped, retainer):
    # Nothing used before: July's 6 carried hours served Aug and Sep, expired in October,
    # so October has its own 10 hours only: 17 logged → 7 over.
    log(scoped, retainer, dt.date(2026, 10, 20), 17 * 60)
    items = unbilled_items(retainer, as_of=dt.date(2026, 11, 20))
    fees = [i.period_start for i in items if i.kind == "retainer_fee"]
    assert fees == [
        dt.date(2026, 7, 15),
        dt.date(2026, 8, 15),
        dt.date(2026, 9, 15),
        dt.date(2026, 10, 15),
        dt.date(2026, 11, 15),
    ]
    overage = [i for i in items if i.kind == "retainer_overage"]
    assert [(i.period_start, i.amount) for i in overage] == [(dt.date(2026, 10, 15), D("840.00"))]
    # The open period's overage is not billable before the period ends.
    log(scoped, retainer, dt.date(2026, 11, 16), 15 * 60)
    log(scoped, retainer, dt.date(2026, 11, 17), 15 * 60)
    assert not any(
        i.kind == "retainer_overage" and i.period_start == dt.date(2026, 11, 15)
        for i in unbilled_items(retainer, as_of=dt.date(2026, 11, 20))
    )


def test_paused_retainer_accrues_no_fees(scoped, retainer):
    paused = services.engagement_update(
        engagement=retainer, actor=scoped.alice, status=EngagementStatus.PAUSED
    )
    assert [i for i in unbilled_items(paused, as_of=TODAY) if i.kind == "retainer_fee"] == []


# --- Expenses ------------------------------------------------------------------------------
def test_rebillable_expense_with_markup_in_kwd(scoped):
    kwd = ClientFactory(workspace=scoped.a, currency="KWD")
    fixed = make(scoped, kwd, PayModel.FIXED_FEE)
    services.expense_save(
        engagement=fixed,
        actor=scoped.alice,
        date=TODAY,
        amount=D("10.125"),
        category="Travel",
        markup_percent=D("10"),
    )
    services.expense_save(
        engagement=fixed,
        actor=scoped.alice,
        date=TODAY,
        amount=D("99"),
        category="Software",
        rebillable=False,
    )
    (item,) = unbilled_items(fixed, as_of=TODAY)
    assert (item.kind, item.amount) == ("expense", D("11.138"))


# --- Nothing missed, nothing twice ---------------------------------------------------------
def test_period_filter_and_claims(scoped, client_a):
    hourly = make(scoped, client_a, PayModel.HOURLY, hourly_rate=D("100"))
    october = log(scoped, hourly, dt.date(2026, 10, 30), 60)
    november = log(scoped, hourly, dt.date(2026, 11, 2), 60)
    services.expense_save(
        engagement=hourly,
        actor=scoped.alice,
        date=dt.date(2026, 11, 3),
        amount=D("40"),
        category="Parking",
    )
    nov = unbilled_items(
        hourly, as_of=TODAY, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30)
    )
    assert {(i.kind, i.source_id) for i in nov} == {
        ("time", november.pk),
        ("expense", nov[1].source_id),
    }
    services.billing_claim(engagement=hourly, items=nov, claimed_for="invoice:1", as_of=TODAY)
    remaining = unbilled_items(hourly, as_of=TODAY)
    assert [(i.kind, i.source_id) for i in remaining] == [("time", october.pk)]
    # Claimed work is frozen.
    with pytest.raises(ValidationError, match="Already invoiced"):
        services.time_entry_save(engagement=hourly, actor=scoped.alice, entry=november, minutes=5)
    with pytest.raises(ValidationError):
        services.time_entry_delete(entry=november, actor=scoped.alice)
    with pytest.raises(ValidationError):  # pay terms that decided billed amounts
        services.engagement_update(engagement=hourly, actor=scoped.alice, hourly_rate=D("200"))
    # Claiming the same items again fails as a whole; releasing makes them billable again.
    with pytest.raises(services.AlreadyBilled):
        services.billing_claim(
            engagement=hourly, items=nov + remaining, claimed_for="invoice:2", as_of=TODAY
        )
    assert BillingClaim.objects.filter(claimed_for="invoice:2").count() == 0
    assert services.billing_release(workspace=scoped.a, claimed_for="invoice:1") == 2
    assert len(unbilled_items(hourly, as_of=TODAY)) == 3
    assert BillingClaim.objects.filter(claimed_for="invoice:1").count() == 2  # kept, released


def test_every_pay_model_yields_its_items_and_nothing_else(scoped, client_a):
    """One engagement of each kind with work of every kind: each item appears exactly
    once, under the engagement it belongs to."""
    engagements = {
        PayModel.HOURLY: make(scoped, client_a, PayModel.HOURLY, hourly_rate=D("90")),
        PayModel.FIXED_FEE: make(scoped, client_a, PayModel.FIXED_FEE),
        PayModel.BOUNTY: make(scoped, client_a, PayModel.BOUNTY),
        PayModel.REVENUE_SHARE: make(
            scoped,
            client_a,
            PayModel.REVENUE_SHARE,
            revenue_share_percent=D("5"),
            revenue_period="monthly",
        ),
        PayModel.RETAINER: make(
            scoped,
            client_a,
            PayModel.RETAINER,
            start_date=dt.date(2026, 11, 1),
            retainer_fee=D("1000"),
            retainer_included_hours=D("4"),
            retainer_overage_rate=D("50"),
            billing_day=1,
        ),
    }
    for engagement in engagements.values():
        log(scoped, engagement, dt.date(2026, 11, 10), 60)
        services.expense_save(
            engagement=engagement,
            actor=scoped.alice,
            date=dt.date(2026, 11, 10),
            amount=D("10"),
            category="Misc",
        )
    m = services.milestone_save(
        engagement=engagements[PayModel.FIXED_FEE],
        actor=scoped.alice,
        title="Spec",
        amount=D("100"),
    )
    services.milestone_deliver(milestone=m, actor=scoped.alice, on=dt.date(2026, 11, 11))
    services.milestone_accept(milestone=m, actor=scoped.alice, on=dt.date(2026, 11, 12))
    o = services.outcome_save(
        engagement=engagements[PayModel.BOUNTY],
        actor=scoped.alice,
        description="Deal closed",
        fee=D("300"),
    )
    services.outcome_accept(outcome=o, actor=scoped.alice, on=dt.date(2026, 11, 12))
    services.revenue_report_save(
        engagement=engagements[PayModel.REVENUE_SHARE],
        actor=scoped.alice,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        revenue=D("4000"),
        reported_by="CFO",
        reported_at=dt.date(2026, 11, 3),
    )
    kinds = {
        model: sorted(i.kind for i in unbilled_items(e, as_of=TODAY))
        for model, e in engagements.items()
    }
    assert kinds == {
        PayModel.HOURLY: ["expense", "time"],
        PayModel.FIXED_FEE: ["expense", "milestone"],
        PayModel.BOUNTY: ["expense", "outcome"],
        PayModel.REVENUE_SHARE: ["expense", "revenue_share"],
        PayModel.RETAINER: ["expense", "retainer_fee"],
    }


def test_unbilled_costs_a_fixed_number_of_queries(scoped, client_a, django_assert_max_num_queries):
    from engagements.models import TimeEntry

    hourly = make(scoped, client_a, PayModel.HOURLY, hourly_rate=D("100"))
    TimeEntry.objects.bulk_create(
        TimeEntry(
            workspace=scoped.a,
            engagement=hourly,
            date=dt.date(2026, 11, 1) + dt.timedelta(days=i % 20),
            minutes=30,
        )
        for i in range(500)
    )
    # claims, time entries, expenses
    with django_assert_max_num_queries(3):
        items = unbilled_items(hourly, as_of=TODAY)
    assert len(items) == 500


# --- Concurrency: real threads, real PostgreSQL ----------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_bill_each_item_exactly_once(personas):
    """Eight invoices race for the same unbilled items: exactly one wins each item."""
    with workspace_scope(personas.a):
        client = ClientFactory(workspace=personas.a)
        hourly = services.engagement_create(
            workspace=personas.a,
            actor=personas.alice,
            client=client,
            pay_model=PayModel.HOURLY,
            name="Race",
            start_date=dt.date(2026, 1, 1),
            hourly_rate=D("100"),
        )
        for day in range(1, 11):
            services.time_entry_save(
                engagement=hourly, actor=personas.alice, date=dt.date(2026, 11, day), minutes=60
            )
        items = unbilled_items(hourly, as_of=TODAY)

    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def claim(n: int) -> None:
        try:
            with workspace_scope(personas.a):
                barrier.wait()
                services.billing_claim(
                    engagement=hourly, items=items, claimed_for=f"invoice:{n}", as_of=TODAY
                )
            outcomes.append("won")
        except services.AlreadyBilled:
            outcomes.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["lost"] * 7 + ["won"]
    with workspace_scope(personas.a):
        assert BillingClaim.objects.count() == 10
        assert BillingClaim.objects.values("claimed_for").distinct().count() == 1
        assert unbilled_items(hourly, as_of=TODAY) == []


@pytest.mark.django_db(transaction=True)
def test_unique_constraint_stops_a_claim_that_skips_the_lock(personas):
    """Even code that bypasses billing_claim cannot claim a source twice."""
    from django.db import IntegrityError

    with workspace_scope(personas.a):
        client = ClientFactory(workspace=personas.a)
        fixed = services.engagement_create(
            workspace=personas.a,
            actor=personas.alice,
            client=client,
            pay_model=PayModel.FIXED_FEE,
            name="x",
            start_date=dt.date(2026, 1, 1),
        )
        BillingClaim.objects.create(
            workspace=personas.a,
            engagement=fixed,
            kind="milestone",
            source_id=1,
            amount=D("1"),
            currency="USD",
            claimed_for="a",
        )
        with pytest.raises(IntegrityError):
            BillingClaim.objects.create(
                workspace=personas.a,
                engagement=fixed,
                kind="milestone",
                source_id=1,
                amount=D("1"),
                currency="USD",
                claimed_for="b",
            )


def test_revenue_share_line_reads_like_an_invoice_line(scoped, client_a):
    share = make(
        scoped,
        client_a,
        PayModel.REVENUE_SHARE,
        revenue_share_percent=D("15.00"),
        revenue_period="monthly",
    )
    services.revenue_report_save(
        engagement=share,
        actor=scoped.alice,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        revenue=D("2400"),
        reported_by="CFO",
        reported_at=dt.date(2026, 11, 2),
    )
    (item,) = unbilled_items(share, as_of=TODAY)
    assert item.description == "Revenue share 15% of $2,400.00 (01 Oct 2026 – 31 Oct 2026)"
    share.revenue_share_percent = D("10.00")  # normalize() alone would print 1E+1
    (item,) = unbilled_items(share, as_of=TODAY)
    assert item.description.startswith("Revenue share 10% of $2,400.00")


@pytest.mark.parametrize(
    ("rate", "currency", "shown"),
    [
        ("33.335", "EUR", "€33.335"),
        ("150.0000", "USD", "$150.00"),
        ("333.5", "JPY", "¥333.5"),
        ("1000", "JPY", "¥1,000"),
        ("1.2345", "KWD", "KWD1.2345"),
        ("10", "KWD", "KWD10.000"),
    ],
)
def test_unit_prices_keep_their_decimals(rate, currency, shown):
    """3 × €33.335 must read as billed, not as 3 × €33.34 against a €100.01 total."""
    from core.money import format_rate

    assert format_rate(D(rate), currency) == shown
