"""Durations as people type them: `1:30`, `1h30`, `1.5h`, `90m`, `90` → whole minutes.

One parser for every time-entry form on the pages (the API keeps its integer `minutes`),
mirrored for the live preview by static/js/durations.js (tests/engagements/
test_durations.py runs both over the same cases so they cannot drift apart).

The rule is: a bare whole number is minutes; anything else must say its unit (`h`, `m`)
or use the clock form `h:mm` with exactly two minute digits. What could be read two ways
is refused with a message that says how to write it, never guessed: `1.5` (hours or
minutes?), `1:5` (1:05 or 1:50?), `1:75`, `1h75`, fractions of a minute, `1,5` without a
unit. A decimal comma with a unit (`1,5h`) is a decimal comma. A duration is at least one
minute and at most 24 hours, the bounds of a time entry.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MIN_MINUTES = 1
MAX_MINUTES = 24 * 60

EXAMPLES = "1:30, 1h30, 1.5h or 90 (minutes)"

_HOURS = r"(?:h|hr|hrs|hour|hours)"
_MINUTES = r"(?:m|min|mins|minute|minutes)"
_NUMBER = r"\d+(?:[.,]\d+)?"

_BARE = re.compile(r"\d+", re.ASCII)
_CLOCK = re.compile(r"(?P<h>\d+):(?P<m>\d+)", re.ASCII)
_MINUTES_ONLY = re.compile(rf"(?P<m>{_NUMBER})\s*{_MINUTES}", re.ASCII)
_HOURS_MINUTES = re.compile(
    rf"(?P<h>{_NUMBER})\s*{_HOURS}(?:\s*(?P<m>{_NUMBER})\s*{_MINUTES}?)?", re.ASCII
)


class DurationError(ValueError):
    """The text is not a duration this parser accepts; the message says why, for the user."""


def _number(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the patterns only pass numbers
        raise DurationError(f"“{text}” is not a number.") from error


def _whole_minutes(text: str) -> int:
    value = _number(text)
    if value != value.to_integral_value():
        raise DurationError("Give whole minutes (a timesheet has no fractions of a minute).")
    return int(value)


def _bounded(minutes: int) -> int:
    if minutes < MIN_MINUTES:
        raise DurationError("A duration is at least 1 minute.")
    if minutes > MAX_MINUTES:
        raise DurationError("A duration is at most 24 hours; log longer work as several days.")
    return minutes


def parse_duration(text: str) -> int:
    """Whole minutes from what a person typed, or DurationError with a message for them."""
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise DurationError(f"Give the time worked, for example {EXAMPLES}.")
    if cleaned.startswith("-"):
        raise DurationError("A duration cannot be negative.")

    if _BARE.fullmatch(cleaned):
        return _bounded(int(cleaned))

    if clock := _CLOCK.fullmatch(cleaned):
        hours, minutes = clock["h"], clock["m"]
        if len(minutes) != 2:
            raise DurationError(
                f"Write the minutes after the colon with two digits: {hours}:0{minutes} "
                f"or {hours}:{minutes}0."
            )
        if int(minutes) > 59:
            raise DurationError(
                f"“{cleaned}” has {minutes} minutes after the colon; "
                "write up to 59 there (for example 2:15)."
            )
        return _bounded(int(hours) * 60 + int(minutes))

    if only := _MINUTES_ONLY.fullmatch(cleaned):
        return _bounded(_whole_minutes(only["m"]))

    if mixed := _HOURS_MINUTES.fullmatch(cleaned):
        hours = _number(mixed["h"])
        if mixed["m"] is None:
            total = hours * 60
            if total != total.to_integral_value():
                raise DurationError(
                    f"{mixed['h']} h is not a whole number of minutes; "
                    "write it as hours and minutes (for example 1h20)."
                )
            return _bounded(int(total))
        if hours != hours.to_integral_value():
            raise DurationError("Write either decimal hours (1.5h) or hours and minutes (1h30).")
        minutes = _whole_minutes(mixed["m"])
        if minutes > 59:
            raise DurationError(
                f"“{cleaned}” has {minutes} minutes after the hours; "
                "write up to 59 there (for example 2h15)."
            )
        return _bounded(int(hours) * 60 + minutes)

    if re.fullmatch(_NUMBER, cleaned, re.ASCII):
        raise DurationError(
            f"Is “{cleaned}” hours or minutes? Add the unit: {cleaned}h or {cleaned}m."
        )
    raise DurationError(f"“{text.strip()}” is not a duration; write it like {EXAMPLES}.")


def describe_duration(minutes: int) -> str:
    """Whole minutes as the page reads them back: 90 → "1 h 30 min", 45 → "45 min"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def format_clock(minutes: int) -> str:
    """Whole minutes in the clock form the field accepts back: 90 → "1:30"."""
    hours, rest = divmod(minutes, 60)
    return f"{hours}:{rest:02d}"
