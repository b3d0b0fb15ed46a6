"""Calendar arithmetic shared by retainer periods and recurring schedules, and the sane
range every entered date must fall in (1970-01-01..2100-12-31)."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError


def add_months(day: dt.date, months: int, anchor_day: int) -> dt.date:
    """`months` months after (or before) `day`, on `anchor_day` of that month, or the
    month's last day when it is shorter (31 Jan + 1 → 28/29 Feb; anchored on the 31st,
    28 Feb + 1 → 31 Mar, so a series never drifts to the 28th)."""
    moved: dt.date = day + relativedelta(months=months, day=anchor_day)
    return moved


# The range a date a person or a client enters may take. Fixed rather than "today ± n"
# so a value valid yesterday stays valid (a stored row never turns invalid on edit), and
# wide enough for any real ledger (back-dated imports; schedules running decades ahead),
# yet far enough from date.max that pages which add weeks, months or a year to a date
# (week groups, schedule periods, capacity windows) never overflow.
SANE_MIN = dt.date(1970, 1, 1)
SANE_MAX = dt.date(2100, 12, 31)


def is_sane(day: dt.date) -> bool:
    return SANE_MIN <= day <= SANE_MAX


def validate_sane_date(day: dt.date | None) -> None:
    """A Django validator (forms, DRF fields and model fields all accept one)."""
    if day is not None and not is_sane(day):
        raise ValidationError(
            f"Enter a date between {SANE_MIN.isoformat()} and {SANE_MAX.isoformat()}.",
            code="date_out_of_range",
        )


def ensure_sane_dates(**days: object) -> None:
    """A service's guard: every date it was given, by field name, within the range; the
    error names each field, so the API answers 400 on that field. Anything not a date
    (None, UNSET: "not given") is left to the service."""
    errors: dict[str, list[ValidationError]] = {}
    for field, day in days.items():
        if not isinstance(day, dt.date):
            continue
        try:
            validate_sane_date(day)
        except ValidationError as exc:
            errors[field] = [exc]
    if errors:
        raise ValidationError(errors)


def clamp_sane(day: dt.date) -> dt.date:
    """For reads (a page's ?start=): the nearest date in range rather than an error page."""
    return min(max(day, SANE_MIN), SANE_MAX)


# How a date reads on anything a client sees (invoice lines, the invoice page, its PDF and
# email): one format per locale, the CLDR "medium" date (en_US: "Dec 2, 2026", the same as
# the templates' |date:"M j, Y"), and a period as CLDR's interval ("Sep 1 – 30, 2026",
# "Nov 28 – Dec 2, 2026"), through Babel rather than strftime patterns scattered around.
DEFAULT_LOCALE = "en_US"


def format_day(day: dt.date, locale: str = DEFAULT_LOCALE) -> str:
    from babel.dates import format_date

    return str(format_date(day, "medium", locale=locale))


def format_period(start: dt.date, end: dt.date, locale: str = DEFAULT_LOCALE) -> str:
    """A period of days as a client reads it; one day is that day. CLDR's thin spaces
    around the dash become plain ones, as in the rest of the text (and plain-text email)."""
    if start == end:
        return format_day(start, locale)
    from babel.dates import format_interval

    return str(format_interval(start, end, "yMMMd", locale=locale)).replace("\u2009", " ")
