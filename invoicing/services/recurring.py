"""Recurring schedules: their periods, and saving, pausing and deleting one. Making the
invoices is invoicing.services.recurring_runs."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.dates import add_months, ensure_sane_dates
from core.money import ZERO, fits_amount
from engagements.models import Client, Engagement
from invoicing.models import (
    Invoice,
    RecurringSchedule,
    TaxRate,
)
from invoicing.totals import LineAmounts, line_amounts, sum_lines

Interval = RecurringSchedule.Interval
# A template line as a schedule stores it (JSON): description, quantity, unit_price,
# discount_percent (Decimal strings) and tax_rate_id.
TemplateLine = dict[str, Any]


# --- Periods -------------------------------------------------------------------------------
_MONTHS: dict[str, int] = {Interval.MONTHLY: 1, Interval.QUARTERLY: 3, Interval.YEARLY: 12}


def period_start(*, start_date: dt.date, interval: str, every: int, index: int) -> dt.date:
    """The `index`-th period's first day. Counted from the start date each time (not from
    the previous period), so 31 Jan → 28 Feb → 31 Mar does not drift to the 28th."""
    if interval == Interval.WEEKLY:
        return start_date + dt.timedelta(weeks=every * index)
    return add_months(start_date, _MONTHS[interval] * every * index, start_date.day)


def periods_from(schedule: RecurringSchedule, first: dt.date, until: dt.date) -> list[dt.date]:
    last = min(until, schedule.end_date) if schedule.end_date else until
    days: list[dt.date] = []
    index = 0
    while True:
        day = period_start(
            start_date=schedule.start_date,
            interval=schedule.interval,
            every=schedule.every,
            index=index,
        )
        if day > last:
            return days
        if day >= first:
            days.append(day)
        index += 1


def schedule_periods(schedule: RecurringSchedule, until: dt.date) -> list[dt.date]:
    """The periods (by first day) still to invoice: from `next_run` to `until` (and the
    end date), oldest first."""
    return periods_from(schedule, schedule.next_run, until)


def next_period_after(schedule: RecurringSchedule, day: dt.date) -> dt.date:
    """The first period starting strictly after `day` (the end date is not applied)."""
    index = 0
    while True:
        start = period_start(
            start_date=schedule.start_date,
            interval=schedule.interval,
            every=schedule.every,
            index=index,
        )
        if start > day:
            return start
        index += 1


def period_end(schedule: RecurringSchedule, start: dt.date) -> dt.date:
    return next_period_after(schedule, start) - dt.timedelta(days=1)


def is_finished(schedule: RecurringSchedule) -> bool:
    return schedule.end_date is not None and schedule.next_run > schedule.end_date


# --- Saving --------------------------------------------------------------------------------
def auto_send_available() -> bool:
    """Sending is the delivery module's (another part of invoicing). Auto-send is offered
    only when it exists; nothing pretends to send."""
    try:
        delivery = importlib.import_module("invoicing.delivery")
    except ImportError:
        return False
    return callable(getattr(delivery, "invoice_send", None))


def _template_number(raw: object, *, whole: int, places: int) -> Decimal | None:
    """A template line's number as typed (a page sends text): finite, at most `whole`
    digits before the point and `places` after, or None ("NaN", "1e400", "abc")."""
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    _, digits, exponent = number.normalize().as_tuple()
    after = max(0, -int(exponent))
    before = len(digits) + int(exponent)
    return number if after <= places and before <= whole else None


def _clean_lines(
    workspace: Workspace, lines: list[TemplateLine], currency: str
) -> list[TemplateLine]:
    """Template lines as stored: strings for the Decimals, a tax rate of the workspace."""
    rates = {r.pk: r for r in TaxRate.objects.filter(archived=False)}
    cleaned: list[TemplateLine] = []
    errors: list[str] = []
    for n, line in enumerate(lines, start=1):
        description = (line.get("description") or "").strip()
        if not description:
            continue
        quantity = _template_number(line.get("quantity") or "1", whole=10, places=4)
        unit_price = _template_number(line.get("unit_price") or "0", whole=14, places=4)
        discount = _template_number(line.get("discount_percent") or "0", whole=3, places=2)
        if quantity is None or unit_price is None or discount is None:
            errors.append(f"Line {n}: quantity, price and discount must be numbers.")
            continue
        if quantity <= 0 or not (0 <= discount <= 100):
            errors.append(f"Line {n}: a quantity above zero, a discount from 0 to 100.")
            continue
        if not fits_amount(quantity * unit_price):
            errors.append(f"Line {n}: quantity × price is too large to bill.")
            continue
        tax_rate_id = line.get("tax_rate_id") or None
        if tax_rate_id is not None:
            tax_rate_id = int(tax_rate_id) if str(tax_rate_id).isdigit() else -1
            if tax_rate_id not in rates or rates[tax_rate_id].workspace_id != workspace.pk:
                errors.append(f"Line {n}: choose one of your tax rates.")
                continue
        cleaned.append(
            {
                "description": description[:500],
                # format "f": a number typed as 6e5 is stored as 600000, never shown back as 6E+5.
                "quantity": format(quantity, "f"),
                "unit_price": format(unit_price, "f"),
                "discount_percent": format(discount, "f"),
                "tax_rate_id": tax_rate_id,
            }
        )
    if errors:
        raise ValidationError({"lines": errors})
    if cleaned:
        total = sum_lines(
            [template_line_amounts(line, rates, currency) for line in cleaned], currency
        )
        if total.total < 0:
            raise ValidationError({"lines": "The lines cannot total less than zero."})
    return cleaned


def template_line_amounts(
    line: TemplateLine, rates: dict[int, TaxRate], currency: str
) -> LineAmounts:
    """A template line's amounts at the tax rate it names (the rate as it is now)."""
    rate = rates.get(line["tax_rate_id"]) if line.get("tax_rate_id") else None
    return line_amounts(
        quantity=Decimal(line["quantity"]),
        unit_price=Decimal(line["unit_price"]),
        discount_percent=Decimal(line.get("discount_percent") or "0"),
        tax_percent=rate.percent if rate else ZERO,
        tax_inclusive=rate.inclusive if rate else False,
        currency=currency,
    )


@transaction.atomic
def recurring_schedule_save(
    *,
    workspace: Workspace,
    actor: User,
    schedule: RecurringSchedule | None = None,
    name: str,
    client: Client,
    engagement: Engagement | None = None,
    interval: str = Interval.MONTHLY,
    every: int = 1,
    start_date: dt.date,
    end_date: dt.date | None = None,
    currency: str = "",
    lines: list[TemplateLine] | None = None,
    days_until_due: int | None = None,
    auto_finalize: bool = True,
    auto_send: bool = False,
) -> RecurringSchedule:
    """Create or edit a schedule. Its next run is recomputed: the first period after the
    last invoice it made (or its first period), so an edit never makes a period twice."""
    ensure_sane_dates(start_date=start_date, end_date=end_date)
    if schedule is not None:
        schedule = RecurringSchedule.objects.select_for_update().get(pk=schedule.pk)
        if schedule.workspace_id != workspace.pk:
            raise ValidationError("Choose one of your schedules.")
    if client.workspace_id != workspace.pk:
        raise ValidationError({"client": "Choose one of your clients."})
    errors: dict[str, str] = {}
    if engagement is not None:
        if engagement.workspace_id != workspace.pk:
            raise ValidationError({"engagement": "Choose one of your engagements."})
        if engagement.client_id != client.pk:
            errors["engagement"] = "This engagement is for another client."
        if currency and currency != engagement.currency:
            errors["currency"] = f"The engagement bills in {engagement.currency}."
        currency = engagement.currency
        lines = []
    currency = currency or client.currency
    if interval not in Interval.values:
        errors["interval"] = "Choose weekly, monthly, quarterly or yearly."
    if not every or every < 1 or every > 52:
        errors["every"] = "Repeat every 1 to 52 intervals."
    if end_date is not None and end_date < start_date:
        errors["end_date"] = "The end date is before the start date."
    if auto_send and not auto_send_available():
        errors["auto_send"] = "Sending invoices by email is not available yet."
    if auto_send and not auto_finalize:
        errors["auto_send"] = "Only finalised invoices can be sent: also finalise automatically."
    if errors:
        raise ValidationError(errors)
    cleaned = _clean_lines(workspace, lines or [], currency) if engagement is None else []
    if engagement is None and not cleaned:
        raise ValidationError({"lines": "Add at least one line, or bill an engagement."})

    created = schedule is None
    schedule = schedule or RecurringSchedule(workspace=workspace)
    schedule.name = name
    schedule.client = client
    schedule.engagement = engagement
    schedule.interval = interval
    schedule.every = every
    schedule.start_date = start_date
    schedule.end_date = end_date
    schedule.currency = currency
    schedule.lines = cleaned
    schedule.days_until_due = days_until_due
    schedule.auto_finalize = auto_finalize
    schedule.auto_send = auto_send
    last = (
        Invoice.objects.filter(schedule=schedule).order_by("-schedule_period").first()
        if not created
        else None
    )
    schedule.next_run = next_period_after(schedule, last.schedule_period) if last else start_date
    schedule.full_clean(exclude=["workspace", "client", "engagement"])
    schedule.save()
    audit_record(
        workspace=workspace,
        actor=actor,
        action="recurring_schedule.create" if created else "recurring_schedule.update",
        obj=schedule,
        details={"next_run": str(schedule.next_run)},
    )
    return schedule


@transaction.atomic
def recurring_schedule_pause(
    *, schedule: RecurringSchedule, actor: User, active: bool, today: dt.date | None = None
) -> RecurringSchedule:
    """Pause or resume. Resuming does not bill the periods that passed while paused: the
    next run is the first period from today on."""
    schedule = RecurringSchedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.active == active:
        return schedule
    schedule.active = active
    if active:
        today = today or timezone.localdate()
        if schedule.next_run < today:
            schedule.next_run = next_period_after(schedule, today - dt.timedelta(days=1))
    schedule.save(update_fields=["active", "next_run"])
    audit_record(
        workspace=schedule.workspace,
        actor=actor,
        action="recurring_schedule.resume" if active else "recurring_schedule.pause",
        obj=schedule,
    )
    return schedule


@transaction.atomic
def recurring_schedule_delete(*, schedule: RecurringSchedule, actor: User) -> None:
    """Its invoices stay (their link to the schedule is cleared)."""
    audit_record(
        workspace=schedule.workspace,
        actor=actor,
        action="recurring_schedule.delete",
        obj=schedule,
        details={"name": schedule.name},
    )
    schedule.delete()
