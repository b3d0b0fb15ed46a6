"""The days an engagement runs, from its dated facts: its start date, its end date, and its
pauses (`EngagementPause`). A day is active when it is on or after the start, on or before
the end (if any), and in no pause. Nothing here reads the engagement's status: a status is
a label for people, the dates are what billing and the time writers decide on.

`active_days_of(engagement)` reads the pauses with one query; `active_days_for(...)` reads
them for many engagements with one query (CSV import)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from engagements.models import Engagement, EngagementPause

Range = tuple[dt.date, dt.date | None]  # inclusive; None: open-ended


@dataclass(frozen=True)
class ActiveDays:
    start: dt.date
    end: dt.date | None
    pauses: tuple[Range, ...]  # in order of their start

    def pause_on(self, day: dt.date) -> Range | None:
        """The pause covering `day`, if any."""
        for start, end in self.pauses:
            if start <= day and (end is None or day <= end):
                return (start, end)
        return None

    def is_active(self, day: dt.date) -> bool:
        if day < self.start or (self.end is not None and day > self.end):
            return False
        return self.pause_on(day) is None

    def count(self, first: dt.date, last: dt.date) -> int:
        """Active days from `first` to `last`, both included."""
        low = max(first, self.start)
        high = min(last, self.end) if self.end is not None else last
        if high < low:
            return 0
        days = (high - low).days + 1
        covered: dt.date | None = None  # pauses never overlap; this guards old data anyway
        for start, end in self.pauses:
            p_low = max(start, low)
            p_high = min(end, high) if end is not None else high
            if covered is not None:
                p_low = max(p_low, covered + dt.timedelta(days=1))
            if p_high >= p_low:
                days -= (p_high - p_low).days + 1
                covered = p_high
        return days

    @property
    def open_pause(self) -> Range | None:
        return next(((s, e) for s, e in self.pauses if e is None), None)


def _of(engagement: Engagement, pauses: list[Range]) -> ActiveDays:
    return ActiveDays(
        start=engagement.start_date,
        end=engagement.end_date,
        pauses=tuple(sorted(pauses, key=lambda r: r[0])),
    )


def active_days_for(engagements: Iterable[Engagement]) -> dict[int, ActiveDays]:
    by_id = {engagement.pk: engagement for engagement in engagements}
    pauses: dict[int, list[Range]] = {pk: [] for pk in by_id}
    for engagement_id, start, end in EngagementPause.objects.filter(
        engagement_id__in=list(by_id)
    ).values_list("engagement_id", "start_date", "end_date"):
        pauses[engagement_id].append((start, end))
    return {pk: _of(by_id[pk], ranges) for pk, ranges in pauses.items()}


def active_days_of(engagement: Engagement) -> ActiveDays:
    return active_days_for([engagement])[engagement.pk]
