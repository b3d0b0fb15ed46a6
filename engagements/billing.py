"""What is billable, computed from what was recorded. The single source the invoicing app
consumes: `unbilled_items(engagement, ...)`.

Pay-model arithmetic lives here as plain functions over Decimal and whole minutes:
time is kept in minutes and an amount is rounded once, to the currency's minor unit.

Whether an engagement bills at all: a proposed engagement (status "proposed", or one
whose proposal is not accepted: draft, sent, declined, withdrawn) never bills, whatever
status it is given later. Nothing else here reads the status.

Retainers: period i starts on `billing_day` of a month; its fee is billed in advance (from
the day it starts), its overage in arrears (once it has ended, or the engagement has).
Unused included hours of a period may roll over: they are used before the period's own
hours (oldest first), expire after `rollover_expiry_months` periods, and the carried
balance never exceeds `rollover_cap_hours` (the excess is forfeited). Overage is never
negative.

What a period owes is computed from dated facts, never from the engagement's status today:
its **active days** (`engagements.active_days`) are those on or after the start date, on or
before the end date, and in no pause. A period with A active days out of D bills the fee
× A/D and includes the included hours × A/D, each rounded once (the fee to the
currency's minor unit, the hours to whole minutes, half up). So a period wholly inside a
pause (or before the start, or after the end) bills no fee and includes no hours; a
fully active period bills the whole fee; a period cut by the start, the end or a pause
bills pro rata by active days. Periods keep counting while paused: carried hours expire
after the same number of periods, paused or not. Time cannot be logged on a paused day
(the services refuse it), so a paused day adds no usage either."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from core.dates import add_months, format_period
from core.money import ZERO, format_money, minutes_amount, minutes_to_hours, quantize
from engagements.active_days import ActiveDays, active_days_of
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

Kind = BillingClaim.Kind
# What a BillingClaim is unique on: (kind, source id) or (kind, period start).
ItemKey = tuple[str, int | dt.date | None]


def engagement_bills(engagement: Engagement) -> bool:
    """A proposed engagement, or one whose proposal was not accepted, bills nothing (one
    query for the proposal, unless the status already says it)."""
    if engagement.status == EngagementStatus.PROPOSED:
        return False
    return not (
        Proposal.objects.filter(engagement=engagement)
        .exclude(status=Proposal.Status.ACCEPTED)
        .exists()
    )


# --- Retainers -----------------------------------------------------------------------------
def retainer_periods(engagement: Engagement, until: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(start, end) of each period from the one containing the start date up to the one
    containing `until` (or the end date, if earlier). `end` is inclusive."""
    billing_day = engagement.billing_day or 1
    start = engagement.start_date
    first = dt.date(start.year, start.month, billing_day)
    if first > start:
        first = add_months(first, -1, billing_day)
    last_day = min(until, engagement.end_date) if engagement.end_date else until
    periods = []
    period_start = first
    while period_start <= last_day:
        next_start = add_months(period_start, 1, billing_day)
        periods.append((period_start, next_start - dt.timedelta(days=1)))
        period_start = next_start
    return periods


@dataclass
class RetainerStatement:
    period_start: dt.date
    period_end: dt.date
    period_days: int
    active_days: int  # in the engagement's dates and in no pause
    included_minutes: int  # the included hours × active/period days
    rolled_in_minutes: int  # carried from earlier periods, after expiry
    expired_minutes: int  # carried hours that expired at the start of this period
    used_minutes: int
    overage_minutes: int
    forfeited_minutes: int  # unused included hours that lapse (no rollover, or over the cap)
    rolled_out_minutes: int  # carried into the next period
    fee: Decimal  # the fee × active/period days
    overage_amount: Decimal
    closed: bool  # the period (or the engagement) has ended: its numbers are final

    def hours(self, name: str) -> Decimal:
        return minutes_to_hours(getattr(self, f"{name}_minutes"))

    @property
    def pro_rata(self) -> bool:
        return self.active_days != self.period_days


@dataclass
class _Bucket:
    minutes: int
    last_usable_index: int | None  # None: never expires


def _share(whole: Decimal, active: int, days: int) -> Decimal:
    return whole if active == days else whole * active / days


def retainer_statements(
    engagement: Engagement,
    until: dt.date,
    used_by_period: dict[dt.date, int] | None = None,
    active: ActiveDays | None = None,
) -> list[RetainerStatement]:
    """One statement per period up to `until`. `used_by_period` (period start → billable
    minutes) and `active` (the engagement's active days) may be passed in; otherwise each
    is read with one query."""
    periods = retainer_periods(engagement, until)
    if used_by_period is None:
        used_by_period = _retainer_usage(engagement, periods)
    if active is None:
        active = active_days_of(engagement)
    full_included = (engagement.retainer_included_hours or ZERO) * 60
    cap = int((engagement.rollover_cap_hours or ZERO) * 60)
    expiry = engagement.rollover_expiry_months
    rate = engagement.retainer_overage_rate or ZERO

    buckets: list[_Bucket] = []
    statements = []
    for index, (start, end) in enumerate(periods):
        days = (end - start).days + 1
        active_days = active.count(start, end)
        included = int(
            _share(full_included, active_days, days).to_integral_value(rounding=ROUND_HALF_UP)
        )
        fee = quantize(
            _share(engagement.retainer_fee or ZERO, active_days, days), engagement.currency
        )
        expired = sum(
            b.minutes
            for b in buckets
            if b.last_usable_index is not None and b.last_usable_index < index
        )
        buckets = [
            b for b in buckets if b.last_usable_index is None or b.last_usable_index >= index
        ]
        rolled_in = sum(b.minutes for b in buckets)
        used = used_by_period.get(start, 0)
        remaining = used
        for bucket in buckets:  # oldest first: they expire soonest
            take = min(bucket.minutes, remaining)
            bucket.minutes -= take
            remaining -= take
        from_included = min(included, remaining)
        overage = remaining - from_included  # never negative: remaining ≥ from_included
        buckets = [b for b in buckets if b.minutes > 0]
        unused = included - from_included
        carried = 0
        if cap > 0 and unused > 0:
            room = max(cap - sum(b.minutes for b in buckets), 0)
            carried = min(unused, room)
            if carried:
                buckets.append(_Bucket(carried, index + expiry if expiry else None))
        forfeited = unused - carried  # no rollover, or above the cap: lapses
        last_day = min(end, active.end) if active.end is not None else end
        statements.append(
            RetainerStatement(
                period_start=start,
                period_end=end,
                period_days=days,
                active_days=active_days,
                included_minutes=included,
                rolled_in_minutes=rolled_in,
                expired_minutes=expired,
                used_minutes=used,
                overage_minutes=overage,
                forfeited_minutes=forfeited,
                rolled_out_minutes=sum(b.minutes for b in buckets),
                fee=fee,
                overage_amount=minutes_amount(overage, rate, engagement.currency),
                closed=last_day < until,
            )
        )
    return statements


def _retainer_usage(
    engagement: Engagement, periods: list[tuple[dt.date, dt.date]]
) -> dict[dt.date, int]:
    if not periods:
        return {}
    rows = (
        TimeEntry.objects.filter(
            engagement=engagement,
            billable=True,
            date__gte=periods[0][0],
            date__lte=periods[-1][1],
        )
        .values("date")
        .annotate(minutes=Sum("minutes"))
    )
    usage: dict[dt.date, int] = {}
    for row in rows:
        for start, end in periods:
            if start <= row["date"] <= end:
                usage[start] = usage.get(start, 0) + row["minutes"]
                break
    return usage


# --- Revenue share, expenses ---------------------------------------------------------------
def revenue_share_amount(engagement: Engagement, revenue: Decimal) -> Decimal:
    """percent × revenue, then the floor and the cap of one period, rounded once."""
    share = revenue * (engagement.revenue_share_percent or ZERO) / 100
    if engagement.revenue_share_floor is not None:
        share = max(share, engagement.revenue_share_floor)
    if engagement.revenue_share_cap is not None:
        share = min(share, engagement.revenue_share_cap)
    return quantize(share, engagement.currency)


def expense_rebill_amount(expense: Expense, currency: str) -> Decimal:
    return quantize(expense.amount * (100 + expense.markup_percent) / 100, currency)


def time_shares(minutes: list[int], rate: Decimal, currency: str) -> list[Decimal]:
    """Each entry's share of minutes × rate for all of them, rounded once: entry i gets
    round(first i entries) − round(first i−1 entries). The shares add up to the rounded
    total exactly (three 20-minute entries at 100/h: 33.33 + 33.34 + 33.33 = 100.00, where
    rounding each would lose a cent), and each is within one minor unit of its exact
    value. What one read of unbilled time returns is billed as one line, so that line,
    its claims and the benefits base are the same sum."""
    shares = []
    done = 0
    billed = ZERO
    for m in minutes:
        done += m
        total = minutes_amount(done, rate, currency)
        shares.append(total - billed)
        billed = total
    return shares


# --- The unbilled service ------------------------------------------------------------------
@dataclass(frozen=True)
class UnbilledItem:
    kind: str
    description: str
    date: dt.date  # when it became billable (or the period it belongs to starts)
    amount: Decimal
    currency: str
    # Hours × rate for time and overage; everything else is one unit at its amount.
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    source_id: int | None = None
    period_start: dt.date | None = None
    minutes: int = 0
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.unit_price is None:
            object.__setattr__(self, "unit_price", self.amount)

    @property
    def key(self) -> ItemKey:
        """What a BillingClaim is unique on."""
        if self.source_id is not None:
            return (self.kind, self.source_id)
        return (self.kind, self.period_start)

    @property
    def basis(self) -> tuple[object, ...]:
        """What decides the amount, to tell whether a read is still current: for time
        the minutes and the rate (the amount is a share of the whole read, see
        `time_shares`), for everything else the amount itself too."""
        if self.kind == Kind.TIME:
            return (self.minutes, self.unit_price)
        return (self.minutes, self.unit_price, self.amount)


def _claimed_periods(engagement: Engagement) -> set[ItemKey]:
    """The retainer periods claimed. Records held by a claim are left out by their
    `billed` flag instead (engagements.services.claims keeps it), so this reads the
    engagement's period claims only, not one row per item ever billed."""
    return {
        (kind, period_start)
        for kind, period_start in BillingClaim.objects.filter(
            engagement=engagement, released_at__isnull=True, period_start__isnull=False
        ).values_list("kind", "period_start")
    }


def unbilled_items(
    engagement: Engagement,
    *,
    as_of: dt.date,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> list[UnbilledItem]:
    """Every billable item of the engagement not yet claimed by an invoice, that became
    billable on or before `as_of` and (when given) falls within [period_start, period_end].
    None for an engagement that does not bill (`engagement_bills`).

    A fixed number of queries whatever the history: the proposal, the period claims, one
    per kind of record (and the pauses, for a retainer). Records are read on the partial
    indexes over rows not billed, so the reads grow with the waiting work only."""
    period_end = min(period_end, as_of) if period_end else as_of
    if not engagement_bills(engagement):
        return []
    claimed = _claimed_periods(engagement)
    currency = engagement.currency
    items: list[UnbilledItem] = []

    def in_period(day: dt.date) -> bool:
        return (period_start is None or day >= period_start) and day <= period_end

    if engagement.pay_model == PayModel.HOURLY:
        rate = engagement.hourly_rate or ZERO
        entries = [
            entry
            for entry in TimeEntry.objects.filter(
                engagement=engagement,
                billable=True,
                billed=False,
                date__lte=period_end,
                **({"date__gte": period_start} if period_start else {}),
            ).order_by("date", "pk")
        ]
        shares = time_shares([entry.minutes for entry in entries], rate, currency)
        for entry, share in zip(entries, shares, strict=True):
            items.append(
                UnbilledItem(
                    kind=Kind.TIME,
                    source_id=entry.pk,
                    date=entry.date,
                    description=entry.description or "Time",
                    quantity=minutes_to_hours(entry.minutes),
                    unit_price=rate,
                    amount=share,
                    currency=currency,
                    minutes=entry.minutes,
                )
            )

    elif engagement.pay_model == PayModel.FIXED_FEE:
        for milestone in Milestone.objects.filter(
            engagement=engagement,
            status=Milestone.Status.ACCEPTED,
            accepted_at__isnull=False,
            billed=False,
        ).order_by("accepted_at", "pk"):
            if in_period(milestone.accepted_at):
                amount = quantize(milestone.amount, currency)
                items.append(
                    UnbilledItem(
                        kind=Kind.MILESTONE,
                        source_id=milestone.pk,
                        date=milestone.accepted_at,
                        description=milestone.title,
                        amount=amount,
                        currency=currency,
                    )
                )

    elif engagement.pay_model == PayModel.BOUNTY:
        for outcome in Outcome.objects.filter(
            engagement=engagement, accepted_at__isnull=False, billed=False
        ).order_by("accepted_at", "pk"):
            if in_period(outcome.accepted_at):
                amount = quantize(outcome.fee, currency)
                items.append(
                    UnbilledItem(
                        kind=Kind.OUTCOME,
                        source_id=outcome.pk,
                        date=outcome.accepted_at,
                        description=outcome.description,
                        amount=amount,
                        currency=currency,
                    )
                )

    elif engagement.pay_model == PayModel.REVENUE_SHARE:
        for report in RevenueReport.objects.filter(engagement=engagement, billed=False).order_by(
            "period_start"
        ):
            # Billable once reported; it belongs to the period it reports on.
            if report.reported_at <= as_of and in_period(report.period_start):
                amount = revenue_share_amount(engagement, report.revenue)
                percent = engagement.revenue_share_percent or ZERO
                items.append(
                    UnbilledItem(
                        kind=Kind.REVENUE_SHARE,
                        source_id=report.pk,
                        date=report.period_start,
                        description=(
                            f"Revenue share: {percent.normalize():f}% of "
                            f"{format_money(report.revenue, currency)} revenue, "
                            f"{format_period(report.period_start, report.period_end)}"
                        ),
                        amount=amount,
                        currency=currency,
                        extra={"revenue": report.revenue},
                    )
                )

    elif engagement.pay_model == PayModel.RETAINER:
        for statement in retainer_statements(engagement, as_of):
            start = statement.period_start
            if in_period(start) and statement.fee > 0:
                days = (
                    f" ({statement.active_days} of {statement.period_days} days)"
                    if statement.pro_rata
                    else ""
                )
                items.append(
                    UnbilledItem(
                        kind=Kind.RETAINER_FEE,
                        period_start=start,
                        date=start,
                        description=(
                            f"Retainer, {format_period(start, statement.period_end)}{days}"
                        ),
                        amount=statement.fee,
                        currency=currency,
                    )
                )
            if statement.closed and statement.overage_minutes > 0 and in_period(start):
                items.append(
                    UnbilledItem(
                        kind=Kind.RETAINER_OVERAGE,
                        period_start=start,
                        date=statement.period_end,
                        description=(
                            "Hours beyond the retainer's included hours, "
                            f"{format_period(start, statement.period_end)}"
                        ),
                        quantity=statement.hours("overage"),
                        unit_price=engagement.retainer_overage_rate or ZERO,
                        amount=statement.overage_amount,
                        currency=currency,
                        minutes=statement.overage_minutes,
                    )
                )

    for expense in Expense.objects.filter(
        engagement=engagement,
        rebillable=True,
        billed=False,
        date__lte=period_end,
        **({"date__gte": period_start} if period_start else {}),
    ).order_by("date", "pk"):
        amount = expense_rebill_amount(expense, currency)
        items.append(
            UnbilledItem(
                kind=Kind.EXPENSE,
                source_id=expense.pk,
                date=expense.date,
                description=f"{expense.category}: {expense.description}".rstrip(": "),
                amount=amount,
                currency=currency,
                extra={"markup_percent": expense.markup_percent},
            )
        )

    return [item for item in items if item.key not in claimed]


def unbilled_total(items: list[UnbilledItem], currency: str) -> Decimal:
    return quantize(sum((i.amount for i in items), ZERO), currency)
