"""Pay-model arithmetic and the unbilled service: Decimal all the way, rounded once per
currency; each pay model's terms and items. (Retainers are in test_retainers.py; nothing
missed and nothing billed twice, also under concurrency, in test_claims.py.)"""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from core.money import minutes_amount, quantize
from engagements import services
from engagements.billing import revenue_share_amount, unbilled_items, unbilled_total
from engagements.models import Milestone, PayModel
from tests.engagements.billing_helpers import TODAY, log, make
from tests.factories import ClientFactory


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
    assert item.description == "Revenue share: 15% of $2,400.00 revenue, Oct 1 – 31, 2026"
    share.revenue_share_percent = D("10.00")  # normalize() alone would print 1E+1
    (item,) = unbilled_items(share, as_of=TODAY)
    assert item.description.startswith("Revenue share: 10% of $2,400.00")


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
