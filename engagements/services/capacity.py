"""Capacity: a person's weekly availability from a date on, and time blocked for other
things than client work. (The arithmetic is `engagements.capacity`.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.dates import ensure_sane_dates
from core.inputs import UNSET, Unset, given
from engagements.models import Availability, BlockedTime
from engagements.services._base import (
    apply_changes,
    delete_audited,
    save_validated,
)


@transaction.atomic
def availability_set(
    *,
    workspace: Workspace,
    user: User,
    actor: User,
    effective_from: dt.date,
    hours: dict[str, Decimal],
) -> Availability:
    """Capacity from a date on. The same date edits that row; a later date adds one, so
    the weeks before keep the capacity they had."""
    ensure_sane_dates(effective_from=effective_from)
    row = Availability.objects.filter(user=user, effective_from=effective_from).first()
    row = row or Availability(workspace=workspace, user=user, effective_from=effective_from)
    apply_changes(row, hours)
    save_validated(row)
    audit_record(
        workspace=workspace,
        actor=actor,
        action="availability.set",
        obj=row,
        details={"effective_from": str(effective_from)},
    )
    return row


@transaction.atomic
def blocked_time_save(
    *,
    workspace: Workspace,
    user: User,
    actor: User,
    blocked: BlockedTime | None = None,
    title: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    start_date: dt.date | Unset = UNSET,
    end_date: dt.date | None | Unset = UNSET,
    hours_per_day: Decimal | Unset = UNSET,
    recurring: bool | Unset = UNSET,
    weekdays: list[int] | Unset = UNSET,
) -> BlockedTime:
    ensure_sane_dates(start_date=start_date, end_date=end_date)
    blocked = blocked or BlockedTime(workspace=workspace, user=user)
    apply_changes(
        blocked,
        given(
            title=title,
            kind=kind,
            start_date=start_date,
            end_date=end_date,
            hours_per_day=hours_per_day,
            recurring=recurring,
            weekdays=weekdays,
        ),
    )
    if blocked.recurring and not blocked.weekdays:
        raise ValidationError({"weekdays": "Choose the weekdays it repeats on."})
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in blocked.weekdays or []):
        raise ValidationError({"weekdays": "Weekdays are 0 (Monday) to 6 (Sunday)."})
    save_validated(blocked)
    audit_record(workspace=workspace, actor=actor, action="blocked_time.save", obj=blocked)
    return blocked


@transaction.atomic
def blocked_time_delete(*, blocked: BlockedTime, actor: User) -> None:
    delete_audited(
        blocked, actor=actor, action="blocked_time.delete", details={"title": blocked.title}
    )
