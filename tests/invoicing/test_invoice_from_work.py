"""Issue #10, item 13: "Invoice this work" in one step. Choosing the work (an engagement
and an optional period) creates the draft with it; looking at the work creates nothing, and
when there is nothing to bill no draft is left behind, with a clear message."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tenancy import workspace_scope
from engagements import services as work
from invoicing.models import Invoice, InvoiceLine
from tests.factories import ClientFactory, EngagementFactory


@pytest.fixture
def a(personas):
    with workspace_scope(personas.a):
        yield personas


@pytest.fixture
def alice(client, a):
    client.force_login(a.alice)
    return client


@pytest.fixture
def hourly(a):
    client = ClientFactory(workspace=a.a, name="Harbor", currency="USD")
    engagement = EngagementFactory(client=client, name="Route planner", hourly_rate=D("120"))
    today = timezone.localdate()
    for day, minutes in ((today, 90), (today - dt.timedelta(days=40), 60)):
        work.time_entry_save(
            engagement=engagement, actor=a.alice, date=day, minutes=minutes, description="x"
        )
    return engagement


def from_work(p, **query):
    url = reverse("invoicing:invoice_from_work", args=[p.a.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_engagement_page_links_to_the_work_not_to_an_empty_draft(alice, a, hourly):
    page = alice.get(reverse("engagements:engagement_detail", args=[a.a.slug, hourly.pk]))
    assert from_work(a, engagement=hourly.pk).replace("&", "&amp;") in page.content.decode()
    shown = alice.get(from_work(a, engagement=hourly.pk))
    assert shown.status_code == 200
    assert b"$300.00" in shown.content  # 2.5 h at $120, nothing created to show it
    assert Invoice.objects.count() == 0


def test_choosing_the_work_creates_the_draft_with_it(alice, a, hourly):
    start = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    response = alice.post(
        from_work(a), {"engagement": hourly.pk, "period_start": start, "period_end": ""}
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("invoicing:invoice_detail", args=[a.a.slug, invoice.pk])
    )
    assert (invoice.client, invoice.currency, invoice.status) == (hourly.client, "USD", "draft")
    assert list(invoice.lines.values_list("kind", "total_amount")) == [
        (InvoiceLine.Kind.WORK, D("180.00"))  # only the period's 1.5 h
    ]


def test_nothing_to_bill_leaves_no_draft_and_says_so(alice, a, hourly):
    idle = EngagementFactory(client=hourly.client, name="Idle", hourly_rate=D("100"))
    response = alice.post(from_work(a), {"engagement": idle.pk})
    assert response.status_code == 200
    assert b"Nothing is unbilled" in response.content
    assert Invoice.objects.count() == 0
    future = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    response = alice.post(from_work(a), {"engagement": hourly.pk, "period_start": future})
    assert response.status_code == 200
    assert Invoice.objects.count() == 0


def test_new_invoice_from_work_creates_nothing_until_the_work_is_chosen(alice, a, hourly):
    response = alice.post(
        reverse("invoicing:invoice_create", args=[a.a.slug]),
        {"client": hourly.client.pk, "start": "unbilled"},
    )
    assert response.status_code == 302
    assert response["Location"] == from_work(a, client=hourly.client.pk)
    assert Invoice.objects.count() == 0
    page = alice.get(response["Location"])
    assert b"Route planner" in page.content


def test_another_workspaces_engagement_is_a_404(alice, a):
    theirs = EngagementFactory(client=ClientFactory(workspace=a.b))
    assert alice.get(from_work(a, engagement=theirs.pk)).status_code == 404
    assert alice.get(from_work(a, client=theirs.client.pk)).status_code == 404
    assert alice.post(from_work(a), {"engagement": theirs.pk}).status_code == 404
    assert Invoice.objects.count() == 0


def test_without_a_client_or_engagement_it_asks_for_one(alice, a, hourly):
    response = alice.get(from_work(a))
    assert response.status_code == 200
    assert b"Harbor" in response.content
    assert alice.post(from_work(a), {}).status_code == 200
    assert Invoice.objects.count() == 0


@pytest.mark.parametrize("query", [{"engagement": "x"}, {"client": "0.5"}])
def test_unreadable_ids_are_a_404(alice, a, query):
    assert alice.get(from_work(a, **query)).status_code == 404
