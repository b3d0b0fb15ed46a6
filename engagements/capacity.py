"""Capacity: hours available per week (availability with effective dates, minus blocked
time) against hours committed by engagements (hard: active; soft: proposed) and hours
logged. A fixed number of queries for any number of weeks and engagements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from accounts.models import User
from core.money import ZERO
from engagements.models import (
    Availability,
    BlockedTime,
    Engagement,
    EngagementStatus,
    PayModel,
    TimeEntry,
)

WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
DEFAULT_DAY = {
    0: Decimal(8),
    1: Decimal(8),
    2: Decimal(8),
    3: Decimal(8),
    4: Decimal(8),
    5: ZERO,
    6: ZERO,
}


def weekly_commitment(engagement: Engagement) -> Decimal:
    """Hours a week the engagement takes: the estimate when given, else what its pay
    model implies (an hourly cap; a retainer's monthly hours spread over the weeks)."""
    if engagement.estimated_hours_per_week is not None:
        return engagement.estimated_hours_per_week
    if engagement.pay_model == PayModel.HOURLY and engagement.weekly_hour_cap is not None:
        return engagement.weekly_hour_cap
    if engagement.pay_model == PayModel.RETAINER and engagement.retainer_included_hours:
        return (engagement.retainer_included_hours / WEEKS_PER_MONTH).quantize(Decimal("0.01"))
    return ZERO


@dataclass
class Week:
    start: dt.date
    available: Decimal = ZERO
    blocked: Decimal = ZERO
    committed: Decimal = ZERO  # hard: active engagements
    pipeline: Decimal = ZERO  # soft: proposed engagements
    logged: Decimal = ZERO
    engagements: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)

    @property
    def over_committed(self) -> bool:
        return self.committed > self.available

    @property
    def over_with_pipeline(self) -> bool:
        return self.committed + self.pipeline > self.available

    @property
    def free(self) -> Decimal:
        return self.available - self.committed


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def capacity_weeks(*, user: User, start: dt.date, weeks: int = 12) -> list[Week]:
    """Run inside the workspace's scope; every query here is scoped by its manager."""
    first = monday_of(start)
    last = first + dt.timedelta(days=7 * weeks - 1)
    result = [Week(start=first + dt.timedelta(days=7 * i)) for i in range(weeks)]

    # Availability rows in force during the range: the last one starting on or before the
    # first day, and any that start inside the range.
    rows = list(
        Availability.objects.filter(user=user, effective_from__lte=last).order_by("effective_from")
    )
    blocks = list(
        BlockedTime.objects.filter(user=user, start_date__lte=last).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=first)
        )
    )

    def availability_on(day: dt.date) -> Decimal:
        current = None
        for row in rows:
            if row.effective_from <= day:
                current = row
            else:
                break
        return current.hours_on(day.weekday()) if current else DEFAULT_DAY[day.weekday()]

    def blocked_on(day: dt.date) -> Decimal:
        total = ZERO
        for b in blocks:
            if day < b.start_date or (b.end_date and day > b.end_date):
                continue
            if b.recurring and day.weekday() not in (b.weekdays or []):
                continue
            total += b.hours_per_day
        return total

    for week in result:
        for offset in range(7):
            day = week.start + dt.timedelta(days=offset)
            open_hours = availability_on(day)
            blocked = min(blocked_on(day), open_hours)
            week.available += open_hours - blocked
            week.blocked += blocked

    engagements = (
        Engagement.objects.filter(
            status__in=[EngagementStatus.ACTIVE, EngagementStatus.PROPOSED],
            start_date__lte=last,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .only(
            "name",
            "status",
            "pay_model",
            "start_date",
            "end_date",
            "estimated_hours_per_week",
            "weekly_hour_cap",
            "retainer_included_hours",
        )
    )
    for engagement in engagements:
        hours = weekly_commitment(engagement)
        if not hours:
            continue
        for week in result:
            if engagement.start_date > week.end or (
                engagement.end_date and engagement.end_date < week.start
            ):
                continue
            if engagement.status == EngagementStatus.ACTIVE:
                week.committed += hours
            else:
                week.pipeline += hours
            week.engagements.append((engagement.name, hours))

    logged = (
        TimeEntry.objects.filter(user=user, date__gte=first, date__lte=last)
        .values("date")
        .annotate(minutes=Sum("minutes"))
    )
    for row in logged:
        index = (row["date"] - first).days // 7
        result[index].logged += Decimal(row["minutes"]) / 60
    for week in result:
        week.logged = week.logged.quantize(Decimal("0.01"))
    return result
