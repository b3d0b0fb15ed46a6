"""Issue #10, item 2: every proposal shows its full commercial terms — per pay model — on
the client's page /p/<token>/ and on the professional's proposal page, before accept.
Milestones and outcomes added to the proposed engagement after the proposal was saved are
part of it; a fixed fee or a bounty with none has no price yet and cannot be sent."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from engagements import services
from engagements.models import Proposal
from tests.factories import ClientFactory


def _propose(personas, **terms) -> Proposal:
    client = ClientFactory(workspace=personas.a, name="Acme Ltd", currency="EUR")
    with scope(workspace=personas.a):
        return services.proposal_create(
            workspace=personas.a,
            actor=personas.alice,
            client=client,
            title="Website rebuild",
            scope="Design and build.",
            start_date=dt.date(2030, 2, 1),
            end_date=dt.date(2030, 6, 30),
            **terms,
        )


def _send(personas, proposal) -> str:
    with scope(workspace=personas.a):
        _, token = services.proposal_send(proposal=proposal, actor=personas.alice)
    return token


def _text(response) -> str:
    """The page's text, tags dropped and whitespace collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _before_accept(text: str) -> str:
    return text.split("Accept proposal")[0]


def _pages(client, personas, proposal, token):
    public = _text(client.get(f"/p/{token}/"))
    client.force_login(personas.alice)
    detail = _text(
        client.get(
            reverse(
                "engagements:proposal_detail",
                kwargs={"workspace": personas.a.slug, "pk": proposal.pk},
            )
        )
    )
    client.logout()
    return _before_accept(public), detail


def test_a_fixed_fee_shows_its_price_and_milestones_added_after_saving(client, personas):
    proposal = _propose(personas, pay_model="fixed_fee")
    # Added on the proposed engagement after the proposal was saved.
    with scope(workspace=personas.a):
        for title, amount, due in (
            ("Design", "4000", dt.date(2030, 3, 1)),
            ("Build", "8500.50", dt.date(2030, 5, 1)),
        ):
            services.milestone_save(
                engagement=proposal.engagement,
                actor=personas.alice,
                title=title,
                amount=Decimal(amount),
                due_date=due,
            )
    token = _send(personas, proposal)
    for page in _pages(client, personas, proposal, token):
        for text in (
            "Fixed fee €12,500.50",
            "Design",
            "€4,000.00",
            "Due March 1, 2030",
            "Build",
            "€8,500.50",
            "A fixed fee of €12,500.50",
            "Currency EUR",
        ):
            assert text in page, (text, page)
    public, _ = _pages(client, personas, proposal, token)
    assert "June 30, 2030" in public  # the end date as well as the start


def test_a_fixed_fee_without_milestones_cannot_be_sent(client, personas):
    proposal = _propose(personas, pay_model="fixed_fee")
    with scope(workspace=personas.a), pytest.raises(ValidationError, match="milestones"):
        services.proposal_send(proposal=proposal, actor=personas.alice)
    client.force_login(personas.alice)
    page = _text(
        client.get(
            reverse(
                "engagements:proposal_detail",
                kwargs={"workspace": personas.a.slug, "pk": proposal.pk},
            )
        )
    )
    assert "Fixed fee Not priced yet" in page
    assert "Add the milestones and their amounts before sending" in page
    assert "Add the milestones on the engagement" in page


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (
            {"pay_model": "hourly", "hourly_rate": Decimal("120"), "weekly_hour_cap": 10},
            ["Hourly rate €120.00", "Weekly cap 10 hours"],
        ),
        (
            {
                "pay_model": "retainer",
                "retainer_fee": Decimal("3000"),
                "retainer_included_hours": Decimal("20"),
                "retainer_overage_rate": Decimal("150"),
                "billing_day": 5,
            },
            [
                "Monthly fee €3,000.00",
                "Included hours 20 a month",
                "Overage rate €150.00 / hour",
                "Billing day Day 5 of the month",
            ],
        ),
        (
            {
                "pay_model": "revenue_share",
                "revenue_share_percent": Decimal("7.5"),
                "revenue_period": "quarterly",
                "revenue_share_floor": Decimal("500"),
                "revenue_share_cap": Decimal("9000"),
            },
            ["Revenue share 7.5%", "Period Quarterly", "Floor €500.00", "Cap €9,000.00"],
        ),
    ],
    ids=["hourly", "retainer", "revenue_share"],
)
def test_each_pay_model_shows_its_terms(client, personas, terms, expected):
    proposal = _propose(personas, **terms)
    token = _send(personas, proposal)
    for page in _pages(client, personas, proposal, token):
        for text in [*expected, "Currency EUR"]:
            assert text in page, (text, page)


def test_a_bounty_shows_each_outcome_and_its_fee(client, personas):
    proposal = _propose(personas, pay_model="bounty")
    with scope(workspace=personas.a):
        for description, fee in (("Signed partner", "2000"), ("Launch in app store", "2000")):
            services.outcome_save(
                engagement=proposal.engagement,
                actor=personas.alice,
                description=description,
                fee=Decimal(fee),
            )
    token = _send(personas, proposal)
    for page in _pages(client, personas, proposal, token):
        for text in (
            "Fee per outcome €2,000.00",
            "Signed partner",
            "Launch in app store",
            "If every outcome is achieved €4,000.00",
        ):
            assert text in page, (text, page)
