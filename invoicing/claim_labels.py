"""How an engagement's frozen-period messages name the invoice holding a claim.

`engagements` sits below `invoicing`, so it cannot read invoices; it asks the labellers
registered with `engagements.frozen.register_claim_labeller`, and this is invoicing's
(registered in `InvoicingConfig.ready`): "invoice:<pk>" → the invoice's number, or
"draft <pk>" for a draft (whose line can simply be removed)."""

from __future__ import annotations

from django_scopes import scopes_disabled

from engagements.frozen import ClaimHolder
from invoicing.models import Invoice


def invoice_claim_holder(ref: str) -> ClaimHolder | None:
    kind, _, pk = ref.partition(":")
    if kind != "invoice" or not pk.isdigit():
        return None
    # The reference comes from a live claim of the engagement being written, so it names
    # an invoice of that same workspace; read without a scope because CSV imports and
    # tasks may ask outside a request's.
    with scopes_disabled():
        row = Invoice.objects.filter(pk=int(pk)).values_list("number", "status").first()
    if row is None:
        return None
    number, status = row
    if status == Invoice.Status.DRAFT:
        return ClaimHolder(label=f"draft {pk}", draft=True)
    return ClaimHolder(label=number, draft=False)
