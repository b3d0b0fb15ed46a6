"""Invoice and credit-note numbers: one gapless series per workspace and kind."""

from __future__ import annotations

import datetime as dt

from accounts.models import Workspace
from invoicing.models import (
    Invoice,
    NumberSeries,
)


def _format_number(
    series: NumberSeries, workspace: Workspace, number: int, issue_date: dt.date
) -> str:
    prefix = workspace.invoice_prefix if series.kind == Invoice.Kind.INVOICE else "CN-"
    return series.pattern.format(
        prefix=prefix, number=str(number).zfill(series.padding), year=issue_date.year
    )


def next_numbers(
    *, workspace: Workspace, kind: str, issue_date: dt.date, count: int = 1
) -> list[str]:
    """Take the next `count` numbers of the series in one locked update, inside the
    caller's transaction, which must use them all or roll back: concurrent callers queue
    on the row lock, a rollback returns the numbers, so the series stays gapless."""
    if count == 0:
        return []
    # get_or_create without a race: a conflicting insert is ignored, then the row locked.
    NumberSeries.objects.bulk_create(
        [NumberSeries(workspace=workspace, kind=kind)], ignore_conflicts=True
    )
    series = NumberSeries.objects.select_for_update().get(workspace=workspace, kind=kind)
    first = series.next_number
    series.next_number = first + count
    series.save(update_fields=["next_number"])
    return [
        _format_number(series, workspace, number, issue_date)
        for number in range(first, first + count)
    ]
