"""The engagements API for capacity: availability and blocked time are the caller's own, and
the capacity weeks add them up with the engagements' commitments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from engagements.models import Availability, BlockedTime
from tests.api import attrs, url
from tests.engagements.api_helpers import count
from tests.factories import (
    AvailabilityFactory,
    BlockedTimeFactory,
    EngagementFactory,
    TimeEntryFactory,
)


# --- Capacity ------------------------------------------------------------------------------
def test_availability_set_and_listed_for_yourself(bob, personas):
    AvailabilityFactory(workspace=personas.a, user=personas.alice)
    created = bob.post(
        url("availability"), {"effective_from": "2025-01-06", "friday": "4", "saturday": "2"}
    )
    assert created.status_code == 201, created.json()
    assert created.json()["friday"] == "4.00" and created.json()["monday"] == "8.00"
    same_day = bob.post(url("availability"), {"effective_from": "2025-01-06", "monday": "6"})
    assert same_day.status_code == 201
    assert same_day.json()["id"] == created.json()["id"]
    assert same_day.json()["friday"] == "4.00" and same_day.json()["monday"] == "6.00"
    listed = bob.get(url("availability")).json()["results"]
    assert [a["user"] for a in listed] == [personas.bob.pk]  # not alice's
    assert attrs(bob.post(url("availability"), {"monday": "25"})) == {"effective_from", "monday"}
    assert count(Availability, user=personas.bob) == 1


def test_blocked_time_crud_is_personal(bob, api_as, personas):
    recurring_without_days = bob.post(
        url("blocked-time"),
        {
            "title": "School run",
            "start_date": "2025-01-06",
            "recurring": True,
            "hours_per_day": "1.5",
        },
    )
    assert attrs(recurring_without_days) == {"weekdays"}
    bad_days = bob.post(
        url("blocked-time"),
        {"title": "x", "start_date": "2025-01-06", "weekdays": [7], "hours_per_day": "1"},
    )
    assert attrs(bad_days) == {"weekdays.0"}
    assert count(BlockedTime) == 0

    created = bob.post(
        url("blocked-time"),
        {
            "title": "School run",
            "kind": "caregiving",
            "start_date": "2025-01-06",
            "recurring": True,
            "weekdays": [0, 2],
            "hours_per_day": "1.5",
        },
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["user"] == personas.bob.pk
    patched = bob.patch(url("blocked-time", pk), {"hours_per_day": "2"})
    assert patched.status_code == 200 and patched.json()["hours_per_day"] == "2.00"
    assert len(bob.get(url("blocked-time"), {"kind": "caregiving"}).json()["results"]) == 1
    assert len(bob.get(url("blocked-time"), {"recurring": "false"}).json()["results"]) == 0

    # Alice shares the workspace but not bob's calendar.
    alice = api_as(personas.alice)
    assert len(alice.get(url("blocked-time")).json()["results"]) == 0
    assert alice.delete(url("blocked-time", pk)).status_code == 404
    assert bob.delete(url("blocked-time", pk)).status_code == 204
    assert count(BlockedTime) == 0


def test_capacity_weeks_for_the_caller(bob, acme, personas):
    AvailabilityFactory(workspace=personas.a, user=personas.bob, effective_from=dt.date(2025, 1, 6))
    BlockedTimeFactory(
        workspace=personas.a,
        user=personas.bob,
        start_date=dt.date(2025, 1, 6),
        weekdays=[0],
        hours_per_day=Decimal("2"),
    )
    EngagementFactory(
        client=acme, name="Big", weekly_hour_cap=Decimal("30"), start_date=dt.date(2025, 1, 1)
    )
    TimeEntryFactory(engagement__client=acme, user=personas.bob, date=dt.date(2025, 1, 7))

    response = bob.get(url("capacity"), {"start": "2025-01-08", "weeks": 3})
    assert response.status_code == 200, response.json()
    weeks = response.json()
    assert [w["start"] for w in weeks] == ["2025-01-06", "2025-01-13", "2025-01-20"]
    first = weeks[0]
    assert first["available"] == "38.00" and first["blocked"] == "2.00"
    assert first["committed"] == "30.00" and first["logged"] == "1.50"
    assert first["over_committed"] is False
    assert first["engagements"] == [{"name": "Big", "hours": "30.00"}]

    assert len(bob.get(url("capacity")).json()) == 12
    assert attrs(bob.get(url("capacity"), {"weeks": 53})) == {"weeks"}
    assert attrs(bob.get(url("capacity"), {"weeks": 0, "start": "x"})) == {"weeks", "start"}
