"""The client page's invoices section (registered in InvoicingConfig.ready): what the
client owes per currency and their latest invoices. Two queries, whatever the history:
the balances are an index-only read of the client's open invoices (`invoice_open_owed`),
the latest invoices the first rows of `invoice_client_recent`."""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from core.money import ZERO, quantize
from engagements.client_panels import ClientPanel
from engagements.models import Client
from invoicing.models import Invoice

RECENT = 8
OUTSTANDING = (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)


def client_invoices_panel(client: Client) -> ClientPanel:
    today = timezone.localdate()
    due = F("total") - F("amount_paid") - F("amount_credited") - F("amount_written_off")
    balances = [
        {
            "currency": r["currency"],
            "amount": quantize(r["amount"] or ZERO, r["currency"]),
            "count": r["count"],
            "overdue_count": r["overdue_count"],
        }
        for r in Invoice.objects.filter(
            client=client, kind=Invoice.Kind.INVOICE, status__in=OUTSTANDING
        )
        .values("currency")
        .annotate(
            amount=Sum(due),
            count=Count("*"),
            # Of a column in the index (a due date before today is never null).
            overdue_count=Count("due_date", filter=Q(due_date__lt=today)),
        )
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
