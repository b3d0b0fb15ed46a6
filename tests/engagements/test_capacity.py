"""Capacity: the arithmetic of `capacity_weeks` (availability with effective dates, blocked
time, committed vs pipeline vs logged, over-commitment) and the capacity page (chart, table,
forms, tenancy, a query count that does not grow with engagements)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from engagements import services
from engagements.capacity import capacity_weeks, weekly_commitment
from engagements.models import Availability, BlockedTime, Engagement, EngagementStatus
from engagements.views.capacity import build_chart
from tests.factories import ClientFactory

MON = dt.date(2030, 1, 7)  # a Monday
H = Decimal
NO_HOURS = Decimal(0)


def week_of(weeks, day):
    return next(w for w in weeks if w.start <= day <= w.end)


def engagement(personas, *, client=None, **fields):
    client = client or ClientFactory(workspace=personas.a)
    fields.setdefault("name", "Work")
    fields.setdefault("start_date", MON)
    with scope(workspace=personas.a):
        return services.engagement_create(
            workspace=personas.a, actor=personas.alice, client=client, **fields
        )


def weeks_for(personas, user=None, start=MON, n=12):
    with scope(workspace=personas.a):
        return capacity_weeks(user=user or personas.alice, start=start, weeks=n)


def set_availability(personas, effective_from, weekday_hours, weekend=NO_HOURS):
    hours = {d: weekday_hours for d in Availability.WEEKDAYS[:5]}
    hours.update(saturday=weekend, sunday=weekend)
    with scope(workspace=personas.a):
        return services.availability_set(
            workspace=personas.a,
            user=personas.alice,
            actor=personas.alice,
            effective_from=effective_from,
            hours=hours,
        )


def block(personas, **fields):
    with scope(workspace=personas.a):
        return services.blocked_time_save(
            workspace=personas.a, user=personas.alice, actor=personas.alice, **fields
        )


# --- arithmetic -----------------------------------------------------------------------------
def test_default_availability_is_forty_hours(personas):
    weeks = weeks_for(personas)
    assert len(weeks) == 12 and weeks[0].start == MON
    assert all(w.available == H(40) for w in weeks)


def test_a_later_availability_change_leaves_earlier_weeks_alone(personas):
    set_availability(personas, MON, H(6))  # 30 h/week from the first week
    before = [w.available for w in weeks_for(personas)]
    set_availability(personas, MON + dt.timedelta(weeks=4, days=2), H(4))  # from a Wednesday
    after = weeks_for(personas)
    assert [w.available for w in after[:4]] == before[:4] == [H(30)] * 4
    assert after[4].available == H(6) * 2 + H(4) * 3  # Mon, Tue old; Wed–Fri new
    assert all(w.available == H(20) for w in after[5:])
    # Editing the same date edits that row instead of adding one.
    set_availability(personas, MON, H(7))
    with scopes_disabled():
        assert Availability.objects.filter(user=personas.alice).count() == 2
    assert weeks_for(personas)[0].available == H(35)


def test_recurring_blocked_time_only_on_its_weekdays_one_off_on_every_day(personas):
    block(
        personas,
        title="School run",
        kind="caregiving",
        start_date=MON,
        end_date=None,
        recurring=True,
        weekdays=[0, 2],  # Mon, Wed
        hours_per_day=H(2),
    )
    block(
        personas,
        title="Holiday",
        kind="time_off",
        start_date=MON + dt.timedelta(weeks=2, days=3),  # Thu–Fri of week 3
        end_date=MON + dt.timedelta(weeks=2, days=4),
        recurring=False,
        weekdays=[],
        hours_per_day=H(8),
    )
    weeks = weeks_for(personas)
    assert weeks[0].blocked == H(4) and weeks[0].available == H(36)
    assert weeks[2].blocked == H(4) + H(16) and weeks[2].available == H(20)
    assert weeks[3].available == H(36)
    # Blocked time never makes a day negative: a one-off covering a weekend takes nothing.
    block(
        personas,
        title="Weekend",
        kind="other",
        start_date=MON + dt.timedelta(weeks=5, days=5),
        end_date=MON + dt.timedelta(weeks=5, days=6),
        recurring=False,
        weekdays=[],
        hours_per_day=H(5),
    )
    assert weeks_for(personas)[5].available == H(36)


def test_committed_from_cap_retainer_and_estimate(personas):
    hourly = engagement(personas, pay_model="hourly", hourly_rate=H(100), weekly_hour_cap=H(10))
    retainer = engagement(
        personas,
        name="Retainer",
        pay_model="retainer",
        retainer_fee=H(2000),
        retainer_included_hours=H(26),
        retainer_overage_rate=H(120),
        billing_day=1,
    )
    fixed = engagement(
        personas,
        name="Fixed",
        pay_model="fixed_fee",
        estimated_hours_per_week=H(5),
        start_date=MON + dt.timedelta(weeks=2),
        end_date=MON + dt.timedelta(weeks=3, days=2),
    )
    assert weekly_commitment(hourly) == H(10)
    assert weekly_commitment(retainer) == H(6)  # 26 h a month over 52/12 weeks
    assert weekly_commitment(fixed) == H(5)
    weeks = weeks_for(personas)
    assert weeks[0].committed == H(16)
    assert weeks[2].committed == weeks[3].committed == H(21)
    assert weeks[4].committed == H(16)
    assert ("Fixed", H(5)) in weeks[2].engagements


def test_estimate_overrides_the_cap_and_no_terms_commit_nothing(personas):
    capped = engagement(
        personas,
        pay_model="hourly",
        hourly_rate=H(100),
        weekly_hour_cap=H(10),
        estimated_hours_per_week=H(4),
    )
    bounty = engagement(personas, name="Bounty", pay_model="bounty")
    assert weekly_commitment(capped) == H(4)
    assert weekly_commitment(bounty) == H(0)


def test_proposed_is_pipeline_and_ended_or_paused_is_nothing(personas):
    engagement(personas, pay_model="hourly", hourly_rate=H(90), weekly_hour_cap=H(8))
    engagement(
        personas,
        name="Maybe",
        pay_model="hourly",
        hourly_rate=H(90),
        weekly_hour_cap=H(12),
        status=EngagementStatus.PROPOSED,
    )
    engagement(
        personas,
        name="Ended",
        pay_model="hourly",
        hourly_rate=H(90),
        weekly_hour_cap=H(30),
        status=EngagementStatus.ENDED,
        end_date=MON,
    )
    paused = engagement(
        personas, name="Paused", pay_model="hourly", hourly_rate=H(90), weekly_hour_cap=H(30)
    )
    with scope(workspace=personas.a):
        services.engagement_pause(engagement=paused, actor=personas.alice, on=MON)
    week = weeks_for(personas)[0]
    assert (week.committed, week.pipeline) == (H(8), H(12))


def test_logged_hours_come_from_the_users_time_entries(personas):
    work = engagement(personas, pay_model="hourly", hourly_rate=H(100))
    with scope(workspace=personas.a):
        for day, minutes in (
            (MON, 90),
            (MON + dt.timedelta(days=6), 45),
            (MON + dt.timedelta(days=7), 60),
        ):
            services.time_entry_save(
                engagement=work, actor=personas.alice, date=day, minutes=minutes
            )
        # Bob's time is his, not Alice's capacity.
        services.time_entry_save(engagement=work, actor=personas.bob, date=MON, minutes=600)
    weeks = weeks_for(personas)
    assert weeks[0].logged == H("2.25") and weeks[1].logged == H("1.00")
    assert weeks_for(personas, user=personas.bob)[0].logged == H(10)


def test_over_commitment_is_flagged_with_and_without_pipeline(personas):
    set_availability(personas, MON, H(4))  # 20 h/week
    engagement(personas, pay_model="hourly", hourly_rate=H(90), weekly_hour_cap=H(15))
    engagement(
        personas,
        name="Proposed",
        pay_model="fixed_fee",
        estimated_hours_per_week=H(10),
        status=EngagementStatus.PROPOSED,
        start_date=MON + dt.timedelta(weeks=1),
    )
    engagement(
        personas,
        name="Big",
        pay_model="fixed_fee",
        estimated_hours_per_week=H(10),
        start_date=MON + dt.timedelta(weeks=3),
        end_date=MON + dt.timedelta(weeks=3, days=6),
    )
    weeks = weeks_for(personas)
    assert [w.over_committed for w in weeks[:5]] == [False, False, False, True, False]
    assert [w.over_with_pipeline for w in weeks[:3]] == [False, True, True]
    assert weeks[3].free == H(-5)  # 15 + 10 committed, 20 available


def test_chart_geometry_is_proportional(personas):
    engagement(personas, pay_model="hourly", hourly_rate=H(90), weekly_hour_cap=H(20))
    chart = build_chart(weeks_for(personas))
    first = chart.weeks[0]
    assert len(chart.weeks) == 12
    assert chart.ticks[0][1] == "0" and float(chart.ticks[-1][1]) >= 40
    # Committed (20) is half of available (40): half the height.
    assert abs(first.committed.height * 2 - first.available.height) < 0.05
    assert first.committed.y + first.committed.height == pytest.approx(chart.plot_bottom)


# --- the page -------------------------------------------------------------------------------
def url(personas, name="engagements:capacity", **kwargs):
    return reverse(name, kwargs={"workspace": personas.a.slug, **kwargs})


def test_page_shows_chart_table_and_over_commit_banner(client, personas):
    set_availability(personas, MON, H(2))  # 10 h/week
    engagement(
        personas, name="Acme build", pay_model="hourly", hourly_rate=H(90), weekly_hour_cap=H(12)
    )
    client.force_login(personas.alice)
    response = client.get(url(personas), {"start": "2030-01-09"})  # a Wednesday: its Monday
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg class="cap-chart"' in html and 'role="img"' in html
    assert 'id="cap-svg-title"' in html and 'id="cap-svg-desc"' in html
    assert "Over-committed in 12 weeks" in html
    assert 'data-week="2030-01-07"' in html
    assert "Acme build (12 h)" in html
    assert response.context["start"] == MON
    # A nonsense start is this week, not an error.
    assert client.get(url(personas), {"start": "soon"}).status_code == 200


def test_availability_form_saves_from_a_date(client, personas):
    client.force_login(personas.alice)
    data = {
        "effective_from": "2030-01-07",
        "monday": "6",
        "tuesday": "6",
        "wednesday": "6",
        "thursday": "6",
        "friday": "0",
        "saturday": "0",
        "sunday": "0",
    }
    response = client.post(url(personas, "engagements:capacity_availability"), data)
    assert response.status_code == 302
    with scopes_disabled():
        row = Availability.objects.get(user=personas.alice)
    assert row.workspace == personas.a and row.friday == 0 and row.monday == 6
    bad = client.post(url(personas, "engagements:capacity_availability"), {**data, "monday": "25"})
    assert bad.status_code == 400


def test_blocked_time_add_edit_delete(client, personas):
    client.force_login(personas.alice)
    data = {
        "title": "School run",
        "kind": "caregiving",
        "start_date": "2030-01-07",
        "end_date": "",
        "hours_per_day": "2",
        "recurring": "on",
        "weekdays": ["0", "2"],
    }
    assert client.post(url(personas, "engagements:blocked_time_create"), data).status_code == 302
    with scopes_disabled():
        blocked = BlockedTime.objects.get()
    assert blocked.weekdays == [0, 2] and blocked.user == personas.alice
    # Recurring without weekdays: the service's error lands on the form.
    missing = client.post(
        url(personas, "engagements:blocked_time_edit", pk=blocked.pk), {**data, "weekdays": []}
    )
    assert missing.status_code == 400 and "Choose the weekdays" in missing.content.decode()
    # A one-off keeps no weekdays.
    one_off = {**data, "recurring": "", "end_date": "2030-01-09"}
    assert (
        client.post(
            url(personas, "engagements:blocked_time_edit", pk=blocked.pk), one_off
        ).status_code
        == 302
    )
    blocked.refresh_from_db()
    assert blocked.recurring is False and blocked.weekdays == []
    edit = client.get(url(personas, "engagements:blocked_time_edit", pk=blocked.pk))
    assert edit.status_code == 200 and "Edit “School run”" in edit.content.decode()
    assert (
        client.post(url(personas, "engagements:blocked_time_delete", pk=blocked.pk)).status_code
        == 302
    )
    with scopes_disabled():
        assert not BlockedTime.objects.exists()


def test_someone_elses_blocked_time_is_404(client, personas):
    with scope(workspace=personas.a):
        bobs = services.blocked_time_save(
            workspace=personas.a,
            user=personas.bob,
            actor=personas.bob,
            title="Bob's",
            start_date=MON,
            hours_per_day=H(1),
        )
    client.force_login(personas.alice)  # same workspace, other person
    assert client.get(url(personas, "engagements:blocked_time_edit", pk=bobs.pk)).status_code == 404
    assert (
        client.post(url(personas, "engagements:blocked_time_delete", pk=bobs.pk)).status_code == 404
    )
    client.force_login(personas.charlie)  # another workspace
    assert (
        client.post(url(personas, "engagements:blocked_time_delete", pk=bobs.pk)).status_code == 404
    )
    with scopes_disabled():
        assert BlockedTime.objects.filter(pk=bobs.pk).exists()


def test_read_only_role_sees_the_page_but_cannot_change_it(client, personas):
    client.force_login(personas.andy)
    response = client.get(url(personas))
    assert response.status_code == 200
    assert "Save availability" not in response.content.decode()
    assert client.post(url(personas, "engagements:capacity_availability"), {}).status_code == 403


@pytest.mark.parametrize("count", [5, 50])
def test_page_costs_the_same_queries_for_5_or_50_engagements(
    client, personas, django_assert_num_queries, count
):
    acme = ClientFactory(workspace=personas.a)
    with scopes_disabled():
        Engagement.objects.bulk_create(
            Engagement(
                workspace=personas.a,
                client=acme,
                name=f"E{i}",
                pay_model="fixed_fee",
                currency="USD",
                start_date=MON,
                estimated_hours_per_week=H(1),
                status=EngagementStatus.ACTIVE if i % 2 else EngagementStatus.PROPOSED,
            )
            for i in range(count)
        )
    set_availability(personas, MON, H(8))
    block(personas, title="Gym", start_date=MON, recurring=True, weekdays=[1], hours_per_day=H(1))
    client.force_login(personas.alice)
    # session, user, workspace, membership (middleware); the switcher's memberships;
    # capacity: availability, blocked time, engagements, time entries; the page: availability
    # history, blocked list.
    with django_assert_num_queries(11):
        response = client.get(url(personas), {"start": "2030-01-07"})
    assert response.status_code == 200
    assert response.context["weeks"][0].committed == H(count // 2)


def test_commitments_count_same_named_engagements_instead_of_merging_weeks(personas):
    from engagements.views.capacity import commitments

    for _ in range(2):
        engagement(personas, name="Twin", pay_model="fixed_fee", estimated_hours_per_week=H(3))
    engagement(
        personas,
        name="Short",
        pay_model="fixed_fee",
        estimated_hours_per_week=H(5),
        end_date=MON + dt.timedelta(days=10),
    )
    rows = commitments(weeks_for(personas))
    assert rows == [("Twin", H(3), 2, 12), ("Short", H(5), 1, 2)]
