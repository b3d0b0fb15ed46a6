"""The client's credit: money received beyond what was due and credit notes beyond what
was owed, used towards later invoices in the same currency, oldest credit first."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from accounts.models import User
from accounts.services import audit_record
from core.money import ZERO
from invoicing import postings
from invoicing.models import Allocation, Invoice, Receipt
from invoicing.services.allocations import (
    allocate,
    client_credit_balance,
    lock_client,
    move_credit,
    moved_to_invoices,
    refresh_invoice,
)
from invoicing.services.events import event
from invoicing.services.state import Status, ensure_owed, lock_invoice

__all__ = ["client_credit_apply", "client_credit_balance", "client_credit_unapply"]


@transaction.atomic
def client_credit_apply(*, invoice: Invoice, actor: User | None) -> Decimal:
    """Use the client's credit in the invoice's currency towards it. Returns the amount
    applied (zero when there was none to use)."""
    lock_client(invoice.client_id)
    invoice = lock_invoice(invoice)
    ensure_owed(invoice, "Credit is applied to open invoices.")
    moved = move_credit(
        invoice=invoice, limit=invoice.amount_due, kind=Allocation.Kind.CREDIT_APPLIED
    )
    applied = moved_to_invoices(moved)
    if applied <= 0:
        return ZERO
    refresh_invoice(invoice)
    today = invoice.workspace.today()
    postings.credit_moved(invoice=invoice, allocations=moved, on=today, kind="credit.apply")
    event(invoice, "credit_applied", actor, data={"amount": str(applied)})
    if invoice.status == Status.PAID:
        event(invoice, "paid", actor)
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="credit.apply",
        obj=invoice,
        details={"amount": str(applied)},
    )
    return applied


@transaction.atomic
def client_credit_unapply(*, invoice: Invoice, actor: User | None) -> Decimal:
    """Undo credit applied to an invoice by mistake: what each source put on it goes back
    to the client's credit (a pair of allocations per source, nothing deleted). Returns
    the amount given back (zero when none was applied)."""
    lock_client(invoice.client_id)
    invoice = lock_invoice(invoice)
    ensure_owed(invoice, "Credit is taken back from open or paid invoices.", paid_too=True)
    applied = (
        Allocation.objects.filter(
            invoice=invoice,
            kind__in=[Allocation.Kind.CREDIT_APPLIED, Allocation.Kind.CREDIT_RETURNED],
        )
        .values("receipt", "credit_note")
        .annotate(total=Sum("amount"))
        .order_by("receipt", "credit_note")
    )
    moved: list[Allocation] = []
    for row in applied:
        if row["total"] <= 0:
            continue
        source = (
            Receipt.objects.get(pk=row["receipt"])
            if row["receipt"]
            else Invoice.objects.get(pk=row["credit_note"])
        )
        for target, amount in ((invoice, -row["total"]), (None, row["total"])):
            moved.append(
                allocate(
                    source=source,
                    invoice=target,
                    amount=amount,
                    client_id=invoice.client_id,
                    kind=Allocation.Kind.CREDIT_APPLIED,
                )
            )
    given_back = -moved_to_invoices(moved)
    if given_back <= 0:
        return ZERO
    refresh_invoice(invoice)
    today = invoice.workspace.today()
    postings.credit_moved(invoice=invoice, allocations=moved, on=today, kind="credit.unapply")
    event(invoice, "credit_unapplied", actor, data={"amount": str(given_back)})
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="credit.unapply",
        obj=invoice,
        details={"amount": str(given_back)},
    )
    return given_back
