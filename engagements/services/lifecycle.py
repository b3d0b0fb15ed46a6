"""An engagement's dated facts: when it ends, and when it is paused.

Billing never reads an engagement's status (`engagements.billing`): it reads these facts.
So a status change is always a dated change of them, made here:

- **Ending** sets the end date (required: an ended engagement without one would bill for
  ever); an open pause ends with it. Reopening clears it (or moves it later).
- **Pausing** opens an `EngagementPause` from a day; **resuming** closes it the day before
  the first day back (a pause resumed on its first day covered no day and is removed).
- Every such change moves a range of days in or out of the engagement's active days, and
  is refused when that range reaches into a period an invoice holds
  (`Freeze.ensure_dates_open`), or would strand time already logged on a day that stops
  being active. Time cannot be logged on a paused day either (`ensure_active_day`).
- A proposed engagement's status is its proposal's to decide: answering or withdrawing it.
  A proposal that was declined or withdrawn never bills, whatever status its engagement
  is given, so that status cannot be changed by hand.

`engagement_pause`, `engagement_resume` and `engagement_end` are services of their own;
`engagement_update` applies a change of `status` (dated by `status_on`) or `end_date`
through `dated_facts_change`. All run under the engagement's row lock."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from core.dates import ensure_sane_dates
from core.inputs import Unset
from engagements.active_days import ActiveDays, active_days_of
from engagements.frozen import freeze_of
from engagements.models import (
    Engagement,
    EngagementPause,
    EngagementStatus,
    Proposal,
    TimeEntry,
)
from engagements.services.locks import engagement_lock

Status = EngagementStatus
DAY = dt.timedelta(days=1)


def ensure_active_day(
    engagement: Engagement, day: dt.date | None, active: ActiveDays | None = None
) -> None:
    """Time belongs to a day the engagement runs: within its start and end dates and in no
    pause (on other days it would count toward nothing, or toward a paused period)."""
    if day is None:
        return
    if day < engagement.start_date or (engagement.end_date and day > engagement.end_date):
        raise ValidationError(
            {"date": "This date is outside the engagement's start and end dates."}
        )
    pause = (active or active_days_of(engagement)).pause_on(day)
    if pause is not None:
        since, until = pause
        when = f"from {since:%d %b %Y}" + (f" to {until:%d %b %Y}" if until else "")
        raise ValidationError({"date": f"The engagement is paused on this day ({when})."})


def _proposal_status(engagement: Engagement) -> str | None:
    status: str | None = (
        Proposal.objects.filter(engagement=engagement).values_list("status", flat=True).first()
    )
    return status


def _ensure_no_time_from(engagement: Engagement, day: dt.date, *, field: str, why: str) -> None:
    """No time logged on or after `day` (those days are leaving the engagement's active
    days; the time would stay and count toward nothing)."""
    latest = (
        TimeEntry.objects.filter(engagement=engagement, date__gte=day)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    if latest is not None:
        raise ValidationError({field: f"Time is logged on {latest:%d %b %Y}, {why}."})


def _set_end(engagement: Engagement, end: dt.date | None, *, field: str = "end_date") -> None:
    """Move (or clear) the end date. The days between the old and the new end change; the
    first of them must be past every invoiced period."""
    old = engagement.end_date
    if end == old:
        return
    if end is not None and end < engagement.start_date:
        raise ValidationError({field: "The end date is before the start date."})
    # The last day active both before and after the change; the days after it change.
    kept = [day for day in (old, end) if day is not None]
    first_changed = min(kept) + DAY
    freeze_of(engagement).ensure_dates_open(first_changed, field=field)
    if end is not None:
        _ensure_no_time_from(engagement, end + DAY, field=field, why="after this end date")
        # An open pause ends with the engagement (one that would start later never runs).
        pause = EngagementPause.objects.filter(engagement=engagement, end_date__isnull=True).first()
        if pause is not None and pause.start_date > end:
            pause.delete()
        elif pause is not None:
            pause.end_date = end
            pause.save(update_fields=["end_date"])
    engagement.end_date = end


def _pause(engagement: Engagement, on: dt.date, *, field: str) -> None:
    active = active_days_of(engagement)
    if active.open_pause is not None:
        raise ValidationError({field: f"Already paused from {active.open_pause[0]:%d %b %Y}."})
    if on < engagement.start_date:
        raise ValidationError({field: "The engagement has not started by then."})
    if engagement.end_date is not None and on > engagement.end_date:
        raise ValidationError({field: "The engagement has ended by then."})
    for start, end in active.pauses:
        if end is not None and on <= end:
            raise ValidationError(
                {field: f"It was paused from {start:%d %b %Y} to {end:%d %b %Y}: pause later."}
            )
    freeze_of(engagement).ensure_dates_open(on, field=field)
    _ensure_no_time_from(engagement, on, field=field, why="in the pause: pause from later")
    EngagementPause.objects.create(
        workspace=engagement.workspace, engagement=engagement, start_date=on
    )
    engagement.status = Status.PAUSED


def _resume(engagement: Engagement, on: dt.date, *, field: str) -> None:
    pause = EngagementPause.objects.filter(engagement=engagement, end_date__isnull=True).first()
    if pause is None:
        if engagement.status != Status.PAUSED:
            raise ValidationError({field: "This engagement is not paused."})
        engagement.status = Status.ACTIVE  # labelled paused with no pause (old data)
        return
    if on < pause.start_date:
        raise ValidationError({field: f"The pause starts on {pause.start_date:%d %b %Y}."})
    freeze_of(engagement).ensure_dates_open(on, field=field)
    if on == pause.start_date:
        pause.delete()  # it covered no day
    else:
        pause.end_date = on - DAY
        pause.save(update_fields=["end_date"])
    engagement.status = Status.ACTIVE


def _ensure_status_changeable(engagement: Engagement, target: str) -> None:
    if target == Status.PROPOSED:
        raise ValidationError({"status": "Only a proposal makes an engagement proposed."})
    proposal = _proposal_status(engagement)
    if proposal in (Proposal.Status.DRAFT, Proposal.Status.SENT):
        raise ValidationError(
            {"status": "Its proposal decides this: the client accepts it, or you withdraw it."}
        )
    if proposal in (Proposal.Status.DECLINED, Proposal.Status.WITHDRAWN):
        raise ValidationError(
            {"status": "Its proposal was not accepted, so it never bills: propose again."}
        )


def dated_facts_change(
    engagement: Engagement,
    *,
    status: str | Unset,
    end_date: dt.date | None | Unset,
    status_on: dt.date | None | Unset,
) -> list[str]:
    """Apply a change of status (dated by `status_on`: a pause's first day, or the first
    day back) and/or of the end date to a locked engagement; not saved. The names of what
    changed."""
    current = engagement.status
    target = current if isinstance(status, Unset) else status
    on = None if isinstance(status_on, Unset) else status_on
    before = (engagement.status, engagement.end_date)
    if target != current:
        _ensure_status_changeable(engagement, target)
    elif on is not None:
        raise ValidationError({"status_on": "Choose the status that changes on this day."})

    if target == Status.ENDED:
        # The end date given, else the day of the change, else the one it has.
        end = (on or engagement.end_date) if isinstance(end_date, Unset) else (end_date or on)
        if end is None:
            raise ValidationError({"end_date": "Give the day the engagement ends."})
        _set_end(engagement, end)
        engagement.status = Status.ENDED
    elif current == Status.ENDED:  # reopening
        if target == Status.PAUSED:
            raise ValidationError({"status": "Reopen it (set it active) before pausing it."})
        end = None if isinstance(end_date, Unset) else end_date
        if end is not None and engagement.end_date is not None and end <= engagement.end_date:
            raise ValidationError(
                {"end_date": "Clear the end date, or set a later one, to reopen."}
            )
        _set_end(engagement, end)
        engagement.status = target
    else:
        if not isinstance(end_date, Unset):
            _set_end(engagement, end_date)
        if target != current and Status.PAUSED in (target, current):
            if on is None:
                first = "the pause starts" if target == Status.PAUSED else "it resumes"
                raise ValidationError({"status_on": f"Give the day {first}."})
            (_pause if target == Status.PAUSED else _resume)(engagement, on, field="status_on")
        else:
            engagement.status = target  # unchanged, or proposed (with no proposal) → active
    after = (engagement.status, engagement.end_date)
    return [
        name for name, b, a in zip(("status", "end_date"), before, after, strict=True) if b != a
    ]


def _audited(engagement: Engagement, actor: User, action: str, on: dt.date) -> Engagement:
    engagement.save(update_fields=["status", "end_date"])
    audit_record(
        workspace=engagement.workspace,
        actor=actor,
        action=action,
        obj=engagement,
        details={"on": str(on)},
    )
    return engagement


@transaction.atomic
def engagement_pause(*, engagement: Engagement, actor: User, on: dt.date) -> Engagement:
    """Pause from `on` (its first paused day) until resumed."""
    ensure_sane_dates(on=on)
    engagement = engagement_lock(engagement)
    if engagement.status != Status.PAUSED:
        _ensure_status_changeable(engagement, Status.PAUSED)
    if engagement.status == Status.ENDED:
        raise ValidationError({"status_on": "An ended engagement cannot be paused."})
    _pause(engagement, on, field="status_on")
    return _audited(engagement, actor, "engagement.pause", on)


@transaction.atomic
def engagement_resume(*, engagement: Engagement, actor: User, on: dt.date) -> Engagement:
    """Resume on `on` (the first day back): the open pause ends the day before."""
    ensure_sane_dates(on=on)
    engagement = engagement_lock(engagement)
    _resume(engagement, on, field="status_on")
    return _audited(engagement, actor, "engagement.resume", on)


@transaction.atomic
def engagement_end(*, engagement: Engagement, actor: User, on: dt.date) -> Engagement:
    """End on `on` (its last day): no period bills a day after it."""
    ensure_sane_dates(on=on)
    engagement = engagement_lock(engagement)
    if engagement.status != Status.ENDED:
        _ensure_status_changeable(engagement, Status.ENDED)
    _set_end(engagement, on)
    engagement.status = Status.ENDED
    return _audited(engagement, actor, "engagement.end", on)
