"""Issue #9, item 2: the API answers a date outside the sane range with a 400 that names
the field, for declared and model-derived date fields alike."""

from tests.api import attrs, url


def test_time_entry_dated_9999_is_a_field_error(bob, hourly):
    body = {"engagement": hourly.pk, "date": "9999-12-31", "minutes": 90}
    assert attrs(bob.post(url("time-entries"), body)) == {"date"}
    body["date"] = "1969-12-31"
    assert attrs(bob.post(url("time-entries"), body)) == {"date"}


def test_capacity_start_far_in_the_future_is_a_field_error(bob):
    assert attrs(bob.get(url("capacity"), {"start": "9999-12-01"})) == {"start"}
