"""Writes for invoicing. Each is one transaction with an audit entry and a timeline event;
side effects (email, PDF) leave on commit. State transitions lock the invoice row and
return early when already applied, so a double click or a retried task is harmless."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.money import ZERO, quantize
from core.tokens import hash_token
from engagements import services as engagement_services
from engagements.billing import UnbilledItem, unbilled_items
from engagements.models import Client, Engagement
from invoicing.models import (
    ClientCredit,
    ExchangeRate,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    NumberSeries,
    Payment,
    TaxRate,
    parties_of,
)
from invoicing.totals import line_amounts, sum_lines

Status = Invoice.Status


def event(invoice: Invoice, kind: str, actor: User | None = None, **data) -> InvoiceEvent:
    return InvoiceEvent.objects.create(
        workspace_id=invoice.workspace_id, invoice=invoice, kind=kind, actor=actor, data=data
    )


def _lock(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def due_date_for(client: Client, workspace: Workspace, issue_date: dt.date) -> dt.date:
    days = client.payment_terms_days
    if days is None:
        days = workspace.payment_terms_days
    return issue_date + dt.timedelta(days=days)


# --- Drafts --------------------------------------------------------------------------------
@transaction.atomic
def invoice_create_draft(
    *,
    workspace: Workspace,
    actor: User | None,
    client: Client,
    currency: str = "",
    notes: str = "",
    terms: str = "",
    issue_date: dt.date | None = None,
    due_date: dt.date | None = None,
) -> Invoice:
    if client.workspace_id != workspace.pk:
        raise ValidationError({"client": "Choose one of your clients."})
    invoice = Invoice(
        workspace=workspace,
        client=client,
        currency=currency or client.currency,
        notes=notes,
        terms=terms,
        issue_date=issue_date,
        due_date=due_date,
        created_by=actor,
    )
    invoice.full_clean(exclude=["pdf"])
    invoice.save()
    event(invoice, "created", actor)
    audit_record(workspace=workspace, actor=actor, action="invoice.create", obj=invoice)
    return invoice


def _last_position(invoice: Invoice) -> int:
    return invoice.lines.aggregate(m=Max("position"))["m"] or 0


def _ensure_draft(invoice: Invoice) -> None:
    if invoice.status != Status.DRAFT:
        raise ValidationError("A finalised invoice cannot change: issue a credit note or void it.")


def _apply_tax(line: InvoiceLine) -> None:
    rate = line.tax_rate
    line.tax_name = rate.name if rate else ""
    line.tax_percent = rate.percent if rate else ZERO
    line.tax_inclusive = rate.inclusive if rate else False


def recalculate(invoice: Invoice) -> Invoice:
    """Recompute every line and the totals of a draft (or a credit note being built)."""
    lines = list(invoice.lines.select_related("tax_rate"))
    amounts = []
    for line in lines:
        if line.tax_rate_id and invoice.status == Status.DRAFT:
            _apply_tax(line)
        a = line_amounts(
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            tax_percent=line.tax_percent,
            tax_inclusive=line.tax_inclusive,
            currency=invoice.currency,
        )
        line.discount_amount, line.net_amount = a.discount, a.net
        line.tax_amount, line.total_amount = a.tax, a.total
        amounts.append(a)
    InvoiceLine.objects.bulk_update(
        lines,
        [
            "tax_name",
            "tax_percent",
            "tax_inclusive",
            "discount_amount",
            "net_amount",
            "tax_amount",
            "total_amount",
        ],
    )
    totals = sum_lines(amounts, invoice.currency)
    invoice.subtotal, invoice.discount_total = totals.subtotal, totals.discount
    invoice.tax_total, invoice.total = totals.tax, totals.total
    invoice.save(update_fields=["subtotal", "discount_total", "tax_total", "total"])
    return invoice


@transaction.atomic
def invoice_line_save(
    *, invoice: Invoice, actor: User, line: InvoiceLine | None = None, **fields
) -> InvoiceLine:
    invoice = _lock(invoice)
    _ensure_draft(invoice)
    if (
        line is not None
        and line.kind != InvoiceLine.Kind.MANUAL
        and ({"quantity", "unit_price"} & set(fields))
    ):
        raise ValidationError("Lines from billable work keep their quantity and price.")
    tax_rate = fields.get("tax_rate")
    if tax_rate is not None and tax_rate.workspace_id != invoice.workspace_id:
        raise ValidationError({"tax_rate": "Choose one of your tax rates."})
    if line is None:
        position = _last_position(invoice) + 1
        line = InvoiceLine(workspace=invoice.workspace, invoice=invoice, position=position)
    for name, value in fields.items():
        setattr(line, name, value)
    _apply_tax(line)
    line.full_clean(exclude=["invoice", "workspace"])
    line.save()
    recalculate(invoice)
    line.refresh_from_db()  # recalculate wrote its amounts through another instance
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="invoice.line_save",
        obj=invoice,
        line=line.pk,
    )
    return line


@transaction.atomic
def invoice_line_delete(*, line: InvoiceLine, actor: User) -> None:
    invoice = _lock(line.invoice)
    _ensure_draft(invoice)
    engagement_services.billing_release_sources(invoice=invoice, sources=line.sources)
    line.delete()
    recalculate(invoice)
    audit_record(
        workspace=invoice.workspace, actor=actor, action="invoice.line_delete", obj=invoice
    )


@transaction.atomic
def invoice_update_draft(*, invoice: Invoice, actor: User, **fields) -> Invoice:
    invoice = _lock(invoice)
    _ensure_draft(invoice)
    changing = {n for n, v in fields.items() if getattr(invoice, n) != v}
    if {"client", "currency"} & changing and invoice.lines.filter(
        engagement__isnull=False
    ).exists():
        raise ValidationError(
            {"currency": "Remove the lines from billable work before changing this."}
        )
    for name, value in fields.items():
        setattr(invoice, name, value)
    invoice.full_clean(exclude=["pdf"])
    invoice.save()
    if "currency" in changing:
        recalculate(invoice)
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="invoice.update",
        obj=invoice,
        fields=sorted(changing),
    )
    return invoice


def group_items(items: list[UnbilledItem]) -> list[dict]:
    """Lines from unbilled items, grouped per engagement, kind and period: all time of one
    engagement is one line (hours × rate, rounded once); other items one line each."""
    lines: list[dict] = []
    time: dict[tuple, list[UnbilledItem]] = defaultdict(list)
    for item in items:
        if item.kind == "time":
            time[(item.unit_price,)].append(item)
        else:
            lines.append(
                {
                    "description": item.description,
                    "quantity": item.quantity,
                    "unit_price": item.unit_price,
                    "items": [item],
                }
            )
    for (rate,), group in time.items():
        minutes = sum(i.minutes for i in group)
        first, last = min(i.date for i in group), max(i.date for i in group)
        lines.insert(
            0,
            {
                "description": f"Time {first:%d %b} – {last:%d %b %Y} ({len(group)} entries)",
                "quantity": (Decimal(minutes) / 60).quantize(Decimal("0.0001")),
                "unit_price": rate,
                "items": group,
            },
        )
    return lines


@transaction.atomic
def invoice_add_unbilled(
    *,
    invoice: Invoice,
    actor: User,
    engagement: Engagement,
    as_of: dt.date,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    tax_rate: TaxRate | None = None,
) -> list[InvoiceLine]:
    """Bill an engagement's unbilled work on this draft: claim the items (so no other
    invoice can), add grouped lines, and the hiring-entity benefits contribution as its
    own line when the engagement has one."""
    invoice = _lock(invoice)
    _ensure_draft(invoice)
    if engagement.client_id != invoice.client_id:
        raise ValidationError({"engagement": "This engagement is for another client."})
    if engagement.currency != invoice.currency:
        raise ValidationError({"engagement": f"This engagement bills in {engagement.currency}."})
    if tax_rate is not None and tax_rate.workspace_id != invoice.workspace_id:
        raise ValidationError({"tax_rate": "Choose one of your tax rates."})
    items = unbilled_items(
        engagement, as_of=as_of, period_start=period_start, period_end=period_end
    )
    if not items:
        raise ValidationError({"engagement": "Nothing is unbilled for this period."})
    engagement_services.billing_claim(
        engagement=engagement, items=items, claimed_for=invoice.claim_ref, as_of=as_of
    )
    position = _last_position(invoice)
    created = []
    for group in group_items(items):
        position += 1
        line = InvoiceLine(
            workspace=invoice.workspace,
            invoice=invoice,
            position=position,
            kind=InvoiceLine.Kind.WORK,
            engagement=engagement,
            description=group["description"][:500],
            quantity=group["quantity"],
            unit_price=group["unit_price"],
            tax_rate=tax_rate,
            sources=[list(map(str, i.key)) for i in group["items"]],
        )
        _apply_tax(line)
        created.append(line)
    percent = engagement.benefits_contribution_percent
    if percent:
        base = quantize(sum((i.amount for i in items), ZERO), invoice.currency)
        position += 1
        created.append(
            InvoiceLine(
                workspace=invoice.workspace,
                invoice=invoice,
                position=position,
                kind=InvoiceLine.Kind.BENEFITS,
                engagement=engagement,
                description=f"Benefits contribution ({percent.normalize():f}% of "
                f"{base} {invoice.currency}, paid into the professional's "
                f"portable-benefits account)",
                quantity=Decimal(1),
                unit_price=quantize(base * percent / 100, invoice.currency),
            )
        )
    InvoiceLine.objects.bulk_create(created)
    recalculate(invoice)
    event(invoice, "work_added", actor, engagement=engagement.name, items=len(items))
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="invoice.add_unbilled",
        obj=invoice,
        engagement=engagement.pk,
        items=len(items),
    )
    return created


# --- Finalise, send, void ------------------------------------------------------------------
def _format_number(
    series: NumberSeries, workspace: Workspace, number: int, issue_date: dt.date
) -> str:
    prefix = workspace.invoice_prefix if series.kind == Invoice.Kind.INVOICE else "CN-"
    return series.pattern.format(
        prefix=prefix, number=str(number).zfill(series.padding), year=issue_date.year
    )


def next_numbers(
    *, workspace: Workspace, kind: str, issue_date: dt.date, count: int = 1
) -> list[str]:
    """Take the next `count` numbers of the series in one locked update, inside the
    caller's transaction, which must use them all or roll back: concurrent callers queue
    on the row lock, a rollback returns the numbers, so the series stays gapless."""
    if count == 0:
        return []
    # get_or_create without a race: a conflicting insert is ignored, then the row locked.
    NumberSeries.objects.bulk_create(
        [NumberSeries(workspace=workspace, kind=kind)], ignore_conflicts=True
    )
    series = NumberSeries.objects.select_for_update().get(workspace=workspace, kind=kind)
    first = series.next_number
    series.next_number = first + count
    series.save(update_fields=["next_number"])
    return [
        _format_number(series, workspace, number, issue_date)
        for number in range(first, first + count)
    ]


@transaction.atomic
def invoice_finalize(
    *, invoice: Invoice, actor: User | None, issue_date: dt.date | None = None
) -> Invoice:
    invoice = _lock(invoice)
    if invoice.status != Status.DRAFT:
        return invoice  # already finalised: idempotent
    if not invoice.lines.exists():
        raise ValidationError("Add at least one line before finalising.")
    if invoice.total < 0:
        raise ValidationError("An invoice cannot total less than zero; issue a credit note.")
    invoice.issue_date = issue_date or invoice.issue_date or timezone.localdate()
    if invoice.kind == Invoice.Kind.INVOICE and invoice.due_date is None:
        invoice.due_date = due_date_for(invoice.client, invoice.workspace, invoice.issue_date)
    (invoice.number,) = next_numbers(
        workspace=invoice.workspace, kind=invoice.kind, issue_date=invoice.issue_date
    )
    # A credit note is settled the moment it is issued (it is applied to its invoice or to
    # the client's credit): it is never a receivable, reminded or overdue.
    settled = invoice.kind == Invoice.Kind.CREDIT_NOTE or invoice.total <= 0
    invoice.status = Status.PAID if settled else Status.OPEN
    invoice.snapshot = parties_of(invoice)
    invoice.finalized_at = timezone.now()
    invoice.save()
    event(invoice, "finalized", actor, number=invoice.number)
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="invoice.finalize",
        obj=invoice,
        number=invoice.number,
        total=str(invoice.total),
    )
    return invoice


@transaction.atomic
def invoice_link_issue(*, invoice: Invoice, actor: User | None) -> str:
    """A fresh client link (the previous one stops working). Returns the token."""
    invoice = _lock(invoice)
    if invoice.status == Status.DRAFT:
        raise ValidationError("Finalise the invoice before sharing it.")
    invoice.link_version += 1
    token = _link_token(invoice)
    invoice.token_hash = hash_token(token)
    invoice.link_revoked_at = None
    invoice.save(update_fields=["token_hash", "link_version", "link_revoked_at"])
    event(invoice, "link_issued", actor, version=invoice.link_version)
    return token


def _link_token(invoice: Invoice) -> str:
    from django.utils.crypto import salted_hmac

    return salted_hmac(
        "invoicing.link", f"{invoice.pk}:{invoice.link_version}", algorithm="sha256"
    ).hexdigest()


def invoice_link_current(invoice: Invoice) -> str | None:
    """The token of the invoice's working link, to put in an email, or None when it has
    none (never shared, or revoked)."""
    if not invoice.token_hash or invoice.link_revoked_at:
        return None
    token = _link_token(invoice)
    return token if hash_token(token) == invoice.token_hash else None


@transaction.atomic
def invoice_link_revoke(*, invoice: Invoice, actor: User) -> Invoice:
    invoice = _lock(invoice)
    if invoice.token_hash and not invoice.link_revoked_at:
        invoice.link_revoked_at = timezone.now()
        invoice.save(update_fields=["link_revoked_at"])
        event(invoice, "link_revoked", actor)
    return invoice


def invoice_from_token(*, token: str) -> Invoice | None:
    """The token is the credential and names one invoice: crossing tenants is deliberate."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        return (
            Invoice.objects.select_related("workspace", "client")
            .filter(token_hash=hash_token(token))
            .first()
        )


@transaction.atomic
def invoice_mark_viewed(*, invoice: Invoice) -> None:
    if Invoice.objects.filter(pk=invoice.pk, viewed_at__isnull=True).update(
        viewed_at=timezone.now()
    ):
        event(invoice, "viewed")


@transaction.atomic
def invoice_void(*, invoice: Invoice, actor: User, reason: str = "") -> Invoice:
    """Void an unpaid invoice: its number stays used (never reused), its billable work is
    released so it can be invoiced again."""
    invoice = _lock(invoice)
    if invoice.status == Status.VOID:
        return invoice
    if invoice.status == Status.DRAFT:
        raise ValidationError("Delete a draft instead of voiding it.")
    if invoice.amount_paid != 0:
        raise ValidationError("This invoice has payments: refund or credit them first.")
    if invoice.amount_credited != 0:
        raise ValidationError("This invoice has credit notes: it is settled through them.")
    invoice.status = Status.VOID
    invoice.voided_at = timezone.now()
    invoice.save(update_fields=["status", "voided_at"])
    engagement_services.billing_release(workspace=invoice.workspace, claimed_for=invoice.claim_ref)
    event(invoice, "voided", actor, reason=reason)
    audit_record(
        workspace=invoice.workspace, actor=actor, action="invoice.void", obj=invoice, reason=reason
    )
    return invoice


@transaction.atomic
def invoice_draft_delete(*, invoice: Invoice, actor: User) -> None:
    invoice = _lock(invoice)
    _ensure_draft(invoice)
    engagement_services.billing_release(workspace=invoice.workspace, claimed_for=invoice.claim_ref)
    audit_record(
        workspace=invoice.workspace, actor=actor, action="invoice.delete_draft", obj=invoice
    )
    invoice.delete()


@transaction.atomic
def invoice_mark_uncollectible(*, invoice: Invoice, actor: User) -> Invoice:
    invoice = _lock(invoice)
    if invoice.status == Status.UNCOLLECTIBLE:
        return invoice
    if invoice.status not in (Status.OPEN, Status.PARTIALLY_PAID):
        raise ValidationError("Only an open invoice can be written off.")
    invoice.status = Status.UNCOLLECTIBLE
    invoice.save(update_fields=["status"])
    event(invoice, "uncollectible", actor)
    audit_record(
        workspace=invoice.workspace, actor=actor, action="invoice.uncollectible", obj=invoice
    )
    return invoice


# --- Payments, credit ----------------------------------------------------------------------
def rate_to_base(*, workspace: Workspace, currency: str, on: dt.date) -> Decimal | None:
    """The rate in force on a date: the latest stored on or before it."""
    if currency == workspace.base_currency:
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(workspace=workspace, currency=currency, date__lte=on)
        .order_by("-date")
        .values_list("rate", flat=True)
        .first()
    )


def _settle_status(invoice: Invoice) -> None:
    due = invoice.amount_due
    if invoice.status in (Status.OPEN, Status.PARTIALLY_PAID, Status.PAID):
        if due <= 0:
            invoice.status = Status.PAID
        elif invoice.amount_paid > 0 or invoice.amount_credited > 0:
            invoice.status = Status.PARTIALLY_PAID
        else:
            invoice.status = Status.OPEN


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    actor: User | None,
    amount: Decimal,
    received_on: dt.date,
    method: str,
    reference: str = "",
) -> Payment:
    """Record money received. Beyond what is due, the rest becomes client credit."""
    invoice = _lock(invoice)
    if invoice.status not in (Status.OPEN, Status.PARTIALLY_PAID):
        raise ValidationError("Payments are recorded on open invoices.")
    if method not in Payment.Method.values:
        raise ValidationError({"method": "Choose a payment method."})
    amount = quantize(amount, invoice.currency)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    applied = min(amount, invoice.amount_due)
    excess = amount - applied
    rate = rate_to_base(workspace=invoice.workspace, currency=invoice.currency, on=received_on)
    payment = Payment.objects.create(
        workspace=invoice.workspace,
        invoice=invoice,
        amount=applied,
        currency=invoice.currency,
        received_on=received_on,
        method=method,
        reference=reference,
        rate_to_base=rate,
        base_amount=quantize(applied * rate, invoice.workspace.base_currency) if rate else None,
        recorded_by=actor,
    )
    if excess > 0:
        ClientCredit.objects.create(
            workspace=invoice.workspace,
            client=invoice.client,
            currency=invoice.currency,
            amount=excess,
            reason=f"Overpayment of {invoice.number}",
            invoice=invoice,
        )
    invoice.amount_paid += applied
    _settle_status(invoice)
    invoice.save(update_fields=["amount_paid", "status"])
    event(
        invoice,
        "payment",
        actor,
        amount=str(applied),
        method=method,
        credit=str(excess) if excess else "",
    )
    if invoice.status == Status.PAID:
        event(invoice, "paid", actor)
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="payment.record",
        obj=payment,
        amount=str(amount),
        excess=str(excess),
    )
    return payment


@transaction.atomic
def payment_reverse(*, payment: Payment, actor: User, reason: str) -> Payment:
    """Undo a payment recorded by mistake with a negative entry; the original stays."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.amount <= 0 or Payment.objects.filter(reverses=payment).exists():
        raise ValidationError("This payment is already reversed.")
    invoice = _lock(payment.invoice)
    reversal = Payment.objects.create(
        workspace=payment.workspace,
        invoice=invoice,
        amount=-payment.amount,
        currency=payment.currency,
        received_on=timezone.localdate(),
        method=payment.method,
        reference=f"Reversal: {reason}"[:120],
        reverses=payment,
        rate_to_base=payment.rate_to_base,
        base_amount=-payment.base_amount if payment.base_amount is not None else None,
        recorded_by=actor,
    )
    if payment.method == Payment.Method.CREDIT:  # the client's credit comes back
        ClientCredit.objects.create(
            workspace=invoice.workspace,
            client=invoice.client,
            currency=invoice.currency,
            amount=payment.amount,
            reason=f"Reversal of credit applied to {invoice.number}",
            invoice=invoice,
        )
    invoice.amount_paid -= payment.amount
    _settle_status(invoice)
    invoice.save(update_fields=["amount_paid", "status"])
    event(invoice, "payment_reversed", actor, amount=str(payment.amount), reason=reason)
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="payment.reverse",
        obj=reversal,
        reason=reason,
    )
    return reversal


def client_credit_balance(*, client: Client, currency: str) -> Decimal:
    return (
        ClientCredit.objects.filter(client=client, currency=currency).aggregate(s=Sum("amount"))[
            "s"
        ]
        or ZERO
    )


@transaction.atomic
def client_credit_apply(*, invoice: Invoice, actor: User) -> Payment | None:
    """Use the client's credit in the invoice's currency towards it."""
    invoice = _lock(invoice)
    Client.objects.select_for_update().filter(pk=invoice.client_id).first()
    balance = client_credit_balance(client=invoice.client, currency=invoice.currency)
    use = min(balance, invoice.amount_due)
    if use <= 0:
        return None
    ClientCredit.objects.create(
        workspace=invoice.workspace,
        client=invoice.client,
        currency=invoice.currency,
        amount=-use,
        reason=f"Applied to {invoice.number}",
        invoice=invoice,
    )
    return payment_record(
        invoice=invoice,
        actor=actor,
        amount=use,
        received_on=timezone.localdate(),
        method=Payment.Method.CREDIT,
    )


@transaction.atomic
def credit_note_create(
    *, invoice: Invoice, actor: User, amount: Decimal | None = None, reason: str
) -> Invoice:
    """A finalised credit note against a finalised invoice: the whole remaining amount
    (full) or part of it. It reduces what is due; beyond that it becomes client credit."""
    invoice = _lock(invoice)
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status in (Status.DRAFT, Status.VOID):
        raise ValidationError("Credit notes are issued against finalised invoices.")
    creditable = invoice.total - invoice.amount_credited
    amount = quantize(amount if amount is not None else creditable, invoice.currency)
    if amount <= 0 or amount > creditable:
        raise ValidationError({"amount": f"Credit between 0 and {creditable}."})
    note = Invoice.objects.create(
        workspace=invoice.workspace,
        kind=Invoice.Kind.CREDIT_NOTE,
        client=invoice.client,
        credits=invoice,
        currency=invoice.currency,
        notes=reason,
        created_by=actor,
    )
    InvoiceLine.objects.create(
        workspace=invoice.workspace,
        invoice=note,
        position=1,
        description=f"Credit against {invoice.number}: {reason}"[:500],
        quantity=Decimal(1),
        unit_price=amount,
    )
    recalculate(note)
    note = invoice_finalize(invoice=note, actor=actor)
    to_due = min(amount, max(invoice.amount_due, ZERO))
    invoice.amount_credited += amount
    if amount > to_due:  # the invoice was (partly) paid: the rest is the client's credit
        ClientCredit.objects.create(
            workspace=invoice.workspace,
            client=invoice.client,
            currency=invoice.currency,
            amount=amount - to_due,
            reason=f"Credit note {note.number}",
            invoice=note,
        )
    _settle_status(invoice)
    invoice.save(update_fields=["amount_credited", "status"])
    event(invoice, "credited", actor, note=note.number, amount=str(amount))
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="credit_note.create",
        obj=note,
        invoice=invoice.number,
        amount=str(amount),
    )
    return note


@transaction.atomic
def exchange_rate_save(
    *, workspace: Workspace, actor: User, currency: str, date: dt.date, rate: Decimal
) -> ExchangeRate:
    if currency == workspace.base_currency:
        raise ValidationError({"currency": "That is the base currency (its rate is 1)."})
    row = ExchangeRate.objects.filter(workspace=workspace, currency=currency, date=date).first()
    row = row or ExchangeRate(workspace=workspace, currency=currency, date=date)
    row.rate = rate
    row.full_clean()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ValidationError("A rate for this day was saved at the same time.") from exc
    audit_record(
        workspace=workspace,
        actor=actor,
        action="exchange_rate.save",
        obj=row,
        currency=currency,
        rate=str(rate),
    )
    return row
