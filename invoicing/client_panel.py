"""The client page's invoices section (registered in InvoicingConfig.ready): what the
client owes per currency and their latest invoices. Two queries, whatever the history:
the balances a sum of the client's `OwedChange` rows (one per currency and due date once
folded, plus the changes since),
the latest invoices the first rows of `invoice_client_recent`."""

from __future__ import annotations

from django.db.models import Q, Sum
from django.utils import timezone

from core.money import ZERO, quantize
from engagements.client_panels import ClientPanel
from engagements.models import Client
from invoicing.models import Invoice, OwedChange

RECENT = 8


def client_invoices_panel(client: Client) -> ClientPanel:
    today = timezone.localdate()
    balances = [
        {
            "currency": r["currency"],
            "amount": quantize(r["owed"] or ZERO, r["currency"]),
            "count": r["open_invoices"],
            "overdue_count": r["overdue_invoices"] or 0,
        }
        for r in OwedChange.objects.filter(client=client)
        .values("currency")
        .annotate(
            owed=Sum("amount"),
            open_invoices=Sum("invoices"),
            overdue_invoices=Sum("invoices", filter=Q(due_date__lt=today)),
        )
        .filter(open_invoices__gt=0)
        .order_by("currency")
    ]
    invoices = list(
        Invoice.objects.filter(client=client).order_by("-created_at", "-pk")[: RECENT + 1]
    )
    return ClientPanel(
        template="invoicing/_client_invoices.html",
        context={
            "balances": balances,
            "invoices": invoices[:RECENT],
            "more": len(invoices) > RECENT,
            "today": today,
        },
    )
