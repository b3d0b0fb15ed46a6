"""CSV export of clients, engagements, time entries and expenses.

Exports stream (`core.csvtools.csv_stream`) from one `values()` query each, with
`.iterator()`, so the number of queries does not grow with the rows. Text a person typed
is guarded against spreadsheet formula injection: a cell starting with = + - @ (or tab/CR)
gets a leading single quote, which the import strips again so a round trip is lossless.
The clients' columns are the import's (`csv_columns.CLIENT_COLUMNS`), for that round trip."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Workspace
from core.money import quantize
from engagements.csv_columns import CLIENT_COLUMNS, hours_text
from engagements.models import Client, Engagement, Expense, TimeEntry
from engagements.pay_models import ALL_TERMS, MONEY_TERMS


def _money(value: Decimal | None, currency: str) -> str:
    return "" if value is None else str(quantize(value, currency))


def _plain(value: object) -> object:
    """Decimals without trailing zeros (150.0000 → 150, 12.50 → 12.5); None as empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


@dataclass(frozen=True)
class Export:
    header: list[str]
    rows: Iterator[list[object]]


def export_clients(workspace: Workspace) -> Export:
    fields = [c.name for c in CLIENT_COLUMNS]
    header = ["id", *fields, "archived_at", "created_at"]
    rows = (
        Client.objects.filter(workspace=workspace)
        .order_by("name", "pk")
        .values_list("pk", *fields, "archived_at", "created_at")
        .iterator(chunk_size=2000)
    )
    return Export(header, ([_iso(v) for v in row] for row in rows))


def export_engagements(workspace: Workspace) -> Export:
    """One row per engagement; the pay-model terms are columns, empty where the pay model
    does not use them."""
    base = [
        "pk",
        "name",
        "client_id",
        "client__name",
        "pay_model",
        "status",
        "currency",
        "start_date",
        "end_date",
        "benefits_contribution_percent",
        "estimated_hours_per_week",
    ]
    header = [
        "id",
        "name",
        "client_id",
        "client",
        "pay_model",
        "status",
        "currency",
        "start_date",
        "end_date",
        "benefits_contribution_percent",
        "estimated_hours_per_week",
        *ALL_TERMS,
        "description",
    ]
    queryset = (
        Engagement.objects.filter(workspace=workspace)
        .order_by("client__name", "name", "pk")
        .values(*base, *ALL_TERMS, "description")
        .iterator(chunk_size=2000)
    )

    def rows() -> Iterator[list[object]]:
        for e in queryset:
            terms = [
                _money(e[t], e["currency"]) if t in MONEY_TERMS else _plain(e[t]) for t in ALL_TERMS
            ]
            yield [
                *(_iso(_plain(e[f])) for f in base),
                *terms,
                e["description"],
            ]

    return Export(header, rows())


def export_time_entries(workspace: Workspace) -> Export:
    header = [
        "id",
        "date",
        "engagement_id",
        "engagement",
        "client",
        "minutes",
        "hours",
        "description",
        "billable",
        "user",
    ]
    queryset = (
        TimeEntry.objects.filter(workspace=workspace)
        .order_by("date", "pk")
        .values_list(
            "pk",
            "date",
            "engagement_id",
            "engagement__name",
            "engagement__client__name",
            "minutes",
            "description",
            "billable",
            "user__email",
        )
        .iterator(chunk_size=5000)
    )

    def rows() -> Iterator[list[object]]:
        for pk, day, eid, ename, cname, minutes, description, billable, email in queryset:
            hours = hours_text(minutes)
            yield [
                pk,
                day.isoformat(),
                eid,
                ename,
                cname,
                minutes,
                hours,
                description,
                "yes" if billable else "no",
                email or "",
            ]

    return Export(header, rows())


def export_expenses(workspace: Workspace) -> Export:
    header = [
        "id",
        "date",
        "engagement_id",
        "engagement",
        "client",
        "category",
        "description",
        "amount",
        "currency",
        "rebillable",
        "markup_percent",
        "rebill_amount",
        "receipt",
    ]
    queryset = (
        Expense.objects.filter(workspace=workspace)
        .order_by("date", "pk")
        .values_list(
            "pk",
            "date",
            "engagement_id",
            "engagement__name",
            "engagement__client__name",
            "category",
            "description",
            "amount",
            "engagement__currency",
            "rebillable",
            "markup_percent",
            "receipt",
        )
        .iterator(chunk_size=5000)
    )

    def rows() -> Iterator[list[object]]:
        for (pk, day, eid, ename, cname, category, description, amount, currency,
             rebillable, markup, receipt) in queryset:  # fmt: skip
            rebill = amount * (100 + markup) / 100 if rebillable else None
            yield [
                pk,
                day.isoformat(),
                eid,
                ename,
                cname,
                category,
                description,
                _money(amount, currency),
                currency,
                "yes" if rebillable else "no",
                _plain(markup),
                _money(rebill, currency),
                receipt.rsplit("/", 1)[-1] if receipt else "",
            ]

    return Export(header, rows())


def _iso(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return value


EXPORTS = {
    "clients": export_clients,
    "engagements": export_engagements,
    "time-entries": export_time_entries,
    "expenses": export_expenses,
}
