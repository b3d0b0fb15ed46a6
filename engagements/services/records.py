"""The work an engagement records: time, milestones, outcomes, revenue reports and
expenses. Each writer takes the engagement's row lock first (`services.locks`), then asks
`engagements.frozen` what invoices hold: an item with its own claim, or retainer time in
an invoiced period, cannot change (that would change an issued invoice)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Sum

from accounts.models import User
from accounts.services import audit_record
from core.dates import ensure_sane_dates
from core.inputs import UNSET, Unset, given
from engagements.frozen import freeze_of, freezes_of
from engagements.models import (
    BillingClaim,
    Engagement,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    RevenueReport,
    TimeEntry,
)
from engagements.receipts import receipt_named_by_content
from engagements.services._base import apply_changes, delete_audited, save_validated
from engagements.services.lifecycle import ensure_active_day
from engagements.services.locks import engagement_lock, engagements_lock

# --- Time ------------------------------------------------------------------------------------


@transaction.atomic
def time_entry_save(
    *,
    engagement: Engagement,
    actor: User,
    entry: TimeEntry | None = None,
    date: dt.date | Unset = UNSET,
    minutes: int | Unset = UNSET,
    description: str | Unset = UNSET,
    billable: bool | Unset = UNSET,
) -> TimeEntry:
    ensure_sane_dates(date=date)
    # The lock of every engagement the entry touches (it may move between two), first.
    locked = engagements_lock([engagement.pk, *([entry.engagement_id] if entry else [])])
    engagement = locked[engagement.pk]
    freezes = freezes_of(locked.values())
    if entry is not None:
        entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.engagement_id not in locked:
            raise ValidationError("This entry was moved at the same time: reload and retry.")
        entry.engagement = locked[entry.engagement_id]
        # Invoiced itself, or counted in an invoiced retainer period (by date and
        # engagement): it may neither change there nor leave.
        freezes[entry.engagement_id].ensure_item_open(BillingClaim.Kind.TIME, entry.pk)
        freezes[entry.engagement_id].ensure_time_open(entry.date)
    day = date if not isinstance(date, Unset) else (entry.date if entry else None)
    if day is not None:  # nor may time enter an invoiced period
        freezes[engagement.pk].ensure_time_open(day)
    entry = entry or TimeEntry(workspace=engagement.workspace, engagement=engagement, user=actor)
    if entry.engagement_id != engagement.pk:
        entry.engagement = engagement
    apply_changes(
        entry, given(date=date, minutes=minutes, description=description, billable=billable)
    )
    ensure_active_day(engagement, entry.date)
    save_validated(entry)
    audit_record(
        workspace=engagement.workspace,
        actor=actor,
        action="time_entry.save",
        obj=entry,
        details={"minutes": entry.minutes},
    )
    return entry


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, actor: User) -> None:
    engagement = engagement_lock(entry.engagement_id)
    entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.engagement_id != engagement.pk:
        raise ValidationError("This entry was moved at the same time: reload and retry.")
    entry.engagement = engagement
    freeze = freeze_of(engagement)
    freeze.ensure_item_open(BillingClaim.Kind.TIME, entry.pk)
    freeze.ensure_time_open(entry.date, field=None)
    audit_record(
        workspace=entry.workspace,
        actor=actor,
        action="time_entry.delete",
        obj=entry,
        details={"minutes": entry.minutes, "date": str(entry.date)},
    )
    entry.delete()


def week_minutes(engagement: Engagement, day: dt.date) -> int:
    """Billable minutes logged on the engagement in the Monday–Sunday week of `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    minutes: int | None = TimeEntry.objects.filter(
        engagement=engagement,
        billable=True,
        date__gte=monday,
        date__lte=monday + dt.timedelta(days=6),
    ).aggregate(m=Sum("minutes"))["m"]
    return minutes or 0


def weekly_cap_exceeded(engagement: Engagement, day: dt.date) -> bool:
    cap = engagement.weekly_hour_cap
    return cap is not None and week_minutes(engagement, day) > cap * 60


# --- Milestones (fixed fee) -------------------------------------------------------------------


@transaction.atomic
def milestone_save(
    *,
    engagement: Engagement,
    actor: User,
    milestone: Milestone | None = None,
    title: str | Unset = UNSET,
    amount: Decimal | Unset = UNSET,
    due_date: dt.date | None | Unset = UNSET,
    acceptance_criteria: str | Unset = UNSET,
) -> Milestone:
    ensure_sane_dates(due_date=due_date)
    engagement = engagement_lock(engagement)
    if engagement.pay_model != PayModel.FIXED_FEE:
        raise ValidationError({"engagement": "Milestones belong to fixed-fee engagements."})
    if milestone is not None:
        freeze_of(engagement).ensure_item_open(BillingClaim.Kind.MILESTONE, milestone.pk)
    milestone = milestone or Milestone(workspace=engagement.workspace, engagement=engagement)
    apply_changes(
        milestone,
        given(
            title=title,
            amount=amount,
            due_date=due_date,
            acceptance_criteria=acceptance_criteria,
        ),
    )
    save_validated(milestone)
    audit_record(
        workspace=engagement.workspace, actor=actor, action="milestone.save", obj=milestone
    )
    return milestone


@transaction.atomic
def milestone_deliver(*, milestone: Milestone, actor: User, on: dt.date) -> Milestone:
    ensure_sane_dates(on=on)
    engagement_lock(milestone.engagement_id)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.status != Milestone.Status.PENDING:
        raise ValidationError("Only a pending milestone can be marked delivered.")
    milestone.status = Milestone.Status.DELIVERED
    milestone.delivered_at = on
    milestone.save(update_fields=["status", "delivered_at"])
    audit_record(
        workspace=milestone.workspace,
        actor=actor,
        action="milestone.deliver",
        obj=milestone,
        details={"on": str(on)},
    )
    return milestone


@transaction.atomic
def milestone_accept(
    *, milestone: Milestone, actor: User, on: dt.date, on_word_of: str = ""
) -> Milestone:
    """Record the client's acceptance (by the professional, on the client's word)."""
    ensure_sane_dates(on=on)
    engagement_lock(milestone.engagement_id)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.status == Milestone.Status.ACCEPTED:
        return milestone  # already applied: idempotent
    if milestone.status != Milestone.Status.DELIVERED:
        raise ValidationError("Mark the milestone delivered before recording acceptance.")
    if milestone.delivered_at and on < milestone.delivered_at:
        raise ValidationError({"accepted_at": "Acceptance cannot come before delivery."})
    milestone.status = Milestone.Status.ACCEPTED
    milestone.accepted_at = on
    milestone.accepted_by = actor
    milestone.accepted_on_word_of = on_word_of
    milestone.save(update_fields=["status", "accepted_at", "accepted_by", "accepted_on_word_of"])
    audit_record(
        workspace=milestone.workspace,
        actor=actor,
        action="milestone.accept",
        obj=milestone,
        details={"on": str(on), "on_word_of": on_word_of},
    )
    return milestone


# --- Outcomes (bounties) ----------------------------------------------------------------------


@transaction.atomic
def outcome_save(
    *,
    engagement: Engagement,
    actor: User,
    outcome: Outcome | None = None,
    description: str | Unset = UNSET,
    fee: Decimal | Unset = UNSET,
    evidence_note: str | Unset = UNSET,
) -> Outcome:
    engagement = engagement_lock(engagement)
    if engagement.pay_model != PayModel.BOUNTY:
        raise ValidationError({"engagement": "Outcomes belong to outcome-bounty engagements."})
    if outcome is not None:
        freeze_of(engagement).ensure_item_open(BillingClaim.Kind.OUTCOME, outcome.pk)
    outcome = outcome or Outcome(workspace=engagement.workspace, engagement=engagement)
    apply_changes(outcome, given(description=description, fee=fee, evidence_note=evidence_note))
    save_validated(outcome)
    audit_record(workspace=engagement.workspace, actor=actor, action="outcome.save", obj=outcome)
    return outcome


@transaction.atomic
def outcome_accept(
    *, outcome: Outcome, actor: User, on: dt.date, evidence_note: str = ""
) -> Outcome:
    engagement_lock(outcome.engagement_id)
    outcome = Outcome.objects.select_for_update().get(pk=outcome.pk)
    if outcome.accepted_at:
        return outcome
    outcome.accepted_at = on
    outcome.accepted_by = actor
    if evidence_note:
        outcome.evidence_note = evidence_note
    outcome.save(update_fields=["accepted_at", "accepted_by", "evidence_note"])
    audit_record(
        workspace=outcome.workspace,
        actor=actor,
        action="outcome.accept",
        obj=outcome,
        details={"on": str(on)},
    )
    return outcome


# --- Revenue reports (revenue share) ----------------------------------------------------------


@transaction.atomic
def revenue_report_save(
    *,
    engagement: Engagement,
    actor: User,
    report: RevenueReport | None = None,
    period_start: dt.date | Unset = UNSET,
    period_end: dt.date | Unset = UNSET,
    revenue: Decimal | Unset = UNSET,
    reported_by: str | Unset = UNSET,
    reported_at: dt.date | Unset = UNSET,
    note: str | Unset = UNSET,
) -> RevenueReport:
    ensure_sane_dates(period_start=period_start, period_end=period_end, reported_at=reported_at)
    engagement = engagement_lock(engagement)
    if engagement.pay_model != PayModel.REVENUE_SHARE:
        raise ValidationError("Revenue reports belong to revenue-share engagements.")
    if report is not None:
        freeze_of(engagement).ensure_item_open(BillingClaim.Kind.REVENUE_SHARE, report.pk)
    report = report or RevenueReport(
        workspace=engagement.workspace, engagement=engagement, recorded_by=actor
    )
    apply_changes(
        report,
        given(
            period_start=period_start,
            period_end=period_end,
            revenue=revenue,
            reported_by=reported_by,
            reported_at=reported_at,
            note=note,
        ),
    )
    if report.period_end and report.period_start and report.period_end < report.period_start:
        raise ValidationError({"period_end": "The period ends before it starts."})
    save_validated(report)
    audit_record(
        workspace=engagement.workspace,
        actor=actor,
        action="revenue_report.save",
        obj=report,
        details={"revenue": str(report.revenue)},
    )
    return report


# --- Expenses ---------------------------------------------------------------------------------


@transaction.atomic
def expense_save(
    *,
    engagement: Engagement,
    actor: User,
    expense: Expense | None = None,
    date: dt.date | Unset = UNSET,
    amount: Decimal | Unset = UNSET,
    category: str | Unset = UNSET,
    description: str | Unset = UNSET,
    receipt: File[bytes] | str | bool | None | Unset = UNSET,  # False or "": cleared (as forms say)
    rebillable: bool | Unset = UNSET,
    markup_percent: Decimal | Unset = UNSET,
) -> Expense:
    ensure_sane_dates(date=date)
    engagement = engagement_lock(engagement)
    if expense is not None:
        freeze_of(engagement).ensure_item_open(BillingClaim.Kind.EXPENSE, expense.pk)
    expense = expense or Expense(workspace=engagement.workspace, engagement=engagement)
    if isinstance(receipt, File):
        receipt = receipt_named_by_content(receipt)  # the name follows the content
    apply_changes(
        expense,
        given(
            date=date,
            amount=amount,
            category=category,
            description=description,
            receipt=receipt,
            rebillable=rebillable,
            markup_percent=markup_percent,
        ),
    )
    save_validated(expense)
    audit_record(
        workspace=engagement.workspace,
        actor=actor,
        action="expense.save",
        obj=expense,
        details={"amount": str(expense.amount)},
    )
    return expense


# --- Any record -------------------------------------------------------------------------------


@transaction.atomic
def record_delete(
    *, record: Milestone | Outcome | RevenueReport | Expense, kind: str, actor: User
) -> None:
    """Delete a milestone, outcome, revenue report or expense that is not invoiced."""
    freeze_of(engagement_lock(record.engagement_id)).ensure_item_open(kind, record.pk)
    delete_audited(record, actor=actor, action=f"{kind}.delete")
