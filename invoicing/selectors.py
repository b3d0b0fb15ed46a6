"""Reads shared by pages and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from core.money import ZERO
from invoicing.models import Receipt


@dataclass(frozen=True)
class IncomeSummary:
    currency: str
    month: Decimal
    quarter: Decimal
    year: Decimal
    unconverted: int  # receipts this year with no exchange rate on their date
    quarter_start: dt.date


def income_received(*, base_currency: str, today: dt.date) -> IncomeSummary:
    """Money received (receipts, in full, net of reversals on their own dates) this month,
    quarter and year, in the base currency at each receipt's rate on its date. One query;
    inside the workspace's scope. Income counts receipts, never allocations: an
    overpayment counts when received, and the credit it leaves is not counted again when
    it is applied to a later invoice."""
    month = today.replace(day=1)
    quarter = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    year = today.replace(month=1, day=1)
    rows = Receipt.objects.filter(received_on__gte=year, received_on__lte=today)
    totals = rows.aggregate(
        month=Sum("base_amount", filter=Q(received_on__gte=month)),
        quarter=Sum("base_amount", filter=Q(received_on__gte=quarter)),
        year=Sum("base_amount"),
        unconverted=Count("pk", filter=Q(base_amount__isnull=True)),
    )
    return IncomeSummary(
        currency=base_currency,
        month=totals["month"] or ZERO,
        quarter=totals["quarter"] or ZERO,
        year=totals["year"] or ZERO,
        unconverted=totals["unconverted"],
        quarter_start=quarter,
    )
