"""The time-entry list's rows are built from `values_list()` (engagements.api.serializers.
time_rows), not by TimeEntrySerializer: they must be exactly the serializer's for the same
entries (billable or not, invoiced or not, in the workspace's time zone), and match the
schema."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.renderers import JSONRenderer

from engagements.api.serializers import TimeEntrySerializer
from engagements.api.views.records import _invoiced
from engagements.models import BillingClaim, TimeEntry
from tests.api import url
from tests.engagements.api_helpers import claim
from tests.factories import TimeEntryFactory
from tests.openapi import check_list_page


def test_list_rows_are_the_serializers_rows(api_as, personas, hourly):
    ws = personas.a
    ws.timezone = "Asia/Kolkata"
    ws.save(update_fields=["timezone"])
    entries = [
        TimeEntryFactory(engagement=hourly, user=personas.bob, minutes=15 * i, billable=i % 2)
        for i in range(1, 6)
    ]
    claim(entries[1], BillingClaim.Kind.TIME)
    client = api_as(personas.bob)
    body = client.get(url("time-entries"), {"page_size": 500}).json()
    with scopes_disabled(), timezone.override(zoneinfo.ZoneInfo(ws.timezone)):
        invoiced = _invoiced(BillingClaim.Kind.TIME)
        entries_now = TimeEntry.objects.filter(workspace=ws).annotate(invoiced=invoiced)
        expected = TimeEntrySerializer(entries_now.order_by("-date", "-pk"), many=True).data
    assert {row["invoiced"] for row in body["results"]} == {True, False}
    assert {row["billable"] for row in body["results"]} == {True, False}
    assert bytes(JSONRenderer().render(body["results"])) == bytes(JSONRenderer().render(expected))
    page = client.get(url("time-entries"), {"page_size": 2}).json()
    check_list_page("/api/v1/workspaces/{workspace}/time-entries/", page)
    check_list_page("/api/v1/workspaces/{workspace}/time-entries/", client.get(page["next"]).json())
