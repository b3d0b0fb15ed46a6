"""The invoice list's rows from `values_list()`: what `InvoiceSerializer` renders for a
list row, field for field, without building model instances or running DRF's fields (see
core.api.rows for why). `InvoiceSerializer` stays the contract: the schema is generated
from it, and tests/invoicing/test_api_invoice_rows.py compares the two on every kind of
invoice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from core.api.rows import AmountText, DatetimeText, Row
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


def invoice_rows(values: Iterable[tuple[Any, ...]], *, today: dt.date | None) -> list[Row]:
    """`InvoiceSerializer(many=True).data` for these `values_list(*COLUMNS)` rows; `today`
    in the workspace's time zone decides `overdue`, as the serializer's context does."""
    amount, when = AmountText(), DatetimeText()
    # A page is up to 500 rows × 28 fields, so the loop is written for speed (tuples
    # unpacked into locals, no call for what is usually NULL); each field is formatted as
    # core.api.rows formats it.
    rows: list[Row] = []
    append = rows.append
    for (
        pk,
        kind,
        number,
        status,
        client_id,
        client_name,
        credits_id,
        currency,
        issue_date,
        due_date,
        notes,
        terms,
        subtotal,
        discount_total,
        tax_total,
        total,
        paid,
        credited,
        written_off,
        token_hash,
        link_revoked_at,
        schedule_id,
        created_at,
        finalized_at,
        sent_at,
        viewed_at,
        voided_at,
    ) in values:
        # Invoice.amount_due: never below zero (credit beyond it is the client's).
        due = max(total - paid - credited - written_off, ZERO)
        append(
            {
                "id": pk,
                "kind": kind,
                "number": number,
                "status": status,
                "client": client_id,
                "client_name": client_name,
                "credits": credits_id,
                "currency": currency,
                "issue_date": issue_date.isoformat() if issue_date is not None else None,
                "due_date": due_date.isoformat() if due_date is not None else None,
                "notes": notes,
                "terms": terms,
                "subtotal": amount(subtotal, currency),
                "discount_total": amount(discount_total, currency),
                "tax_total": amount(tax_total, currency),
                "total": amount(total, currency),
                "amount_paid": amount(paid, currency),
                "amount_credited": amount(credited, currency),
                "amount_written_off": amount(written_off, currency),
                "amount_due": amount(due, currency),
                "overdue": bool(today and status in COLLECTING and due_date and due_date < today),
                "link_active": bool(token_hash and not link_revoked_at),
                "schedule": schedule_id,
                "created_at": when(created_at),
                "finalized_at": when(finalized_at) if finalized_at else None,
                "sent_at": when(sent_at) if sent_at else None,
                "viewed_at": when(viewed_at) if viewed_at else None,
                "voided_at": when(voided_at) if voided_at else None,
            }
        )
    return rows
