"""Calendar arithmetic shared by retainer periods and recurring schedules."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta


def add_months(day: dt.date, months: int, anchor_day: int) -> dt.date:
    """`months` months after (or before) `day`, on `anchor_day` of that month, or the
    month's last day when it is shorter (31 Jan + 1 → 28/29 Feb; anchored on the 31st,
    28 Feb + 1 → 31 Mar, so a series never drifts to the 28th)."""
    moved: dt.date = day + relativedelta(months=months, day=anchor_day)
    return moved
