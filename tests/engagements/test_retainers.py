"""Retainer arithmetic: periods start on the billing day, rollover with cap and expiry,
the fee billed in advance and overage in arrears, and paused retainers accruing nothing."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from engagements import services
from engagements.billing import retainer_periods, retainer_statements, unbilled_items
from engagements.models import EngagementStatus, PayModel
from tests.engagements.billing_helpers import TODAY, log, make


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
