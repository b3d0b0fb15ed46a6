"""Drafts: create one, edit its header and lines, bill unbilled work onto it, delete it.
All of these refuse a finalised invoice (it changes only through credit notes or void).
Each is one transaction with an audit entry; the row lock makes a retry harmless."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import format_decimal
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.dates import DEFAULT_LOCALE, ensure_sane_dates, format_period
from core.inputs import UNSET, Unset, given
from core.money import ZERO, ensure_amounts_fit, format_money, format_rate, quantize
from engagements import services as engagement_services
from engagements.billing import UnbilledItem, unbilled_items
from engagements.models import BillingClaim, Client, Engagement
from invoicing.models import (
    Invoice,
    InvoiceLine,
    TaxRate,
)
from invoicing.services.events import event
from invoicing.services.state import (
    Status,
    ensure_draft,
    lock_invoice,
)
from invoicing.totals import line_amounts, sum_lines


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
    ensure_sane_dates(issue_date=issue_date, due_date=due_date)
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


def _apply_tax(line: InvoiceLine) -> None:
    rate = line.tax_rate
    line.tax_name = rate.name if rate else ""
    line.tax_percent = rate.percent if rate else ZERO
    line.tax_inclusive = rate.inclusive if rate else False


def _ensure_line_fits(invoice: Invoice, line: InvoiceLine) -> None:
    """The amounts `recalculate` will store for this line and its invoice fit their
    columns: the line's gross with exclusive tax on top (the largest figure it yields),
    added to what the invoice's other lines already total."""
    gross = line.quantity * line.unit_price
    if not line.tax_inclusive:
        gross += gross * line.tax_percent / 100
    others = sum(
        (
            abs(total)
            for total in invoice.lines.exclude(pk=line.pk).values_list("total_amount", flat=True)
        ),
        ZERO,
    )
    ensure_amounts_fit(unit_price=abs(gross) + others)


def _claimed_amounts(invoice: Invoice) -> dict[tuple[str, str], Decimal]:
    """The invoice's live claims by (kind, key) as a line's `sources` record them."""
    return {
        (kind, str(source_id) if source_id is not None else str(period_start)): amount
        for kind, source_id, period_start, amount in BillingClaim.objects.filter(
            claimed_for=invoice.claim_ref, released_at__isnull=True
        ).values_list("kind", "source_id", "period_start", "amount")
    }


def _benefits_line_refresh(
    invoice: Invoice, engagement: Engagement, *, create: bool
) -> InvoiceLine | None:
    """The engagement's benefits contribution on this draft: one line, on the sum of the
    invoice's live claims of that engagement (what its work lines bill), so the base is
    always the work still on the invoice. Made when `create`, otherwise only kept current
    (the professional may have removed it on purpose). Returns the line, if any."""
    existing = list(
        invoice.lines.filter(kind=InvoiceLine.Kind.BENEFITS, engagement=engagement).order_by(
            "position", "pk"
        )
    )
    percent = engagement.benefits_contribution_percent
    base = quantize(
        BillingClaim.objects.filter(
            claimed_for=invoice.claim_ref, engagement=engagement, released_at__isnull=True
        ).aggregate(s=Sum("amount"))["s"]
        or ZERO,
        invoice.currency,
    )
    keep = existing[0] if existing else None
    for extra in existing[1:]:
        extra.delete()
    if not percent or base <= 0 or (keep is None and not create):
        if keep is not None:
            keep.delete()
        return None
    if keep is None:
        keep = InvoiceLine(
            workspace=invoice.workspace,
            invoice=invoice,
            position=_last_position(invoice) + 1,
            kind=InvoiceLine.Kind.BENEFITS,
            engagement=engagement,
            quantity=Decimal(1),
        )
    # Says what it is and no more: a share of the work set aside for benefits. Not
    # "paid into a benefits account": no such account exists in the product yet.
    keep.description = (
        f"Benefits contribution: {percent.normalize():f}% of "
        f"{format_money(base, invoice.currency)} for {engagement.name}, "
        "set aside for the professional's benefits"
    )
    keep.unit_price = quantize(base * percent / 100, invoice.currency)
    keep.save()
    return keep


def work_line_gross(line: InvoiceLine, claimed: dict[tuple[str, str], Decimal]) -> Decimal:
    """What a line of unbilled work bills before discount: the sum of its claims' amounts.
    A source without a live claim would bill work no claim holds: refused."""
    missing = [source for source in line.sources if tuple(source) not in claimed]
    if missing:
        raise ValidationError(
            f"The line “{line.description}” bills work this invoice does not hold a claim "
            "for; remove the line and add the work again."
        )
    return sum((claimed[(kind, key)] for kind, key in line.sources), ZERO)


def recalculate(invoice: Invoice) -> Invoice:
    """Recompute every line and the totals of a draft (or a credit note being built).
    A line of unbilled work bills the sum of its claims (`work_line_gross`); other lines
    quantity × price."""
    lines = list(invoice.lines.select_related("tax_rate"))
    claimed = (
        _claimed_amounts(invoice)
        if any(line.kind == InvoiceLine.Kind.WORK and line.sources for line in lines)
        else {}
    )
    amounts = []
    for line in lines:
        if line.tax_rate_id and invoice.status == Status.DRAFT:
            _apply_tax(line)
        sourced = line.kind == InvoiceLine.Kind.WORK and bool(line.sources)
        a = line_amounts(
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            tax_percent=line.tax_percent,
            tax_inclusive=line.tax_inclusive,
            currency=invoice.currency,
            gross=work_line_gross(line, claimed) if sourced else None,
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
    *,
    invoice: Invoice,
    actor: User,
    line: InvoiceLine | None = None,
    description: str | Unset = UNSET,
    quantity: Decimal | Unset = UNSET,
    unit_price: Decimal | Unset = UNSET,
    discount_percent: Decimal | Unset = UNSET,
    tax_rate: TaxRate | None | Unset = UNSET,
) -> InvoiceLine:
    """Add a line (`line` None) or edit one: only the fields given change."""
    invoice = lock_invoice(invoice)
    ensure_draft(invoice)
    changes = given(
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount_percent,
        tax_rate=tax_rate,
    )
    if (
        line is not None
        and line.kind != InvoiceLine.Kind.MANUAL
        and ({"quantity", "unit_price"} & set(changes))
    ):
        raise ValidationError("Lines from billable work keep their quantity and price.")
    if isinstance(tax_rate, TaxRate) and tax_rate.workspace_id != invoice.workspace_id:
        raise ValidationError({"tax_rate": "Choose one of your tax rates."})
    if line is None:
        position = _last_position(invoice) + 1
        line = InvoiceLine(workspace=invoice.workspace, invoice=invoice, position=position)
    for name, value in changes.items():
        setattr(line, name, value)
    _apply_tax(line)
    line.full_clean(exclude=["invoice", "workspace"])
    _ensure_line_fits(invoice, line)
    line.save()
    recalculate(invoice)
    line.refresh_from_db()  # recalculate wrote its amounts through another instance
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="invoice.line_save",
        obj=invoice,
        details={"line": line.pk},
    )
    return line


@transaction.atomic
def invoice_line_delete(*, line: InvoiceLine, actor: User) -> None:
    invoice = lock_invoice(line.invoice)
    ensure_draft(invoice)
    engagement_services.billing_release_sources(invoice=invoice, sources=line.sources)
    line.delete()
    if line.kind == InvoiceLine.Kind.WORK and line.engagement is not None:
        # The contribution follows the work that stays (a removed one is not recreated).
        _benefits_line_refresh(invoice, line.engagement, create=False)
    recalculate(invoice)
    audit_record(
        workspace=invoice.workspace, actor=actor, action="invoice.line_delete", obj=invoice
    )


@transaction.atomic
def invoice_update_draft(
    *,
    invoice: Invoice,
    actor: User,
    client: Client | Unset = UNSET,
    currency: str | Unset = UNSET,
    issue_date: dt.date | None | Unset = UNSET,
    due_date: dt.date | None | Unset = UNSET,
    notes: str | Unset = UNSET,
    terms: str | Unset = UNSET,
) -> Invoice:
    """Edit a draft's header: only the fields given change."""
    ensure_sane_dates(issue_date=issue_date, due_date=due_date)
    invoice = lock_invoice(invoice)
    ensure_draft(invoice)
    fields = given(
        client=client,
        currency=currency,
        issue_date=issue_date,
        due_date=due_date,
        notes=notes,
        terms=terms,
    )
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
        details={"fields": sorted(changing)},
    )
    return invoice


def _hours(minutes: int) -> Decimal:
    """Hours as a line shows them, to 4 places (the amount is the claims', not this × price)."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _hours_text(hours: Decimal) -> str:
    figure = format_decimal(hours.normalize(), locale=DEFAULT_LOCALE)
    return f"{figure} hour{'' if hours == 1 else 's'}"


def group_items(items: list[UnbilledItem], *, engagement: Engagement) -> list[dict[str, Any]]:
    """Lines from unbilled items, grouped per engagement, kind and period: all time of one
    engagement is one line (its items' shares add up to hours × rate rounded once, see
    `engagements.billing.time_shares`); other items one line each. Each line's `amount` is
    the sum of its items' amounts: what their claims record and what the line bills.

    A line says what the work was, as the client reads it: the engagement, then the item
    ("Website redesign — 2.5 hours × $150.00, Nov 1 – 2, 2026"). Only new lines are worded
    here; a finalised invoice's lines are never rewritten."""
    lines: list[dict[str, Any]] = []
    time: dict[tuple[Decimal | None], list[UnbilledItem]] = defaultdict(list)
    currency = engagement.currency
    for item in items:
        if item.kind == "time":
            time[(item.unit_price,)].append(item)
        else:
            lines.append(
                {
                    "description": f"{engagement.name} — {item.description}",
                    "quantity": _hours(item.minutes) if item.minutes else item.quantity,
                    "unit_price": item.unit_price,
                    "amount": item.amount,
                    "items": [item],
                }
            )
    for (rate,), group in time.items():
        minutes = sum(i.minutes for i in group)
        first, last = min(i.date for i in group), max(i.date for i in group)
        hours = _hours(minutes)
        worked = f"{_hours_text(hours)} × {format_rate(rate or ZERO, currency)}"
        lines.insert(
            0,
            {
                "description": f"{engagement.name} — {worked}, {format_period(first, last)}",
                "quantity": hours,
                "unit_price": rate,
                "amount": sum((i.amount for i in group), ZERO),
                "items": group,
            },
        )
    return lines


@transaction.atomic
def invoice_add_unbilled(
    *,
    invoice: Invoice,
    actor: User | None,
    engagement: Engagement,
    as_of: dt.date,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    tax_rate: TaxRate | None = None,
) -> list[InvoiceLine]:
    """Bill an engagement's unbilled work on this draft: claim the items (so no other
    invoice can), add grouped lines, and the hiring-entity benefits contribution as its
    own line when the engagement has one.

    One read under the lock: the engagement is locked (after the invoice) before its
    unbilled items are read, and the lines, the claims and the benefits base are all
    built from that one list. A concurrent edit of the work waits for the lock, then
    finds it claimed, so a line can never bill other minutes than its claim froze."""
    invoice = lock_invoice(invoice)
    ensure_draft(invoice)
    engagement = engagement_services.engagement_lock(engagement)
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
    for group in group_items(items, engagement=engagement):
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
    InvoiceLine.objects.bulk_create(created)
    benefits = _benefits_line_refresh(invoice, engagement, create=True)
    recalculate(invoice)
    if benefits is not None:
        created.append(benefits)
    event(
        invoice,
        "work_added",
        actor,
        data={"engagement": engagement.name, "items": len(items)},
    )
    audit_record(
        workspace=invoice.workspace,
        actor=actor,
        action="invoice.add_unbilled",
        obj=invoice,
        details={"engagement": engagement.pk, "items": len(items)},
    )
    return created


@transaction.atomic
def invoice_create_from_unbilled(
    *,
    workspace: Workspace,
    actor: User | None,
    engagement: Engagement,
    as_of: dt.date,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    tax_rate: TaxRate | None = None,
) -> tuple[Invoice, list[InvoiceLine]]:
    """ "Invoice this work" in one step: a draft for the engagement's client, in its
    currency, with its unbilled work (of the period, if one is given) on it. One
    transaction: when there is nothing to bill, invoice_add_unbilled refuses and the
    draft is rolled back with it, so no empty draft is ever left behind."""
    if engagement.workspace_id != workspace.pk:
        raise ValidationError({"engagement": "Choose one of your engagements."})
    invoice = invoice_create_draft(
        workspace=workspace,
        actor=actor,
        client=engagement.client,
        currency=engagement.currency,
    )
    lines = invoice_add_unbilled(
        invoice=invoice,
        actor=actor,
        engagement=engagement,
        as_of=as_of,
        period_start=period_start,
        period_end=period_end,
        tax_rate=tax_rate,
    )
    return invoice, lines


@transaction.atomic
def invoice_draft_delete(*, invoice: Invoice, actor: User) -> None:
    invoice = lock_invoice(invoice)
    ensure_draft(invoice)
    engagement_services.billing_release(workspace=invoice.workspace, claimed_for=invoice.claim_ref)
    audit_record(
        workspace=invoice.workspace, actor=actor, action="invoice.delete_draft", obj=invoice
    )
    invoice.delete()
