"""The payment list's rows from `values_list()`: what `PaymentSerializer` renders for a
list row (its allocations included), without model instances or DRF's fields, as
invoice_rows does for invoices. `PaymentSerializer` stays the contract (the schema, and
tests/invoicing/test_api_payment_rows.py comparing the two)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from core.api.rows import AmountText, DatetimeText, Row
from invoicing.models import Allocation, Receipt

# Every `ordering_fields` entry is among them: the paginator reads a row's position here.
COLUMNS = (
    "id",
    "client_id",
    "invoice_id",
    "amount",
    "currency",
    "received_on",
    "method",
    "reference",
    "reverses_id",
    "reversed",
    "rate_to_base",
    "base_amount",
    "workspace__base_currency",
    "recorded_by_id",
    "created_at",
)
ALLOCATION_COLUMNS = ("receipt_id", "id", "kind", "invoice_id", "amount", "currency", "created_at")
# Receipt.rate_to_base is DecimalField(20, 10): DRF's field rounds to 10 places.
RATE_UNIT = Decimal(1).scaleb(-10)


def payment_values(queryset: QuerySet[Receipt]) -> QuerySet[Any]:
    """The list's query: the receipts' columns, `reversed` as an EXISTS."""
    reversed_by = Receipt.objects.filter(reverses=OuterRef("pk"))
    return queryset.annotate(reversed=Exists(reversed_by)).values_list(*COLUMNS)


def payment_rows(values: Iterable[tuple[Any, ...]]) -> list[Row]:
    """`PaymentSerializer(many=True).data` for these `payment_values()` rows: one more
    query reads the allocations of the whole page, in `pk` order as the detail's."""
    page = list(values)
    amount, when = AmountText(), DatetimeText()
    allocations: dict[int, list[Row]] = defaultdict(list)
    query = Allocation.objects.filter(receipt_id__in=[row[0] for row in page]).order_by("pk")
    for receipt_id, pk, kind, invoice_id, value, currency, created_at in query.values_list(
        *ALLOCATION_COLUMNS
    ):
        allocations[receipt_id].append(
            {
                "id": pk,
                "kind": kind,
                "invoice": invoice_id,
                "amount": amount(value, currency),
                "currency": currency,
                "created_at": when(created_at),
            }
        )
    rows: list[Row] = []
    for (
        pk,
        client_id,
        invoice_id,
        received,
        currency,
        received_on,
        method,
        reference,
        reverses_id,
        reversed_,
        rate_to_base,
        base_amount,
        base_currency,
        recorded_by_id,
        created_at,
    ) in page:
        rate = None
        if rate_to_base is not None:
            rate = f"{rate_to_base.quantize(RATE_UNIT, rounding=ROUND_HALF_EVEN):f}"
        rows.append(
            {
                "id": pk,
                "client": client_id,
                "invoice": invoice_id,
                "amount": amount(received, currency),
                "currency": currency,
                "received_on": received_on.isoformat(),
                "method": method,
                "reference": reference,
                "reverses": reverses_id,
                "reversed": reversed_,
                "allocations": allocations.get(pk, []),
                "rate_to_base": rate,
                "base_amount": amount(base_amount, base_currency),
                "recorded_by": recorded_by_id,
                "created_at": when(created_at),
            }
        )
    return rows
