"""What each money event of invoicing posts to the ledger, in the transaction of the
change it records. Accounts (ledger/chart.py): a client's receivable carries each
invoice as its document, so an invoice's amount due is its receivable balance.

Event               Debit                           Credit
invoice finalised   receivable (invoice) total      revenue / late_fees; tax_payable
receipt             cash (all received)             receivable per invoice; client_credit
receipt reversed    the mirror of the receipt and of every allocation made from it
credit applied      client_credit                   receivable (invoice)
credit note         credit_notes (its total)        receivable (invoice); client_credit
invoice voided      the mirror of its finalisation and of any write-off
written off         write_offs                      receivable (invoice): what was due
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from core.money import ZERO
from invoicing.models import Allocation, Invoice, InvoiceLine, Receipt
from ledger.models import LedgerTransaction
from ledger.posting import Leg, Posting, post, reverse

INCOME_ACCOUNT: dict[str, str] = {InvoiceLine.Kind.LATE_FEE: "late_fees"}


def party(client_id: int) -> str:
    return f"client:{client_id}"


def document(invoice_id: int) -> str:
    return f"invoice:{invoice_id}"


def _issued_on(invoice: Invoice) -> dt.date:
    assert invoice.issue_date is not None, "a finalised invoice has an issue date"
    return invoice.issue_date


def _finalize_posting(invoice: Invoice, lines: Iterable[InvoiceLine]) -> Posting:
    cur = invoice.currency
    income: dict[str, Decimal] = defaultdict(lambda: ZERO)
    tax = ZERO
    for line in lines:
        income[INCOME_ACCOUNT.get(line.kind, "revenue")] += line.total_amount - line.tax_amount
        tax += line.tax_amount
    legs = [
        Leg("receivable", invoice.total, cur, party(invoice.client_id), document(invoice.pk)),
        Leg("tax_payable", -tax, cur),
        *(Leg(code, -amount, cur) for code, amount in sorted(income.items())),
    ]
    return Posting(
        kind="invoice.finalize",
        on=_issued_on(invoice),
        legs=tuple(legs),
        ref=document(invoice.pk),
        memo=f"Invoice {invoice.number}",
    )


def invoice_finalized(invoice: Invoice) -> LedgerTransaction | None:
    """Revenue and tax earned, owed by the client. Credit notes post when issued."""
    if invoice.kind != Invoice.Kind.INVOICE:
        return None
    p = _finalize_posting(invoice, invoice.lines.all())
    return post(
        workspace=invoice.workspace, kind=p.kind, on=p.on, legs=p.legs, ref=p.ref, memo=p.memo
    )


def invoices_finalized_postings(
    invoices: Sequence[Invoice], lines: Iterable[InvoiceLine]
) -> list[Posting]:
    """The same postings for invoices finalised in bulk (the recurring run)."""
    by_invoice: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        by_invoice[line.invoice_id].append(line)
    return [
        _finalize_posting(invoice, by_invoice[invoice.pk])
        for invoice in invoices
        if invoice.kind == Invoice.Kind.INVOICE
    ]


def _allocation_legs(allocations: Iterable[Allocation], sign: int = -1) -> list[Leg]:
    """Where money went: out of receivable (an invoice) or into client credit."""
    legs = []
    for a in allocations:
        if a.invoice_id is None:
            legs.append(Leg("client_credit", sign * a.amount, a.currency, party(a.client_id)))
        else:
            legs.append(
                Leg(
                    "receivable",
                    sign * a.amount,
                    a.currency,
                    party(a.client_id),
                    document(a.invoice_id),
                )
            )
    return legs


def receipt_posted(
    receipt: Receipt,
    allocations: Sequence[Allocation],
    *,
    settled_to: Mapping[str, Decimal] | None = None,
) -> LedgerTransaction | None:
    """Money in (or, for a reversal or refund, back out) and where it went. `settled_to`:
    the accounts the money landed in (or left), signed, summing to the receipt; by
    default all of it in `cash`."""
    landed = settled_to if settled_to is not None else {"cash": receipt.amount}
    legs = [
        *(Leg(code, amount, receipt.currency) for code, amount in landed.items()),
        *_allocation_legs(allocations),
    ]
    kind = "receipt"
    if receipt.reverses_id:
        kind = "receipt.reverse"
    elif receipt.refund_of_id:
        kind = "receipt.refund"
    return post(
        workspace=receipt.workspace,
        kind=kind,
        on=receipt.received_on,
        legs=legs,
        ref=f"receipt:{receipt.pk}",
        memo=receipt.reference[:200],
    )


def credit_moved(
    *, invoice: Invoice, allocations: Sequence[Allocation], on: dt.date, kind: str
) -> LedgerTransaction | None:
    """Credit moved between the client's credit and invoices (applied, or handed back to
    a reopened invoice): the allocations net to zero per source, so cash is untouched."""
    return post(
        workspace=invoice.workspace,
        kind=kind,
        on=on,
        legs=_allocation_legs(allocations),
        ref=document(invoice.pk),
    )


def credit_note_issued(
    note: Invoice, allocations: Sequence[Allocation]
) -> LedgerTransaction | None:
    legs = [Leg("credit_notes", note.total, note.currency), *_allocation_legs(allocations)]
    return post(
        workspace=note.workspace,
        kind="credit_note",
        on=_issued_on(note),
        legs=legs,
        ref=document(note.pk),
        memo=f"Credit note {note.number}",
    )


def invoice_voided(invoice: Invoice, on: dt.date) -> list[LedgerTransaction]:
    """The mirror of what the invoice posted: its finalisation and any write-off (a void
    needs no payments or credit notes on it, so nothing else touched its receivable)."""
    posted = LedgerTransaction.objects.filter(
        workspace=invoice.workspace,
        kind__in=["invoice.finalize", "invoice.write_off"],
        ref=document(invoice.pk),
        reversed_by__isnull=True,
    ).order_by("pk")
    return [
        reverse(transaction=t, on=on, kind="invoice.void", memo=f"Void {invoice.number}")
        for t in posted
    ]


def invoice_written_off(invoice: Invoice, amount: Decimal, on: dt.date) -> LedgerTransaction | None:
    cur = invoice.currency
    return post(
        workspace=invoice.workspace,
        kind="invoice.write_off",
        on=on,
        legs=[
            Leg("write_offs", amount, cur),
            Leg("receivable", -amount, cur, party(invoice.client_id), document(invoice.pk)),
        ],
        ref=document(invoice.pk),
        memo=f"Written off {invoice.number}",
    )
