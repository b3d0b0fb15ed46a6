"""Reads shared by pages and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum

from accounts.models import Workspace
from core.money import ZERO, quantize
from invoicing.hooks import pays_online
from invoicing.models import Invoice, OwedChange, Receipt

# Money still expected: open and partly paid invoices.
OUTSTANDING = (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)


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
    inside the workspace's scope, read off `receipt_by_date` (which carries `base_amount`):
    it grows with this year's receipts, not with older ones. Income counts receipts, never
    allocations: an overpayment counts when received, and the credit it leaves is not
    counted again when it is applied to a later invoice."""
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


def invoice_shows_no_way_to_pay(invoice: Invoice) -> bool:
    """True when the client would get this invoice with nothing telling them how to pay:
    no payment instructions (the workspace's, frozen on finalise) and no terms of its own,
    and no card payment to fall back on (`hooks.pays_online`: the workspace takes cards on
    the link). Only for an invoice that is still to be paid: a draft, or one open or
    partly paid."""
    payable = (
        Invoice.Status.DRAFT,
        Invoice.Status.OPEN,
        Invoice.Status.PARTIALLY_PAID,
    )
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in payable:
        return False
    instructions = str(invoice.parties.get("from", {}).get("payment_instructions") or "")
    if instructions.strip() or invoice.terms.strip():
        return False
    return not pays_online(invoice.workspace)


@dataclass(frozen=True)
class Owed:
    """What clients owe in one currency (currencies never add up), and how much of it is
    past its due date."""

    currency: str
    amount: Decimal
    count: int
    overdue: Decimal
    overdue_count: int


def owed_by_currency(*, today: dt.date) -> list[Owed]:
    """Open and partly paid invoices (not credit notes), per currency: what the dashboard
    and the invoice list's cards show. One query over the workspace's `OwedChange` rows
    (one per client, currency and due date once folded, plus the changes since): it grows
    with the due dates still owed, never with the invoices (tests/perf/test_owed.py)."""
    rows = (
        OwedChange.objects.values("currency")
        .annotate(
            owed=Sum("amount"),
            open_invoices=Sum("invoices"),
            overdue=Sum("amount", filter=Q(due_date__lt=today)),
            overdue_invoices=Sum("invoices", filter=Q(due_date__lt=today)),
        )
        .filter(open_invoices__gt=0)
        .order_by("currency")
    )
    return [
        Owed(
            currency=r["currency"],
            amount=quantize(r["owed"] or ZERO, r["currency"]),
            count=r["open_invoices"],
            overdue=quantize(r["overdue"] or ZERO, r["currency"]),
            overdue_count=r["overdue_invoices"] or 0,
        )
        for r in rows
    ]


# PostgreSQL has no skip scan (before 18): `SELECT DISTINCT currency` reads every invoice of
# the workspace. This walks `invoice_currency_recent` (workspace, currency, …) one currency
# at a time instead: one index probe per currency used, whatever the history.
_CURRENCIES_SQL = """
WITH RECURSIVE used(currency) AS (
    (SELECT currency FROM invoicing_invoice WHERE workspace_id = %(ws)s
     ORDER BY currency LIMIT 1)
    UNION ALL
    SELECT (SELECT i.currency FROM invoicing_invoice i
            WHERE i.workspace_id = %(ws)s AND i.currency > used.currency
            ORDER BY i.currency LIMIT 1)
    FROM used WHERE used.currency IS NOT NULL
)
SELECT currency FROM used WHERE currency IS NOT NULL
"""


def invoice_currencies(*, workspace: Workspace) -> list[str]:
    """The currencies the workspace's invoices and credit notes are in, in order (the
    invoice list's currency filter; empty when it has no invoice yet). One query growing
    with the number of currencies used, not with the invoices (an index skip scan)."""
    with connection.cursor() as cursor:
        cursor.execute(_CURRENCIES_SQL, {"ws": workspace.pk})
        return [row[0] for row in cursor.fetchall()]
