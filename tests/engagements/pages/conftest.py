"""Fixtures shared by the engagements page tests: uploads go to a temporary MEDIA_ROOT; an
hourly engagement of Acme (see ../conftest.py) with time logged this week and last; and one
engagement of every pay model, each with its records."""

import datetime as dt
from decimal import Decimal as D

import pytest

from engagements.models import Milestone, PayModel
from tests.engagements.pages.helpers import TODAY
from tests.factories import (
    EngagementFactory,
    ExpenseFactory,
    MilestoneFactory,
    OutcomeFactory,
    RetainerEngagementFactory,
    RevenueReportFactory,
    TimeEntryFactory,
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def hourly(personas, acme):
    engagement = EngagementFactory(
        client=acme,
        name="Platform build",
        hourly_rate=D("120"),
        weekly_hour_cap=D("2"),
        start_date=TODAY - dt.timedelta(days=60),
    )
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    TimeEntryFactory(engagement=engagement, date=monday, minutes=150, user=personas.bob)
    TimeEntryFactory(engagement=engagement, date=monday - dt.timedelta(days=7), minutes=60)
    return engagement


@pytest.fixture
def every_pay_model(personas, acme, hourly):
    start = TODAY - dt.timedelta(days=90)
    retainer = RetainerEngagementFactory(client=acme, name="Advisory", start_date=start)
    TimeEntryFactory(engagement=retainer, date=TODAY, minutes=600)
    fixed = EngagementFactory(
        client=acme, name="Website", pay_model=PayModel.FIXED_FEE, hourly_rate=None
    )
    MilestoneFactory(engagement=fixed, title="Design")
    MilestoneFactory(
        engagement=fixed,
        title="Build",
        status=Milestone.Status.DELIVERED,
        delivered_at=TODAY,
    )
    MilestoneFactory(
        engagement=fixed,
        title="Launch",
        status=Milestone.Status.ACCEPTED,
        delivered_at=TODAY,
        accepted_at=TODAY,
        accepted_on_word_of="Jane at Acme",
        accepted_by=personas.alice,
    )
    bounty = EngagementFactory(
        client=acme, name="Growth", pay_model=PayModel.BOUNTY, hourly_rate=None
    )
    OutcomeFactory(engagement=bounty, description="1,000 sign-ups")
    OutcomeFactory(engagement=bounty, description="Series A", accepted_at=TODAY)
    revenue = RevenueReportFactory(
        engagement__client=acme,
        engagement__name="Shop",
        engagement__workspace=personas.a,
        reported_at=TODAY - dt.timedelta(days=2),
    ).engagement
    for engagement in (hourly, retainer, fixed, bounty, revenue):
        ExpenseFactory(engagement=engagement, markup_percent=D("10"))
    return {
        "hourly": hourly,
        "retainer": retainer,
        "fixed_fee": fixed,
        "bounty": bounty,
        "revenue_share": revenue,
    }
