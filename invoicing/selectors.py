"""Reads shared by pages and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from core.money import ZERO
from invoicing.models import Payment


@dataclass(frozen=True)
class IncomeSummary:
    currency: str
    month: Decimal
    quarter: Decimal
    year: Decimal
    unconverted: int  # payments this year with no exchange rate on their date
    quarter_start: dt.date


def income_received(*, base_currency: str, today: dt.date) -> IncomeSummary:
    """Money received (payments net of reversals) this month, quarter and year, in the
    base currency at each payment's rate on its date. One query; inside the workspace's
    scope. Client credit applied to an invoice is not new money, so it is left out."""
    month = today.replace(day=1)
    quarter = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    year = today.replace(month=1, day=1)
    rows = Payment.objects.filter(received_on__gte=year, received_on__lte=today).exclude(
        method=Payment.Method.CREDIT
    )
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
