"""The engagements API for engagements: terms per pay model, 400s with nothing saved, billed
terms frozen, the unbilled and retainer-statement actions, and list query counts that do not
grow with rows. (Billing arithmetic is in test_billing.py and test_retainers.py — here only
that the endpoints expose it.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from engagements.models import BillingClaim, Engagement, EngagementStatus, PayModel
from tests.api import attrs, url
from tests.engagements.api_helpers import claim, count, detail
from tests.factories import (
    ClientFactory,
    ExpenseFactory,
    RetainerEngagementFactory,
    TimeEntryFactory,
)


# --- Engagements ---------------------------------------------------------------------------
def test_create_hourly_engagement_with_its_terms(bob, acme):
    response = bob.post(
        url("engagements"),
        {
            "client": acme.pk,
            "name": "Audit",
            "pay_model": "hourly",
            "hourly_rate": "120.50",
            "weekly_hour_cap": "12",
            "start_date": "2025-03-03",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["currency"] == "EUR"  # the client's
    assert body["status"] == "active"
    assert Decimal(body["hourly_rate"]) == Decimal("120.50")
    assert Decimal(body["weekly_commitment_hours"]) == Decimal("12")
    assert {"retainer_fee", "billing_day", "revenue_share_percent"} <= set(body)
    with scopes_disabled():
        assert Engagement.objects.get(pk=body["id"]).workspace.slug == "alice-studio"


def test_retainer_without_its_terms_is_400_and_saves_nothing(bob, acme):
    response = bob.post(
        url("engagements"),
        {"client": acme.pk, "name": "Care", "pay_model": "retainer", "start_date": "2025-01-01"},
    )
    assert attrs(response) == {
        "retainer_fee",
        "retainer_included_hours",
        "retainer_overage_rate",
        "billing_day",
    }
    assert count(Engagement) == 0


def test_engagement_constraint_errors_are_400(bob, acme):
    response = bob.post(
        url("engagements"),
        {
            "client": acme.pk,
            "name": "Backwards",
            "pay_model": "fixed_fee",
            "start_date": "2025-02-01",
            "end_date": "2025-01-01",
        },
    )
    assert attrs(response) == {"non_field_errors"}
    assert "before the start date" in detail(response)
    assert attrs(bob.post(url("engagements"), {"client": acme.pk})) >= {
        "name",
        "pay_model",
        "start_date",
    }
    assert count(Engagement) == 0


def test_engagement_filters_and_update(bob, acme, hourly, personas):
    other = ClientFactory(workspace=personas.a)
    RetainerEngagementFactory(client=other, name="Retainer", status=EngagementStatus.PAUSED)

    def names(**params):
        return sorted(e["name"] for e in bob.get(url("engagements"), params).json()["results"])

    assert names(client=acme.pk) == ["Acme hourly"]
    assert names(status="paused") == ["Retainer"]
    assert names(pay_model="hourly") == ["Acme hourly"]
    assert attrs(bob.get(url("engagements"), {"status": "nonsense"})) == {"status"}

    # Ending needs its end date (an ended engagement without one billed for ever).
    ending = {"status": "ended", "hourly_rate": "90"}
    assert attrs(bob.patch(url("engagements", hourly.pk), ending)) == {"end_date"}
    patched = bob.patch(url("engagements", hourly.pk), {**ending, "end_date": "2026-03-31"})
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["status"], patched.json()["end_date"]) == ("ended", "2026-03-31")
    hourly.refresh_from_db()
    assert hourly.hourly_rate == Decimal("90")


def test_billed_terms_are_frozen(bob, hourly):
    entry = TimeEntryFactory(engagement=hourly)
    claim(entry, BillingClaim.Kind.TIME)
    response = bob.patch(url("engagements", hourly.pk), {"hourly_rate": "200"})
    assert attrs(response) == {"hourly_rate"}
    assert "Already invoiced" in detail(response)
    hourly.refresh_from_db()
    assert hourly.hourly_rate == Decimal("100")
    # Terms that decided nothing billed may still change.
    assert bob.patch(url("engagements", hourly.pk), {"description": "Ok"}).status_code == 200


def test_unbilled_exposes_the_items_and_total(bob, hourly):
    first = TimeEntryFactory(engagement=hourly, date=dt.date(2025, 1, 6), minutes=90)
    TimeEntryFactory(engagement=hourly, date=dt.date(2025, 2, 3), minutes=60)
    ExpenseFactory(engagement=hourly, date=dt.date(2025, 1, 10), amount=Decimal("42.50"))
    claim(first, BillingClaim.Kind.TIME)

    response = bob.get(url("engagements", hourly.pk, "unbilled"), {"as_of": "2025-03-01"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [(i["kind"], i["amount"]) for i in body["items"]] == [
        ("time", "100.00"),
        ("expense", "42.50"),
    ]
    assert body["total"] == "142.50" and body["currency"] == "EUR"
    assert body["items"][0]["quantity"] == "1.00" and body["items"][0]["minutes"] == 60

    january = bob.get(
        url("engagements", hourly.pk, "unbilled"),
        {"as_of": "2025-03-01", "period_start": "2025-01-01", "period_end": "2025-01-31"},
    ).json()
    assert [i["kind"] for i in january["items"]] == ["expense"]
    bad = bob.get(
        url("engagements", hourly.pk, "unbilled"),
        {"as_of": "soon", "period_start": "2025-02-01", "period_end": "2025-01-01"},
    )
    assert attrs(bad) == {"as_of"}


def test_retainer_statements_only_for_retainers(bob, acme, hourly):
    retainer = RetainerEngagementFactory(client=acme, start_date=dt.date(2025, 1, 1))
    TimeEntryFactory(engagement=retainer, date=dt.date(2025, 1, 15), minutes=25 * 60)
    response = bob.get(
        url("engagements", retainer.pk, "retainer-statements"), {"until": "2025-02-10"}
    )
    assert response.status_code == 200, response.json()
    january, february = response.json()
    assert january["period_start"] == "2025-01-01" and january["closed"] is True
    assert january["used_minutes"] == 25 * 60 and january["overage_hours"] == "5.00"
    assert january["overage_amount"] == "600.00" and february["closed"] is False

    refused = bob.get(url("engagements", hourly.pk, "retainer-statements"))
    assert attrs(refused) == {"non_field_errors"}


@pytest.mark.parametrize("rows", [10, 300])
def test_engagement_list_queries_do_not_grow(
    api_as, personas, acme, django_assert_max_num_queries, rows
):
    with scopes_disabled():
        Engagement.objects.bulk_create(
            Engagement(
                workspace=personas.a,
                client=acme,
                name=f"E{i:04}",
                pay_model=PayModel.RETAINER,
                retainer_included_hours=Decimal("20"),
                currency="EUR",
                start_date=dt.date(2025, 1, 1),
            )
            for i in range(rows)
        )
    client = api_as(personas.alice)
    # token lookup + last_used update, workspace, membership, page, pauses (no COUNT)
    with django_assert_max_num_queries(6):
        response = client.get(url("engagements"), {"page_size": 500})
    assert len(response.json()["results"]) == rows and response.json()["next"] is None
    assert response.json()["results"][0]["weekly_commitment_hours"] == "4.62"
