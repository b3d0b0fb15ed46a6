"""Plain helpers shared by the reminder, late-fee, recurring and schedule-page tests."""

import datetime as dt
from decimal import Decimal as D

from invoicing import services
from invoicing.models import Invoice
from tests.factories import ClientFactory

S = Invoice.Status
RUN_DAY = dt.date(2026, 11, 24)  # the recurring tests' "today"


def open_invoice(p, *, due: dt.date, finalised: dt.date | None = None, amount="1000"):
    """A finalised invoice of A's due on `due`, finalised on `finalised` (default: 30
    days before it is due)."""
    client = ClientFactory(workspace=p.a, currency="USD", email="ap@client.example")
    invoice = services.invoice_create_draft(
        workspace=p.a, actor=p.alice, client=client, due_date=due
    )
    services.invoice_line_save(
        invoice=invoice, actor=p.alice, description="Work", quantity=D(1), unit_price=D(amount)
    )
    invoice = services.invoice_finalize(invoice=invoice, actor=p.alice)
    finalised = finalised or due - dt.timedelta(days=30)
    Invoice.objects.filter(pk=invoice.pk).update(
        finalized_at=dt.datetime.combine(finalised, dt.time(9), tzinfo=dt.UTC)
    )
    invoice.refresh_from_db()
    return invoice
