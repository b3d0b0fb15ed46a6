"""Existing engagements get the dated facts billing now reads instead of their status.

- ENDED without an end date → an end date. An ended engagement whose proposal was never
  accepted ends on its start date (it never ran, and never bills). Otherwise the end is
  the last day of the work on record, so nothing recorded falls outside it:
  for a retainer, the last day of the period holding the latest of its start date, its
  last time entry, its last expense and its last invoiced period (a fee or overage claim),
  so that period bills its whole fee, as it did, and no later one does; for the other pay
  models, the latest of its start date, time entries, expenses, milestones delivered or
  accepted, outcomes accepted and revenue periods reported.
- PAUSED → an open pause. A retainer is paused from the first day of the period after the
  one holding its last time entry or invoiced period (that period bills in full, as it
  was worked or invoiced; the months before the pause bill their fees, which the PAUSED
  status hid); with neither, from its start date (it never ran). Other pay models are
  paused from the day after their last time entry, or their start date. Where that day
  is past the engagement's end date, no pause is made (it ended first).

Written against the historical models with its own period arithmetic (no app code), so it
keeps meaning what it meant. Reversing keeps the end dates (they are true) and drops the
pauses with their table."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import migrations
from django.db.models import Max

DAY = dt.timedelta(days=1)


def _period_start(day: dt.date, billing_day: int) -> dt.date:
    start = day.replace(day=billing_day)
    return start if start <= day else start - relativedelta(months=1, day=billing_day)


def _period_end(day: dt.date, billing_day: int) -> dt.date:
    return _period_start(day, billing_day) + relativedelta(months=1, day=billing_day) - DAY


def _latest(*days):
    days = [day for day in days if day is not None]
    return max(days) if days else None


def backfill(apps, schema_editor):
    Engagement = apps.get_model("engagements", "Engagement")
    EngagementPause = apps.get_model("engagements", "EngagementPause")
    Proposal = apps.get_model("engagements", "Proposal")
    BillingClaim = apps.get_model("engagements", "BillingClaim")

    def last(related, field):
        return related.aggregate(m=Max(field))["m"]

    def retainer_anchor(engagement):
        """The latest day whose period was worked or invoiced."""
        claimed = (
            BillingClaim.objects.filter(
                engagement=engagement, released_at__isnull=True, period_start__isnull=False
            ).aggregate(m=Max("period_start"))["m"]
        )
        return _latest(last(engagement.time_entries, "date"), claimed)

    for engagement in Engagement.objects.filter(status="ended", end_date__isnull=True):
        unaccepted = (
            Proposal.objects.filter(engagement=engagement).exclude(status="accepted").exists()
        )
        if unaccepted:
            end = engagement.start_date
        elif engagement.pay_model == "retainer":
            anchor = _latest(
                engagement.start_date,
                retainer_anchor(engagement),
                last(engagement.expenses, "date"),
            )
            end = _period_end(anchor, engagement.billing_day or 1)
        else:
            end = _latest(
                engagement.start_date,
                last(engagement.time_entries, "date"),
                last(engagement.expenses, "date"),
                last(engagement.milestones, "accepted_at"),
                last(engagement.milestones, "delivered_at"),
                last(engagement.outcomes, "accepted_at"),
                last(engagement.revenue_reports, "period_end"),
            )
        engagement.end_date = end
        engagement.save(update_fields=["end_date"])

    for engagement in Engagement.objects.filter(status="paused"):
        if EngagementPause.objects.filter(engagement=engagement, end_date__isnull=True).exists():
            continue
        if engagement.pay_model == "retainer":
            anchor = retainer_anchor(engagement)
            start = (
                _period_end(anchor, engagement.billing_day or 1) + DAY
                if anchor
                else engagement.start_date
            )
        else:
            anchor = last(engagement.time_entries, "date")
            start = anchor + DAY if anchor else engagement.start_date
        start = max(start, engagement.start_date)
        if engagement.end_date is not None and start > engagement.end_date:
            continue
        EngagementPause.objects.create(
            workspace_id=engagement.workspace_id, engagement=engagement, start_date=start
        )


class Migration(migrations.Migration):
    dependencies = [("engagements", "0005_engagement_pause")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
