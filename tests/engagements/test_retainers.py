"""Retainer arithmetic: periods start on the billing day, rollover with cap and expiry,
the fee billed in advance and overage in arrears; and what a period owes computed from
dated facts (the start and end dates, pauses, a proposal's answer), never from the
engagement's status today."""

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


# --- Dated facts: an end, pauses, a proposal's answer -------------------------------------------
def fees(engagement, as_of=TODAY):
    return {
        i.period_start: i.amount
        for i in unbilled_items(engagement, as_of=as_of)
        if i.kind == "retainer_fee"
    }


JUL, AUG, SEP, OCT, NOV = (dt.date(2026, m, 15) for m in range(7, 12))


def test_ending_requires_an_end_date(scoped, retainer):
    """An ENDED retainer with no end date billed a fee every month, for ever."""
    with pytest.raises(ValidationError) as refused:
        services.engagement_update(
            engagement=retainer, actor=scoped.alice, status=EngagementStatus.ENDED
        )
    assert set(refused.value.message_dict) == {"end_date"}
    ended = services.engagement_update(
        engagement=retainer,
        actor=scoped.alice,
        status=EngagementStatus.ENDED,
        end_date=dt.date(2026, 9, 30),
    )
    # Sep 15 – Oct 14 has 30 days, 16 of them before the end: 3000 × 16/30.
    assert fees(ended, as_of=dt.date(2027, 6, 1)) == {
        JUL: D("3000.00"),
        AUG: D("3000.00"),
        SEP: D("1600.00"),
    }
    # The last period's overage is final once the engagement has ended: 16 h used, 6 h
    # rolled in from July, 10 h × 16/30 = 320 minutes included.
    log(scoped, ended, dt.date(2026, 9, 29), 16 * 60)
    overage = [i for i in unbilled_items(ended, as_of=dt.date(2026, 10, 1)) if i.minutes]
    assert [(i.period_start, i.minutes) for i in overage] == [(SEP, 16 * 60 - 6 * 60 - 320)]


def test_a_pause_keeps_the_fees_earned_before_it(scoped, retainer):
    """Pausing hid every fee, including months earned before the pause, and resuming
    brought them all back: now the fees follow the dates of the pause, whatever the
    engagement's status is today."""
    before = fees(retainer)
    assert list(before) == [JUL, AUG, SEP, OCT, NOV]
    paused = services.engagement_update(
        engagement=retainer,
        actor=scoped.alice,
        status=EngagementStatus.PAUSED,
        status_on=SEP,
    )
    assert paused.status == EngagementStatus.PAUSED
    assert fees(paused) == {JUL: D("3000.00"), AUG: D("3000.00")}
    resumed = services.engagement_update(
        engagement=paused, actor=scoped.alice, status=EngagementStatus.ACTIVE, status_on=NOV
    )
    assert resumed.status == EngagementStatus.ACTIVE
    assert fees(resumed) == {JUL: D("3000.00"), AUG: D("3000.00"), NOV: D("3000.00")}
    # Pausing needs its first day, resuming the first day back.
    with pytest.raises(ValidationError) as refused:
        services.engagement_update(
            engagement=resumed, actor=scoped.alice, status=EngagementStatus.PAUSED
        )
    assert set(refused.value.message_dict) == {"status_on"}


def test_a_partly_paused_period_bills_by_active_days(scoped, retainer):
    """Aug 15 – Sep 14 has 31 days; paused Aug 20 – Sep 4 (16 days), it is active 15:
    the fee is 3000 × 15/31 and the included hours 10 h × 15/31, each rounded once."""
    services.engagement_pause(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 8, 20))
    services.engagement_resume(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 9, 5))
    august = retainer_statements(retainer, TODAY)[1]
    assert (august.period_days, august.active_days) == (31, 15)
    assert august.fee == D("1451.61")
    assert august.included_minutes == 290  # 600 × 15/31 = 290.3
    assert fees(retainer)[AUG] == D("1451.61")


def test_a_wholly_paused_period_has_no_fee_and_no_included_hours(scoped, retainer):
    services.engagement_pause(engagement=retainer, actor=scoped.alice, on=AUG)
    services.engagement_resume(engagement=retainer, actor=scoped.alice, on=SEP)
    july, august, september = retainer_statements(retainer, dt.date(2026, 10, 1))[:3]
    assert (august.active_days, august.fee, august.included_minutes) == (0, D("0.00"), 0)
    assert AUG not in fees(retainer)
    # July's 6 unused hours carried through the paused month (expiry counts periods).
    assert (august.rolled_in_minutes, september.rolled_in_minutes) == (6 * 60, 6 * 60)


def test_a_proposed_declined_or_withdrawn_retainer_never_bills(scoped, client_a):
    def propose():
        return services.proposal_create(
            workspace=scoped.a,
            actor=scoped.alice,
            client=client_a,
            title="Advisory",
            scope="Advice.",
            pay_model=PayModel.RETAINER,
            start_date=dt.date(2026, 7, 1),
            retainer_fee=D("1000"),
            retainer_included_hours=D("5"),
            retainer_overage_rate=D("100"),
            billing_day=1,
        )

    proposed = propose()
    assert unbilled_items(proposed.engagement, as_of=TODAY) == []
    services.proposal_send(proposal=proposed, actor=scoped.alice)
    services.proposal_respond(proposal=proposed, accept=False, name="Dana", today=TODAY)
    assert unbilled_items(proposed.engagement, as_of=TODAY) == []

    withdrawn = propose()
    services.proposal_withdraw(proposal=withdrawn, actor=scoped.alice)
    engagement = withdrawn.engagement
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.ENDED and engagement.end_date is not None
    assert unbilled_items(engagement, as_of=dt.date(2027, 1, 1)) == []
    # Whatever status it is given later, a withdrawn proposal's engagement never bills.
    with pytest.raises(ValidationError):
        services.engagement_update(
            engagement=engagement, actor=scoped.alice, status=EngagementStatus.ACTIVE
        )

    accepted = propose()
    services.proposal_send(proposal=accepted, actor=scoped.alice)
    services.proposal_respond(proposal=accepted, accept=True, name="Dana", today=TODAY)
    accepted.engagement.refresh_from_db()
    assert len(fees(accepted.engagement)) == 5  # July to November
