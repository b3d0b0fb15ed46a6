"""The late fee policy and late-fee invoices.

A late fee is its own invoice with one LATE_FEE line, at most one per overdue invoice
unless the earlier one was voided."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.dates import format_day
from core.money import ZERO
from invoicing.models import (
    Invoice,
    InvoiceLine,
    LateFeePolicy,
)
from invoicing.services.drafts import invoice_create_draft, recalculate
from invoicing.services.events import event
from invoicing.services.invoices import invoice_finalize
from invoicing.services.state import REMINDABLE, Status, ensure_owed, lock_invoice
from invoicing.totals import late_fee


def late_fee_policy_for(workspace: Workspace) -> LateFeePolicy | None:
    return LateFeePolicy.objects.filter(workspace=workspace).first()


@transaction.atomic
def late_fee_policy_save(
    *,
    workspace: Workspace,
    actor: User,
    kind: str,
    fixed_amount: Decimal | None = None,
    annual_interest_percent: Decimal | None = None,
    grace_days: int = 0,
) -> LateFeePolicy:
    errors = {}
    if kind == LateFeePolicy.Kind.FIXED and not fixed_amount:
        errors["fixed_amount"] = "Enter the fee charged once an invoice is late."
    if kind == LateFeePolicy.Kind.INTEREST and not annual_interest_percent:
        errors["annual_interest_percent"] = "Enter the yearly interest rate."
    if errors:
        raise ValidationError(errors)
    policy = late_fee_policy_for(workspace) or LateFeePolicy(workspace=workspace)
    policy.kind = kind
    # Only the figure the kind uses is kept, so the page never shows a stale one.
    policy.fixed_amount = fixed_amount if kind == LateFeePolicy.Kind.FIXED else None
    policy.annual_interest_percent = (
        annual_interest_percent if kind == LateFeePolicy.Kind.INTEREST else None
    )
    policy.grace_days = grace_days
    policy.full_clean(exclude=["workspace"])
    policy.save()
    audit_record(
        workspace=workspace,
        actor=actor,
        action="late_fee_policy.save",
        obj=policy,
        details={
            "kind": kind,
            "fixed_amount": str(fixed_amount or ""),
            "annual_interest_percent": str(annual_interest_percent or ""),
            "grace_days": grace_days,
        },
    )
    return policy


def invoice_late_fee(
    *, invoice: Invoice, today: dt.date, policy: LateFeePolicy | None = None
) -> Decimal:
    """The late fee an open invoice has run up by `today` under the workspace's policy
    (zero when there is none, it is not overdue, or still within the grace days)."""
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in REMINDABLE:
        return ZERO
    if invoice.due_date is None or today <= invoice.due_date:
        return ZERO
    policy = policy if policy is not None else late_fee_policy_for(invoice.workspace)
    if policy is None:
        return ZERO
    return late_fee(
        kind=policy.kind,
        overdue=invoice.amount_due,
        days_late=(today - invoice.due_date).days,
        fixed_amount=policy.fixed_amount,
        annual_percent=policy.annual_interest_percent,
        grace_days=policy.grace_days,
        currency=invoice.currency,
    )


def late_fee_invoices(invoice: Invoice) -> QuerySet[Invoice]:
    """Late-fee invoices charged for `invoice` (voided ones included)."""
    return Invoice.objects.filter(
        lines__kind=InvoiceLine.Kind.LATE_FEE,
        lines__sources__contains=[["late_fee", str(invoice.pk)]],
    ).distinct()


@transaction.atomic
def invoice_late_fee_charge(*, invoice: Invoice, actor: User | None, today: dt.date) -> Invoice:
    """Bill the late fee of an overdue invoice as a separate, finalised invoice with one
    LATE_FEE line. Once per invoice: the overdue invoice's row lock serialises two
    attempts, and the second finds the first (unless that one was voided)."""
    invoice = lock_invoice(invoice)
    ensure_owed(invoice, "Late fees are charged on open, overdue invoices.")
    existing = late_fee_invoices(invoice).exclude(status=Status.VOID).first()
    if existing is not None:
        raise ValidationError(
            f"A late fee was already charged for {invoice.number}: {existing}. "
            "Void it first to charge again."
        )
    fee = invoice_late_fee(invoice=invoice, today=today)
    due_date = invoice.due_date
    if fee <= 0 or due_date is None:  # no due date: never late, so no fee either
        raise ValidationError("This invoice has no late fee to charge (yet).")
    days_late = (today - due_date).days
    fee_invoice = invoice_create_draft(
        workspace=invoice.workspace,
        actor=actor,
        client=invoice.client,
        currency=invoice.currency,
        notes=f"Late fee on invoice {invoice.number}.",
    )
    InvoiceLine.objects.create(
        workspace=invoice.workspace,
        invoice=fee_invoice,
        position=1,
        kind=InvoiceLine.Kind.LATE_FEE,
        description=(
            f"Late fee on {invoice.number} (due {format_day(due_date)}, "
            f"{days_late} day{'s' if days_late != 1 else ''} late)"
        ),
        quantity=Decimal(1),
        unit_price=fee,
        sources=[["late_fee", str(invoice.pk)]],
    )
    recalculate(fee_invoice)
    fee_invoice = invoice_finalize(invoice=fee_invoice, actor=actor, issue_date=today)
    event(
        invoice,
        "late_fee_charged",
        actor,
        data={"fee": str(fee), "fee_invoice": fee_invoice.number},
    )
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="invoice.late_fee_charge",
        obj=fee_invoice,
        details={"invoice": invoice.number, "fee": str(fee)},
    )
    return fee_invoice
