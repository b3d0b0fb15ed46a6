"""Reads of the dashboard. Each figure is one query aggregated in the database (or, for
unbilled work, one query per kind of record, reading only what is not billed yet), so the
dashboard's query count does not grow with the workspace's history
(tests/insights/test_dashboard.py counts them). Inside the workspace's scope."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet, Sum

from core.dates import add_months
from core.money import ZERO, minutes_amount, quantize
from engagements.billing import expense_rebill_amount, revenue_share_amount
from engagements.models import (
    BillingClaim,
    Engagement,
    EngagementStatus,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    Proposal,
    RevenueReport,
    TimeEntry,
)


@dataclass
class UnbilledWaiting:
    """One engagement's work that is billable and on no invoice yet. `amount` is None for a
    retainer: its fee and overage are worked out per period from dated facts
    (engagements.billing.retainer_statements), which the database cannot sum."""

    engagement: Engagement
    amount: Decimal | None = None
    items: int = 0
    kinds: set[str] = field(default_factory=set)


M = TypeVar("M", bound=Model)


def _unclaimed(queryset: QuerySet[M]) -> QuerySet[M]:
    # The `billed` flag (kept with the claims by engagements.services.claims), on each
    # kind's partial index over rows not billed: no anti-join over every billed row.
    return queryset.filter(billed=False)


def unbilled_waiting(*, today: dt.date) -> list[UnbilledWaiting]:
    """The engagements with work waiting to be invoiced, as of `today`, the largest first:
    the same rules as engagements.billing.unbilled_items (which the invoice is built from),
    read for all engagements at once. A running retainer is listed (without an amount)
    while its current period's fee is not invoiced. Six queries whatever the history: billed records
    are left out by their `billed` flag on partial indexes over waiting rows, so the reads
    grow with the work waiting, not with all that was ever billed."""
    amounts: dict[int, list[tuple[str, Decimal | int, int]]] = defaultdict(list)
    time = _unclaimed(
        TimeEntry.objects.filter(
            engagement__pay_model=PayModel.HOURLY, billable=True, date__lte=today
        ),
    )
    for r in time.values("engagement").annotate(minutes=Sum("minutes"), n=Count("pk")):
        amounts[r["engagement"]].append(("time", r["minutes"], r["n"]))
    milestones = _unclaimed(
        Milestone.objects.filter(
            engagement__pay_model=PayModel.FIXED_FEE,
            status=Milestone.Status.ACCEPTED,
            accepted_at__lte=today,
        ),
    )
    for r in milestones.values("engagement").annotate(s=Sum("amount"), n=Count("pk")):
        amounts[r["engagement"]].append(("milestone", r["s"], r["n"]))
    outcomes = _unclaimed(
        Outcome.objects.filter(engagement__pay_model=PayModel.BOUNTY, accepted_at__lte=today),
    )
    for r in outcomes.values("engagement").annotate(s=Sum("fee"), n=Count("pk")):
        amounts[r["engagement"]].append(("outcome", r["s"], r["n"]))
    # Revenue shares and marked-up expenses are rounded per item, as on the invoice: read
    # the waiting rows (not billed ones), and round each here.
    reports = list(
        _unclaimed(
            RevenueReport.objects.filter(
                engagement__pay_model=PayModel.REVENUE_SHARE, reported_at__lte=today
            ),
        ).values_list("engagement", "revenue")
    )
    expenses = list(
        _unclaimed(Expense.objects.filter(rebillable=True, date__lte=today)).values_list(
            "engagement", "amount", "markup_percent"
        )
    )
    not_accepted = Proposal.objects.filter(engagement=OuterRef("pk")).exclude(
        status=Proposal.Status.ACCEPTED
    )
    ids = set(amounts) | {r[0] for r in reports} | {e[0] for e in expenses}
    # A running retainer whose period (monthly, from its billing day) has no fee claimed
    # yet: on the claims' unique index (engagement, kind, period_start).
    this_period_billed = BillingClaim.objects.filter(
        engagement=OuterRef("pk"),
        kind=BillingClaim.Kind.RETAINER_FEE,
        released_at__isnull=True,
        period_start__gt=add_months(today, -1, today.day),
        period_start__lte=today,
    )
    retainers = Q(
        pay_model=PayModel.RETAINER,
        status__in=[EngagementStatus.ACTIVE, EngagementStatus.PAUSED],
        start_date__lte=today,
        retainer_billed=False,
    )
    engagements = {
        e.pk: e
        for e in Engagement.objects.annotate(retainer_billed=Exists(this_period_billed))
        .filter(Q(pk__in=ids) | retainers)
        .exclude(status=EngagementStatus.PROPOSED)
        .exclude(Exists(not_accepted))
        .select_related("client")
    }
    waiting = {pk: UnbilledWaiting(engagement=e) for pk, e in engagements.items()}

    def add(pk: int, kind: str, amount: Decimal, n: int) -> None:
        row = waiting.get(pk)
        if row is None:  # an engagement that does not bill (a proposal not accepted)
            return
        if row.engagement.pay_model != PayModel.RETAINER:  # a retainer's sum is per period
            row.amount = (row.amount or ZERO) + amount
        row.items += n
        row.kinds.add(kind)

    for pk, parts in amounts.items():
        e = engagements.get(pk)
        for kind, value, n in parts:
            if e is None:
                continue
            if kind == "time":
                money = minutes_amount(int(value), e.hourly_rate or ZERO, e.currency)
            else:
                money = quantize(Decimal(value), e.currency)
            add(pk, kind, money, n)
    for pk, revenue in reports:
        if pk in engagements:
            add(pk, "revenue_share", revenue_share_amount(engagements[pk], revenue), 1)
    for pk, amount, markup in expenses:
        if pk in engagements:
            expense = Expense(amount=amount, markup_percent=markup)
            add(pk, "expense", expense_rebill_amount(expense, engagements[pk].currency), 1)
    rows = [
        r
        for r in waiting.values()
        if r.engagement.pay_model == PayModel.RETAINER or (r.amount or ZERO) > 0 or r.items
    ]
    rows.sort(key=lambda r: (r.amount is None, -(r.amount or ZERO), r.engagement.name))
    return rows
