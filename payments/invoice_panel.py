"""The invoice page's card payments section (registered in PaymentsConfig.ready): each
card payment with its split, refunds and disputes, and a refund form for those that
succeeded. Three queries, whatever the invoice's history; none when it has no card
payments beyond the first."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest

from core.money import amount_input
from invoicing.models import Invoice
from payments.models import CardDispute, CardPayment, CardRefund


def card_payments_panel(
    invoice: Invoice, request: HttpRequest
) -> tuple[str, dict[str, Any]] | None:
    payments = list(
        CardPayment.objects.filter(invoice=invoice)
        .prefetch_related(
            Prefetch("refunds", queryset=CardRefund.objects.order_by("created_at", "pk")),
            Prefetch("disputes", queryset=CardDispute.objects.order_by("created_at", "pk")),
        )
        .order_by("created_at", "pk")
    )
    if not payments:
        return None
    membership = getattr(request, "membership", None)
    can_refund = membership is not None and membership.can_write
    rows = []
    for payment in payments:
        refunds = list(payment.refunds.all())
        asked = sum((r.amount for r in refunds if r.status != "failed"), Decimal(0))
        refundable = payment.amount - asked
        succeeded = payment.status == CardPayment.Status.SUCCEEDED and payment.receipt_id
        rows.append(
            {
                "payment": payment,
                "refunds": refunds,
                "disputes": list(payment.disputes.all()),
                "refundable": refundable,
                "refundable_input": amount_input(refundable, payment.currency),
                "can_refund": bool(can_refund and succeeded and refundable > 0),
            }
        )
    return "payments/_invoice_card_payments.html", {"rows": rows, "invoice": invoice}
