"""Invoicing's checks against the ledger (registered in `InvoicingConfig.ready()`, run by
`manage.py ledger_check`, the demo seed and the test suite's `ledger_check` fixture):

- each invoice's amount due equals its receivable balance (zero for drafts, voided
  invoices and credit notes);
- each invoice's paid and credited amounts equal the sums of its allocations;
- each client's credit equals its client-credit liability balance, and is never negative;
- receipts equal allocations: each receipt's and each credit note's allocations sum to
  its amount;
- the cash posted by receipts is exactly the receipts recorded by hand.

Each is a handful of grouped queries, whatever the number of invoices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from accounts.models import Workspace
from core.money import ZERO
from invoicing.models import Allocation, Invoice, OwedChange, Receipt
from invoicing.selectors import OUTSTANDING
from ledger.checks import Problem, register_check, totals_differ
from ledger.models import Entry

Key = tuple[int, str]  # (workspace id, document or party)


def _where(workspace: Workspace | None) -> Q:
    return Q(workspace=workspace) if workspace is not None else Q()


# What invoicing posts (invoicing/postings.py); other apps' postings are theirs to check.
RECEIPT_KINDS = ["receipt", "receipt.reverse", "receipt.refund"]


def _balances(workspace: Workspace | None, code: str, by: str) -> dict[Key, Decimal]:
    rows = (
        Entry.objects.filter(_where(workspace), account__code=code, document__startswith="invoice:")
        .values_list("workspace_id", by)
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(w, key): total for w, key, total in rows}


def _problem(
    workspace_id: int, check: str, subject: str, expected: object, actual: object, message: str
) -> Problem:
    return Problem(
        workspace_id=workspace_id,
        check=check,
        subject=subject,
        expected=str(expected),
        actual=str(actual),
        message=message,
    )


def invoice_due_is_receivable(workspace: Workspace | None) -> Iterable[Problem]:
    receivable = _balances(workspace, "receivable", "document")
    seen: set[Key] = set()
    rows = Invoice.objects.filter(_where(workspace)).values_list(
        "workspace_id",
        "pk",
        "number",
        "kind",
        "status",
        "total",
        "amount_paid",
        "amount_credited",
        "amount_written_off",
    )
    for ws, pk, number, kind, status, total, paid, credited, written_off in rows.iterator():
        key = (ws, f"invoice:{pk}")
        seen.add(key)
        owed = kind == Invoice.Kind.INVOICE and status not in ("draft", "void")
        expected = total - paid - credited - written_off if owed else ZERO
        actual = receivable.get(key, ZERO)
        if expected != actual:
            yield _problem(
                ws,
                "invoice_due_is_receivable",
                f"invoice {number or pk} ({key[1]})",
                expected,
                actual,
                "its amount due differs from its receivable balance",
            )
    for key, balance in receivable.items():
        if key not in seen and balance:
            yield _problem(
                key[0],
                "invoice_due_is_receivable",
                key[1],
                ZERO,
                balance,
                "receivable without an invoice",
            )


def invoice_sums_are_allocations(workspace: Workspace | None) -> Iterable[Problem]:
    sums = {
        (ws, pk): (paid or ZERO, credited or ZERO)
        for ws, pk, paid, credited in Allocation.objects.filter(
            _where(workspace), invoice__isnull=False
        )
        .values_list("workspace_id", "invoice_id")
        .annotate(
            paid=Sum("amount", filter=Q(receipt__isnull=False)),
            credited=Sum("amount", filter=Q(credit_note__isnull=False)),
        )
        .order_by()
    }
    rows = Invoice.objects.filter(_where(workspace)).values_list(
        "workspace_id", "pk", "number", "amount_paid", "amount_credited"
    )
    for ws, pk, number, paid, credited in rows.iterator():
        want = sums.get((ws, pk), (ZERO, ZERO))
        if (paid, credited) != want:
            yield _problem(
                ws,
                "invoice_sums_are_allocations",
                f"invoice {number or pk}",
                f"paid {want[0]}, credited {want[1]}",
                f"paid {paid}, credited {credited}",
                "its paid or credited amount differs from its allocations",
            )


def client_credit_is_liability(workspace: Workspace | None) -> Iterable[Problem]:
    liability = defaultdict(lambda: ZERO)
    rows = (
        Entry.objects.filter(_where(workspace), account__code="client_credit")
        .values_list("workspace_id", "account__party", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for ws, party, currency, total in rows:
        liability[(ws, party, currency)] = -total
    credit = defaultdict(lambda: ZERO)
    rows = (
        Allocation.objects.filter(_where(workspace), invoice__isnull=True)
        .values_list("workspace_id", "client_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for ws, client_id, currency, total in rows:
        credit[(ws, f"client:{client_id}", currency)] = total
    for key in sorted(set(liability) | set(credit)):
        ws, party, currency = key
        if credit[key] < 0:
            yield _problem(
                ws,
                "client_credit_is_liability",
                party,
                f">= 0 {currency}",
                credit[key],
                "negative client credit",
            )
        if credit[key] != liability[key]:
            yield _problem(
                ws,
                "client_credit_is_liability",
                f"{party} {currency}",
                credit[key],
                liability[key],
                "client credit differs from its liability balance",
            )


def receipts_equal_allocations(workspace: Workspace | None) -> Iterable[Problem]:
    receipts = (
        Receipt.objects.filter(_where(workspace))
        .annotate(allocated=Sum("allocations__amount"))
        .values_list("workspace_id", "pk", "amount", "allocated")
    )
    for ws, pk, amount, allocated in receipts.iterator():
        if amount != (allocated or ZERO):
            yield _problem(
                ws,
                "receipts_equal_allocations",
                f"receipt {pk}",
                amount,
                allocated or ZERO,
                "its allocations do not sum to it",
            )
    notes = (
        Invoice.objects.filter(_where(workspace), kind=Invoice.Kind.CREDIT_NOTE)
        .exclude(status="draft")
        .annotate(allocated=Sum("credit_allocations__amount"))
        .values_list("workspace_id", "number", "total", "allocated")
    )
    for ws, number, total, allocated in notes.iterator():
        if total != (allocated or ZERO):
            yield _problem(
                ws,
                "receipts_equal_allocations",
                f"credit note {number}",
                total,
                allocated or ZERO,
                "its allocations do not sum to it",
            )


def cash_is_receipts(workspace: Workspace | None) -> Iterable[Problem]:
    received = {
        (ws, cur): total
        for ws, cur, total in Receipt.objects.filter(_where(workspace))
        .exclude(method=Receipt.Method.STRIPE)
        .values_list("workspace_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    cash = {
        (ws, cur): total
        for ws, cur, total in Entry.objects.filter(
            _where(workspace), account__code="cash", transaction__kind__in=RECEIPT_KINDS
        )
        .values_list("workspace_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    yield from totals_differ(
        "cash_is_receipts",
        received,
        cash,
        subject="cash {}",
        message="cash differs from the receipts recorded",
    )


def owed_sums_match_invoices(workspace: Workspace | None) -> Iterable[Problem]:
    """What the pages read as owed (the `OwedChange` rows the invoices' trigger appends)
    equals what the open invoices owe, per client, currency and due date, in amount and
    in number of invoices."""
    due = F("total") - F("amount_paid") - F("amount_credited") - F("amount_written_off")
    keys = ("workspace_id", "client_id", "currency", "due_date")
    owed = {
        row[:4]: (row[4], row[5])
        for row in Invoice.objects.filter(
            _where(workspace),
            kind=Invoice.Kind.INVOICE,
            status__in=OUTSTANDING,
        )
        .values_list(*keys)
        .annotate(amount=Sum(due), n=Count("pk"))
        .order_by()
    }
    summed = {
        row[:4]: (row[4], row[5])
        for row in OwedChange.objects.filter(_where(workspace))
        .values_list(*keys)
        .annotate(amount=Sum("amount"), n=Sum("invoices"))
        .order_by()
    }
    nothing = (ZERO, 0)
    for key in sorted(set(owed) | set(summed), key=str):
        want, got = owed.get(key, nothing), summed.get(key, nothing)
        if want[0] != got[0] or want[1] != got[1]:
            ws, client, currency, due_date = key
            yield Problem(
                ws,
                "invoicing.owed_sums_match_invoices",
                f"client {client} {currency} due {due_date}",
                f"{want[0]} on {want[1]} invoice(s)",
                f"{got[0]} on {got[1]} invoice(s)",
                "the owed rows the pages read differ from the open invoices",
            )


def register() -> None:
    for check in (
        owed_sums_match_invoices,
        invoice_due_is_receivable,
        invoice_sums_are_allocations,
        client_credit_is_liability,
        receipts_equal_allocations,
        cash_is_receipts,
    ):
        register_check(f"invoicing.{check.__name__}", check)
