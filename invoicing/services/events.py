"""The invoice's timeline: one row per thing that happened to it, shown on its page."""

from __future__ import annotations

from collections.abc import Mapping

from accounts.models import User
from invoicing.models import Invoice, InvoiceEvent


def event(
    invoice: Invoice,
    kind: str,
    actor: User | None = None,
    *,
    data: Mapping[str, object] | None = None,
) -> InvoiceEvent:
    """Record `kind` on the timeline; `data` is what the page shows with it (JSON)."""
    row: InvoiceEvent = InvoiceEvent.objects.create(
        workspace_id=invoice.workspace_id,
        invoice=invoice,
        kind=kind,
        actor=actor,
        data=dict(data or {}),
    )
    return row
