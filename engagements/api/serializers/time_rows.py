"""The time-entry list's rows from `values_list()`: what `TimeEntrySerializer` renders for
a list row, without model instances or DRF's fields (time entries are the fastest-growing
table of a workspace; see core.api.rows). `TimeEntrySerializer` stays the contract (the
schema, and tests/engagements/test_api_time_rows.py comparing the two)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.api.rows import DatetimeText, Row

# Every `ordering_fields` entry is among them: the paginator reads a row's position here.
# `invoiced` is the viewset's annotation (an EXISTS over the record's live claims).
COLUMNS = (
    "id",
    "engagement_id",
    "user_id",
    "date",
    "minutes",
    "description",
    "billable",
    "invoiced",
    "created_at",
)


def time_entry_rows(values: Iterable[tuple[Any, ...]]) -> list[Row]:
    """`TimeEntrySerializer(many=True).data` for these `values_list(*COLUMNS)` rows."""
    when = DatetimeText()
    return [
        {
            "id": pk,
            "engagement": engagement_id,
            "user": user_id,
            "date": date.isoformat(),
            "minutes": minutes,
            "description": description,
            "billable": billable,
            "invoiced": bool(invoiced),
            "created_at": when(created_at),
        }
        for (
            pk,
            engagement_id,
            user_id,
            date,
            minutes,
            description,
            billable,
            invoiced,
            created_at,
        ) in values
    ]
