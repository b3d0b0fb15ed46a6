"""The invoice list's rows from `values()`: what `InvoiceSerializer` renders for a list
row, field for field, without building model instances or running DRF's fields (see
core.api.rows for why). `InvoiceSerializer` stays the contract: the schema is generated
from it, and tests/invoicing/test_api_invoice_rows.py compares the two on every kind of
invoice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from core.api.rows import AmountText, DatetimeText, Row, date_text
from invoicing.models import Invoice

# The columns a row needs (every `ordering_fields` entry among them: the paginator reads
# a row's position from it).
COLUMNS = (
    "id",
    "kind",
    "number",
    "status",
    "client_id",
    "client__name",
    "credits_id",
    "currency",
    "issue_date",
    "due_date",
    "notes",
    "terms",
    "subtotal",
    "discount_total",
    "tax_total",
    "total",
    "amount_paid",
    "amount_credited",
    "amount_written_off",
    "token_hash",
    "link_revoked_at",
    "schedule_id",
    "created_at",
    "finalized_at",
    "sent_at",
    "viewed_at",
    "voided_at",
)
COLLECTING = frozenset({Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID})
ZERO = Decimal(0)


def invoice_rows(values: Iterable[Row], *, today: dt.date | None) -> list[Row]:
    """`InvoiceSerializer(many=True).data` for these `values(*COLUMNS)` rows; `today` in
    the workspace's time zone decides `overdue`, as the serializer's context does."""
    amount, when = AmountText(), DatetimeText()
    rows = []
    for v in values:
        currency = v["currency"]
        total, paid = v["total"], v["amount_paid"]
        credited, written_off = v["amount_credited"], v["amount_written_off"]
        due_date = v["due_date"]
        rows.append(
            {
                "id": v["id"],
                "kind": v["kind"],
                "number": v["number"],
                "status": v["status"],
                "client": v["client_id"],
                "client_name": v["client__name"],
                "credits": v["credits_id"],
                "currency": currency,
                "issue_date": date_text(v["issue_date"]),
                "due_date": date_text(due_date),
                "notes": v["notes"],
                "terms": v["terms"],
                "subtotal": amount(v["subtotal"], currency),
                "discount_total": amount(v["discount_total"], currency),
                "tax_total": amount(v["tax_total"], currency),
                "total": amount(total, currency),
                "amount_paid": amount(paid, currency),
                "amount_credited": amount(credited, currency),
                "amount_written_off": amount(written_off, currency),
                # Invoice.amount_due: never below zero (credit beyond it is the client's).
                "amount_due": amount(max(total - paid - credited - written_off, ZERO), currency),
                "overdue": bool(
                    today and v["status"] in COLLECTING and due_date and due_date < today
                ),
                "link_active": bool(v["token_hash"] and not v["link_revoked_at"]),
                "schedule": v["schedule_id"],
                "created_at": when(v["created_at"]),
                "finalized_at": when(v["finalized_at"]),
                "sent_at": when(v["sent_at"]),
                "viewed_at": when(v["viewed_at"]),
                "voided_at": when(v["voided_at"]),
            }
        )
    return rows
