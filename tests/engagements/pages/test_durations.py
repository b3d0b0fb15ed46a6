"""Durations as people type them (engagements.durations): what is accepted, what is refused
and why, and the time form on the engagement page that uses it. The browser's read-back
(static/js/durations.js) is run over the same cases in tests/browser/test_durations.py."""

from __future__ import annotations

import re

import pytest
from django_scopes import scopes_disabled

from engagements.durations import (
    DurationError,
    describe_duration,
    format_clock,
    parse_duration,
)
from engagements.models import TimeEntry
from tests.engagements.pages.helpers import TODAY, _errors, url

ACCEPTED = [
    ("90", 90),
    ("1", 1),
    ("1:30", 90),
    ("0:45", 45),
    ("10:05", 605),
    ("24:00", 1440),
    ("1h30", 90),
    ("1h 30", 90),
    ("1h30m", 90),
    ("1 h 30 min", 90),
    ("2h5", 125),
    ("2h 05m", 125),
    ("1.5h", 90),
    ("1,5h", 90),  # a decimal comma with a unit is a decimal comma
    ("1.25 hours", 75),
    ("0.1h", 6),
    ("2h", 120),
    ("2 hrs", 120),
    ("90m", 90),
    ("90 min", 90),
    ("90 minutes", 90),
    ("  1H30M ", 90),
    ("1440", 1440),
    ("24h", 1440),
]

REFUSED = [
    ("", "Give the time worked"),
    ("   ", "Give the time worked"),
    ("0", "at least 1 minute"),
    ("0:00", "at least 1 minute"),
    ("0h", "at least 1 minute"),
    ("-30", "cannot be negative"),
    ("-1:30", "cannot be negative"),
    ("1441", "at most 24 hours"),
    ("24:01", "at most 24 hours"),
    ("25h", "at most 24 hours"),
    ("1:75", "write up to 59 there"),
    ("1h75", "write up to 59 there"),
    ("1:5", "two digits"),
    ("1:305", "two digits"),
    ("1.5", "hours or minutes?"),
    ("1,5", "hours or minutes?"),
    ("1.5m", "whole minutes"),
    ("1.33h", "not a whole number of minutes"),
    ("1.5h30", "either decimal hours"),
    ("abc", "is not a duration"),
    ("1:30:00", "is not a duration"),
    ("1 30", "is not a duration"),
    ("h", "is not a duration"),
    ("١٢", "is not a duration"),  # Arabic-Indic digits: the browser's \d does not read them
]


@pytest.mark.parametrize(("text", "minutes"), ACCEPTED)
def test_accepted(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_refused_with_a_message_that_says_why(text, message):
    with pytest.raises(DurationError, match=re.escape(message)):
        parse_duration(text)


def test_the_colon_form_with_one_digit_names_both_readings():
    with pytest.raises(DurationError) as raised:
        parse_duration("1:5")
    assert "1:05" in str(raised.value) and "1:50" in str(raised.value)


def test_read_back_and_clock_forms():
    assert describe_duration(90) == "1 h 30 min"
    assert describe_duration(45) == "45 min"
    assert describe_duration(120) == "2 h"
    assert describe_duration(1440) == "24 h"
    assert format_clock(90) == "1:30"
    assert format_clock(5) == "0:05"
    for minutes in (1, 59, 60, 61, 605, 1440):
        assert parse_duration(format_clock(minutes)) == minutes  # the field round-trips


# The time form on the engagement page -----------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "minutes"), [("1:30", 90), ("1h30", 90), ("1.5h", 90), ("90m", 90), ("90", 90)]
)
def test_the_time_form_reads_every_notation(client, personas, hourly, typed, minutes):
    client.force_login(personas.bob)
    response = client.post(
        url("engagements:engagement_time_save", hourly.pk),
        {"date": TODAY.isoformat(), "minutes": typed, "description": f"Typed {typed}"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert TimeEntry.objects.get(description=f"Typed {typed}").minutes == minutes


@pytest.mark.parametrize("typed", ["1:75", "1.5", "0", "-5", "25h"])
def test_the_time_form_refuses_what_is_ambiguous_and_saves_nothing(client, personas, hourly, typed):
    client.force_login(personas.bob)
    with scopes_disabled():
        before = TimeEntry.objects.count()
    response = client.post(
        url("engagements:engagement_time_save", hourly.pk),
        {"date": TODAY.isoformat(), "minutes": typed},
    )
    with pytest.raises(DurationError) as raised:
        parse_duration(typed)
    assert _errors(response, "time_form")["minutes"] == [str(raised.value)]
    assert str(raised.value) in response.content.decode().replace("&#x27;", "'").replace(
        "&quot;", '"'
    )
    with scopes_disabled():
        assert TimeEntry.objects.count() == before


def test_editing_an_entry_shows_its_duration_in_the_clock_form(client, personas, hourly):
    with scopes_disabled():
        entry = TimeEntry.objects.get(engagement=hourly, minutes=150)
    client.force_login(personas.bob)
    body = client.get(
        url("engagements:engagement_detail", hourly.pk) + f"?entry={entry.pk}"
    ).content.decode()
    field = re.search(r'<input[^>]*name="minutes"[^>]*>', body)
    assert field is not None
    assert 'value="2:30"' in field[0] and 'type="text"' in field[0]
    assert "data-duration" in field[0]
