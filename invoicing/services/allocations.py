"""Allocations: where received money and credit-note credit went. The invoice's paid and
credited amounts and a client's credit balance are sums of allocations; the helpers here
write allocations and bring an invoice's stored sums and status back in line with them.

Locking: every writer of a client's money takes the client's row lock first, then the
invoices' (in pk order), so two of them never deadlock and credit is never spent twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Subquery, Sum

from core.money import ZERO
from engagements.models import Client
from invoicing.models import Allocation, Invoice, Receipt
from invoicing.services.state import settle_status

CreditSource = Receipt | Invoice  # a receipt, or a credit note


def lock_client(client_id: int) -> None:
    Client.objects.select_for_update().filter(pk=client_id).first()


def allocate(
    *,
    source: CreditSource,
    invoice: Invoice | None,
    amount: Decimal,
    client_id: int,
    kind: str,
) -> Allocation:
    """One allocation of `amount` from `source` to `invoice` (None: the client's credit)."""
    is_receipt = isinstance(source, Receipt)
    row: Allocation = Allocation.objects.create(
        workspace_id=source.workspace_id,
        client_id=client_id,
        receipt=source if is_receipt else None,
        credit_note=None if is_receipt else source,
        invoice=invoice,
        amount=amount,
        currency=source.currency,
        kind=kind,
    )
    return row


def refresh_invoice(invoice: Invoice) -> None:
    """Re-derive `amount_paid` (from receipts) and `amount_credited` (from credit notes)
    from the invoice's allocations, then its status. The invoice must be locked."""
    sums = Allocation.objects.filter(invoice=invoice).aggregate(
        paid=Sum("amount", filter=Q(receipt__isnull=False)),
        credited=Sum("amount", filter=Q(credit_note__isnull=False)),
    )
    invoice.amount_paid = sums["paid"] or ZERO
    invoice.amount_credited = sums["credited"] or ZERO
    settle_status(invoice)
    invoice.save(update_fields=["amount_paid", "amount_credited", "status"])


def client_credit_balance(*, client: Client, currency: str) -> Decimal:
    """What the client has in credit in `currency`: allocations to no invoice."""
    total = Allocation.objects.filter(
        client=client, currency=currency, invoice__isnull=True
    ).aggregate(s=Sum("amount"))["s"]
    return total or ZERO


@dataclass(frozen=True)
class Available:
    source: CreditSource
    amount: Decimal


def credit_sources(*, client: Client, currency: str) -> list[Available]:
    """The client's credit in `currency` by where it came from, oldest first (spent first):
    receipts not reversed and issued credit notes that still hold credit."""
    # A receipt's credit left: its own allocations to credit and its refunds' (a refund
    # gives back the payment's unapplied credit first).
    in_credit = (
        Allocation.objects.filter(
            Q(receipt=OuterRef("pk")) | Q(receipt__refund_of=OuterRef("pk")),
            invoice__isnull=True,
        )
        .order_by()
        .values("client")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    receipts = (
        Receipt.objects.filter(
            client=client, currency=currency, reverses__isnull=True, refund_of__isnull=True
        )
        .exclude(Exists(Receipt.objects.filter(reverses=OuterRef("pk"))))
        .annotate(left=Subquery(in_credit))
        .filter(left__gt=0)
    )
    notes = (
        Invoice.objects.filter(client=client, currency=currency, kind=Invoice.Kind.CREDIT_NOTE)
        .annotate(
            left=Sum(
                "credit_allocations__amount", filter=Q(credit_allocations__invoice__isnull=True)
            )
        )
        .filter(left__gt=0)
    )
    found: list[Available] = [Available(r, r.left) for r in receipts]
    found += [Available(n, n.left) for n in notes]
    found.sort(key=lambda a: (a.source.created_at, a.source.pk))
    return found


def move_credit(
    *,
    invoice: Invoice,
    limit: Decimal,
    kind: str,
    only: Callable[[CreditSource], bool] | None = None,
) -> list[Allocation]:
    """Move up to `limit` of the client's credit onto `invoice`, oldest source first
    (only the sources `only` accepts, when given): for each source a pair of allocations
    (−credit, +invoice), so the source's total is unchanged. Returns the allocations."""
    moved: list[Allocation] = []
    left = limit
    for available in credit_sources(client=invoice.client, currency=invoice.currency):
        if only is not None and not only(available.source):
            continue
        take = min(available.amount, left)
        if take <= 0:
            break
        client_id = invoice.client_id
        for target, amount in ((None, -take), (invoice, take)):
            moved.append(
                allocate(
                    source=available.source,
                    invoice=target,
                    amount=amount,
                    client_id=client_id,
                    kind=kind,
                )
            )
        left -= take
    return moved


def moved_to_invoices(allocations: list[Allocation]) -> Decimal:
    return sum((a.amount for a in allocations if a.invoice_id), ZERO)
