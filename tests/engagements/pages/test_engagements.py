"""Dashboard pages for engagements: the page of every pay model and the list, create and edit
pages render, writes go through the services, bad input is a 200 with field errors and
nothing saved, and the list costs the same queries for 10 rows as for 200."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django_scopes import scopes_disabled

from engagements.models import Contact, Engagement, EngagementStatus, PayModel, TimeEntry
from tests.engagements.pages.helpers import TODAY, _errors, url
from tests.factories import ClientFactory


# --- Every page renders ----------------------------------------------------------------------
@pytest.mark.parametrize("pay_model", [m.value for m in PayModel])
def test_engagement_page_of_each_pay_model_renders(client, personas, every_pay_model, pay_model):
    engagement = every_pay_model[pay_model]
    client.force_login(personas.bob)
    response = client.get(url("engagements:engagement_detail", engagement.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert engagement.name in body and "Unbilled" in body and "Add an expense" in body
    section = {
        "hourly": "Log time",
        "retainer": "Retainer statements",
        "fixed_fee": "Record acceptance",
        "bounty": "Accept outcome",
        "revenue_share": "Record a revenue report",
    }[pay_model]
    assert section in body


def test_list_create_edit_and_client_pages_render(client, personas, every_pay_model, acme):
    with scopes_disabled():
        contact = Contact.objects.create(workspace=personas.a, client=acme, name="Jane")
    client.force_login(personas.bob)
    pages = [
        url("engagements:engagement_list"),
        url("engagements:engagement_list") + f"?status=active&pay_model=hourly&client={acme.pk}",
        url("engagements:engagement_list")
        + "?status=bogus",  # unknown filters are ignored, not a 500
        url("engagements:engagement_create"),
        url("engagements:engagement_create") + f"?client={acme.pk}",
        url("engagements:engagement_edit", every_pay_model["retainer"].pk),
        url("engagements:client_list"),
        url("engagements:client_list") + "?archived=1",
        url("engagements:client_detail", acme.pk),
        url("engagements:client_detail", acme.pk) + f"?contact={contact.pk}",
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_hourly_page_shows_week_totals_and_the_cap_warning(client, personas, hourly):
    client.force_login(personas.bob)
    body = client.get(url("engagements:engagement_detail", hourly.pk)).content.decode()
    assert "Over the 2 h cap" in body  # 2h30 this week against a 2-hour cap
    assert "2h 30m" in body and "1h" in body
    assert "€" in body  # money shows with its currency


# --- Writes through the pages ----------------------------------------------------------------
def test_create_an_engagement_defaults_currency_to_the_clients(client, personas, acme):
    client.force_login(personas.bob)
    response = client.post(
        url("engagements:engagement_create"),
        {
            "client": acme.pk,
            "name": "Audit",
            "pay_model": "hourly",
            "hourly_rate": "95",
            "start_date": "2025-03-01",
            "currency": "",
            "retainer_fee": "999",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        engagement = Engagement.objects.get(name="Audit")
    assert engagement.currency == "EUR"
    assert engagement.retainer_fee is None  # another pay model's terms are not kept
    assert response["Location"] == url("engagements:engagement_detail", engagement.pk)


def test_edit_an_engagement(client, personas, hourly):
    client.force_login(personas.alice)
    # The form opens on the engagement's client (it opened on none, so saving it as shown
    # failed with "An engagement stays with its client").
    form = client.get(url("engagements:engagement_edit", hourly.pk)).context["form"]
    assert form["client"].value() == hourly.client_id
    response = client.post(
        url("engagements:engagement_edit", hourly.pk),
        {
            "client": hourly.client_id,
            "name": "Platform v2",
            "pay_model": "hourly",
            "hourly_rate": "130",
            "start_date": hourly.start_date.isoformat(),
            "status": "paused",
            "status_on": (TODAY + dt.timedelta(days=1)).isoformat(),
            "currency": "EUR",
        },
    )
    assert response.status_code == 302
    hourly.refresh_from_db()
    assert (hourly.name, hourly.hourly_rate, hourly.status) == ("Platform v2", D("130"), "paused")
    with scopes_disabled():
        (pause,) = hourly.pauses.all()
    assert (pause.start_date, pause.end_date) == (TODAY + dt.timedelta(days=1), None)


# --- Bad input: 200 with field errors, nothing saved ------------------------------------------


def test_bad_engagement_input(client, personas, acme):
    theirs = ClientFactory(workspace=personas.b)
    client.force_login(personas.bob)
    errors = _errors(
        client.post(
            url("engagements:engagement_create"),
            {"client": acme.pk, "name": "X", "pay_model": "hourly", "start_date": "2025-03-01"},
        ),
        "form",
    )
    assert "hourly_rate" in errors  # the service's "Required for this pay model."
    errors = _errors(
        client.post(
            url("engagements:engagement_create"),
            {
                "client": theirs.pk,
                "name": "X",
                "pay_model": "fixed_fee",
                "start_date": "2025-03-01",
                "end_date": "2025-01-01",
            },
        ),
        "form",
    )
    assert "client" in errors  # another workspace's client is not a choice
    errors = _errors(
        client.post(
            url("engagements:engagement_create"),
            {
                "client": acme.pk,
                "name": "X",
                "pay_model": "retainer",
                "start_date": "2025-03-01",
                "retainer_fee": "100",
                "retainer_included_hours": "10",
                "retainer_overage_rate": "50",
                "billing_day": "31",
            },
        ),
        "form",
    )
    assert "billing_day" in errors
    with scopes_disabled():
        assert not Engagement.objects.filter(name="X").exists()


# --- Query counts -----------------------------------------------------------------------------
@pytest.mark.parametrize("rows", [10, 200])
def test_engagement_list_costs_the_same_queries_for_any_number_of_rows(
    client, personas, acme, django_assert_max_num_queries, rows
):
    with scopes_disabled():
        engagements = Engagement.objects.bulk_create(
            Engagement(
                workspace=personas.a,
                client=acme,
                name=f"E{i:04}",
                currency="EUR",
                pay_model=PayModel.HOURLY,
                hourly_rate=D("100"),
                start_date=dt.date(2025, 1, 1),
                status=EngagementStatus.ACTIVE,
            )
            for i in range(rows)
        )
        TimeEntry.objects.bulk_create(
            TimeEntry(workspace=personas.a, engagement=e, date=TODAY, minutes=30)
            for e in engagements
        )
    client.force_login(personas.alice)
    # session, user, workspace, membership, the client filter's choices, count, the page of
    # rows with clients and this month's minutes joined in, the switcher's workspaces
    with django_assert_max_num_queries(8):
        response = client.get(url("engagements:engagement_list"), {"status": "active"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == rows
    assert "30m" in response.content.decode()
