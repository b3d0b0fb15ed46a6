"""Issue #9, item 2: a date outside the sane range (core.dates) is a form error on the
page, and a record that somehow carries one never makes a page answer 500."""

import datetime as dt

from django_scopes import scopes_disabled

from engagements.models import TimeEntry
from tests.engagements.pages.helpers import url
from tests.factories import TimeEntryFactory


def test_time_entry_far_in_the_future_is_a_form_error(client, personas, hourly):
    client.force_login(personas.bob)
    response = client.post(
        url("engagements:engagement_time_save", hourly.pk),
        {"date": "9999-12-31", "minutes": "45", "description": "Far", "billable": "on"},
    )
    assert response.status_code in (200, 302)
    with scopes_disabled():
        assert not TimeEntry.objects.filter(description="Far").exists()


def test_engagement_page_survives_a_stored_far_future_entry(client, personas, hourly):
    # Rows written before the range existed (or by the shell) must not break the page.
    TimeEntryFactory(engagement=hourly, date=dt.date(9999, 12, 31), minutes=30)
    client.force_login(personas.bob)
    assert client.get(url("engagements:engagement_detail", hourly.pk)).status_code == 200


def test_capacity_page_with_an_absurd_start_does_not_500(client, personas):
    client.force_login(personas.bob)
    for start in ("9999-12-01", "0001-01-01", "1999-13-40"):
        response = client.get(url("engagements:capacity"), {"start": start})
        assert response.status_code == 200, start
