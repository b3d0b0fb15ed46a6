"""Nothing billable missed, nothing billed twice: the unbilled service against periods and
claims, every pay model yielding its items and nothing else, a fixed query cost, and
concurrent claims on real threads and real PostgreSQL."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.tenancy import workspace_scope
from engagements import services
from engagements.billing import unbilled_items
from engagements.models import BillingClaim, PayModel
from tests.engagements.billing_helpers import TODAY, log, make
from tests.factories import ClientFactory


# --- Nothing missed, nothing twice ---------------------------------------------------------
def test_period_filter_and_claims(scoped, client_a):
    hourly = make(scoped, client_a, PayModel.HOURLY, hourly_rate=D("100"))
    october = log(scoped, hourly, dt.date(2026, 10, 30), 60)
    november = log(scoped, hourly, dt.date(2026, 11, 2), 60)
    services.expense_save(
        engagement=hourly,
        actor=scoped.alice,
        date=dt.date(2026, 11, 3),
        amount=D("40"),
        category="Parking",
    )
    nov = unbilled_items(
        hourly, as_of=TODAY, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30)
    )
    assert {(i.kind, i.source_id) for i in nov} == {
        ("time", november.pk),
        ("expense", nov[1].source_id),
    }
    services.billing_claim(engagement=hourly, items=nov, claimed_for="invoice:1", as_of=TODAY)
    remaining = unbilled_items(hourly, as_of=TODAY)
    assert [(i.kind, i.source_id) for i in remaining] == [("time", october.pk)]
    # Claimed work is frozen.
    with pytest.raises(ValidationError, match="Already invoiced"):
        services.time_entry_save(engagement=hourly, actor=scoped.alice, entry=november, minutes=5)
    with pytest.raises(ValidationError):
        services.time_entry_delete(entry=november, actor=scoped.alice)
    with pytest.raises(ValidationError):  # pay terms that decided billed amounts
        services.engagement_update(engagement=hourly, actor=scoped.alice, hourly_rate=D("200"))
    # Claiming the same items again fails as a whole; releasing makes them billable again.
    with pytest.raises(services.AlreadyBilled):
        services.billing_claim(
            engagement=hourly, items=nov + remaining, claimed_for="invoice:2", as_of=TODAY
        )
    assert BillingClaim.objects.filter(claimed_for="invoice:2").count() == 0
    assert services.billing_release(workspace=scoped.a, claimed_for="invoice:1") == 2
    assert len(unbilled_items(hourly, as_of=TODAY)) == 3
    assert BillingClaim.objects.filter(claimed_for="invoice:1").count() == 2  # kept, released


def test_every_pay_model_yields_its_items_and_nothing_else(scoped, client_a):
    """One engagement of each kind with work of every kind: each item appears exactly
    once, under the engagement it belongs to."""
    engagements = {
        PayModel.HOURLY: make(scoped, client_a, PayModel.HOURLY, hourly_rate=D("90")),
        PayModel.FIXED_FEE: make(scoped, client_a, PayModel.FIXED_FEE),
        PayModel.BOUNTY: make(scoped, client_a, PayModel.BOUNTY),
        PayModel.REVENUE_SHARE: make(
            scoped,
            client_a,
            PayModel.REVENUE_SHARE,
            revenue_share_percent=D("5"),
            revenue_period="monthly",
        ),
        PayModel.RETAINER: make(
            scoped,
            client_a,
            PayModel.RETAINER,
            start_date=dt.date(2026, 11, 1),
            retainer_fee=D("1000"),
            retainer_included_hours=D("4"),
            retainer_overage_rate=D("50"),
            billing_day=1,
        ),
    }
    for engagement in engagements.values():
        log(scoped, engagement, dt.date(2026, 11, 10), 60)
        services.expense_save(
            engagement=engagement,
            actor=scoped.alice,
            date=dt.date(2026, 11, 10),
            amount=D("10"),
            category="Misc",
        )
    m = services.milestone_save(
        engagement=engagements[PayModel.FIXED_FEE],
        actor=scoped.alice,
        title="Spec",
        amount=D("100"),
    )
    services.milestone_deliver(milestone=m, actor=scoped.alice, on=dt.date(2026, 11, 11))
    services.milestone_accept(milestone=m, actor=scoped.alice, on=dt.date(2026, 11, 12))
    o = services.outcome_save(
        engagement=engagements[PayModel.BOUNTY],
        actor=scoped.alice,
        description="Deal closed",
        fee=D("300"),
    )
    services.outcome_accept(outcome=o, actor=scoped.alice, on=dt.date(2026, 11, 12))
    services.revenue_report_save(
        engagement=engagements[PayModel.REVENUE_SHARE],
        actor=scoped.alice,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        revenue=D("4000"),
        reported_by="CFO",
        reported_at=dt.date(2026, 11, 3),
    )
    kinds = {
        model: sorted(i.kind for i in unbilled_items(e, as_of=TODAY))
        for model, e in engagements.items()
    }
    assert kinds == {
        PayModel.HOURLY: ["expense", "time"],
        PayModel.FIXED_FEE: ["expense", "milestone"],
        PayModel.BOUNTY: ["expense", "outcome"],
        PayModel.REVENUE_SHARE: ["expense", "revenue_share"],
        PayModel.RETAINER: ["expense", "retainer_fee"],
    }


def test_unbilled_costs_a_fixed_number_of_queries(scoped, client_a, django_assert_max_num_queries):
    from engagements.models import TimeEntry

    hourly = make(scoped, client_a, PayModel.HOURLY, hourly_rate=D("100"))
    TimeEntry.objects.bulk_create(
        TimeEntry(
            workspace=scoped.a,
            engagement=hourly,
            date=dt.date(2026, 11, 1) + dt.timedelta(days=i % 20),
            minutes=30,
        )
        for i in range(500)
    )
    # proposal, claims, time entries, expenses
    with django_assert_max_num_queries(4):
        items = unbilled_items(hourly, as_of=TODAY)
    assert len(items) == 500


# --- Concurrency: real threads, real PostgreSQL ----------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_bill_each_item_exactly_once(personas):
    """Eight invoices race for the same unbilled items: exactly one wins each item."""
    with workspace_scope(personas.a):
        client = ClientFactory(workspace=personas.a)
        hourly = services.engagement_create(
            workspace=personas.a,
            actor=personas.alice,
            client=client,
            pay_model=PayModel.HOURLY,
            name="Race",
            start_date=dt.date(2026, 1, 1),
            hourly_rate=D("100"),
        )
        for day in range(1, 11):
            services.time_entry_save(
                engagement=hourly, actor=personas.alice, date=dt.date(2026, 11, day), minutes=60
            )
        items = unbilled_items(hourly, as_of=TODAY)

    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def claim(n: int) -> None:
        try:
            with workspace_scope(personas.a):
                barrier.wait()
                services.billing_claim(
                    engagement=hourly, items=items, claimed_for=f"invoice:{n}", as_of=TODAY
                )
            outcomes.append("won")
        except services.AlreadyBilled:
            outcomes.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["lost"] * 7 + ["won"]
    with workspace_scope(personas.a):
        assert BillingClaim.objects.count() == 10
        assert BillingClaim.objects.values("claimed_for").distinct().count() == 1
        assert unbilled_items(hourly, as_of=TODAY) == []


@pytest.mark.django_db(transaction=True)
def test_unique_constraint_stops_a_claim_that_skips_the_lock(personas):
    """Even code that bypasses billing_claim cannot claim a source twice."""
    from django.db import IntegrityError

    with workspace_scope(personas.a):
        client = ClientFactory(workspace=personas.a)
        fixed = services.engagement_create(
            workspace=personas.a,
            actor=personas.alice,
            client=client,
            pay_model=PayModel.FIXED_FEE,
            name="x",
            start_date=dt.date(2026, 1, 1),
        )
        BillingClaim.objects.create(
            workspace=personas.a,
            engagement=fixed,
            kind="milestone",
            source_id=1,
            amount=D("1"),
            currency="USD",
            claimed_for="a",
        )
        with pytest.raises(IntegrityError):
            BillingClaim.objects.create(
                workspace=personas.a,
                engagement=fixed,
                kind="milestone",
                source_id=1,
                amount=D("1"),
                currency="USD",
                claimed_for="b",
            )
