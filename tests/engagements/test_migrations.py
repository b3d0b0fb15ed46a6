"""The backfill of dated facts (engagements 0006) on rows as they were before it: ended
engagements without an end date get one, paused engagements an open pause, chosen so that
nothing recorded or invoiced falls outside the engagement's active days."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_scopes import scopes_disabled

from engagements.models import BillingClaim, Engagement, EngagementPause, Proposal
from tests.factories import (
    ClientFactory,
    EngagementFactory,
    RetainerEngagementFactory,
)

BEFORE = [("engagements", "0005_engagement_pause")]
AFTER = [("engagements", "0006_dated_ends_and_pauses")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_ended_and_paused_engagements_get_their_dated_facts(personas):
    migrate(BEFORE)
    try:
        with scopes_disabled():
            client = ClientFactory(workspace=personas.a)

            def retainer(name, status, **kw):
                return RetainerEngagementFactory(
                    client=client,
                    name=name,
                    status=status,
                    start_date=dt.date(2026, 1, 15),
                    billing_day=15,
                    **kw,
                )

            # The models as they were then (today's have columns that did not exist yet).
            historical = MigrationExecutor(connection).loader.project_state(BEFORE).apps

            def time_entry(engagement, day):
                historical.get_model("engagements", "TimeEntry").objects.create(
                    workspace_id=personas.a.pk, engagement_id=engagement.pk, date=day, minutes=60
                )

            # Ended retainers: by their last time, their last invoiced period, or nothing.
            by_time = retainer("by time", "ended")
            time_entry(by_time, dt.date(2026, 4, 20))
            by_claim = retainer("by claim", "ended")
            BillingClaim.objects.create(
                workspace=personas.a,
                engagement=by_claim,
                kind=BillingClaim.Kind.RETAINER_FEE,
                period_start=dt.date(2026, 6, 15),
                amount=D("2000"),
                currency="EUR",
                claimed_for="invoice:1",
            )
            idle = retainer("idle", "ended")
            withdrawn = retainer("withdrawn", "ended")
            historical.get_model("engagements", "Proposal").objects.create(
                workspace_id=personas.a.pk,
                engagement_id=withdrawn.pk,
                title="Withdrawn",
                scope="Discovery and a plan.",
                status=Proposal.Status.WITHDRAWN,
            )
            hourly = EngagementFactory(
                client=client, status="ended", start_date=dt.date(2026, 1, 1)
            )
            time_entry(hourly, dt.date(2026, 3, 3))
            kept = retainer("has an end", "ended", end_date=dt.date(2026, 2, 1))
            # Paused: after the period of the last time, from the start, after the last entry.
            paused = retainer("paused", "paused")
            time_entry(paused, dt.date(2026, 3, 1))
            paused_idle = retainer("paused idle", "paused")
            paused_hourly = EngagementFactory(
                client=client, status="paused", start_date=dt.date(2026, 1, 1)
            )
            time_entry(paused_hourly, dt.date(2026, 5, 5))
            active = retainer("active", "active")

        migrate(AFTER)

        with scopes_disabled():

            def end(engagement):
                return Engagement.objects.get(pk=engagement.pk).end_date

            def pauses(engagement):
                return list(
                    EngagementPause.objects.filter(engagement=engagement).values_list(
                        "start_date", "end_date"
                    )
                )

            assert end(by_time) == dt.date(2026, 5, 14)  # the period Apr 15 – May 14
            assert end(by_claim) == dt.date(2026, 7, 14)
            assert end(idle) == dt.date(2026, 2, 14)  # its first period
            assert end(withdrawn) == dt.date(2026, 1, 15)  # never ran
            assert end(hourly) == dt.date(2026, 3, 3)
            assert end(kept) == dt.date(2026, 2, 1)
            assert pauses(paused) == [(dt.date(2026, 3, 15), None)]
            assert pauses(paused_idle) == [(dt.date(2026, 1, 15), None)]
            assert pauses(paused_hourly) == [(dt.date(2026, 5, 6), None)]
            assert end(active) is None and pauses(active) == []
            assert not Engagement.objects.filter(status="ended", end_date__isnull=True).exists()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
