"""Issue #10, item 6: the dashboard shows what a professional opens it for: what clients
owe and what is overdue, per currency, each linking to exactly that list; the unbilled
work waiting, per engagement, with a link that invoices it; the running timer (it runs in
the browser: the page lists the engagements it can run for). Its query count does not
grow with the workspace's history."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tenancy import workspace_scope
from engagements import services as work
from invoicing import services
from invoicing.models import Invoice
from tests.factories import (
    ClientFactory,
    EngagementFactory,
    MilestoneFactory,
    RetainerEngagementFactory,
    TimeEntryFactory,
)


@pytest.fixture
def a(personas):
    with workspace_scope(personas.a):
        yield personas


@pytest.fixture
def alice(client, a):
    client.force_login(a.alice)
    return client


def _invoice(p, client, price, due_in_days):
    invoice = services.invoice_create_draft(workspace=p.a, actor=p.alice, client=client)
    services.invoice_line_save(
        invoice=invoice, actor=p.alice, description="Work", unit_price=D(price)
    )
    today = timezone.localdate()
    invoice = services.invoice_finalize(
        invoice=invoice, actor=p.alice, issue_date=today - dt.timedelta(days=60)
    )
    invoice.due_date = today + dt.timedelta(days=due_in_days)
    invoice.save(update_fields=["due_date"])
    return invoice


def _history(p, n):
    """n clients, each with an hourly engagement, billed time, unbilled time, a paid
    invoice and an open one: a workspace with history."""
    today = timezone.localdate()
    for i in range(n):
        client = ClientFactory(workspace=p.a, currency="EUR" if i % 2 else "USD")
        engagement = EngagementFactory(client=client, hourly_rate=D("100"))
        TimeEntryFactory(engagement=engagement, date=today - dt.timedelta(days=3), minutes=60)
        paid = services.invoice_create_from_unbilled(
            workspace=p.a, actor=p.alice, engagement=engagement, as_of=today
        )[0]
        paid = services.invoice_finalize(invoice=paid, actor=p.alice)
        services.receipt_record(
            invoice=paid,
            actor=p.alice,
            amount=paid.total,
            received_on=today,
            method="bank_transfer",
        )
        TimeEntryFactory(engagement=engagement, date=today, minutes=30)
        _invoice(p, client, "50", due_in_days=-5 if i % 3 else 10)


def test_owed_and_overdue_per_currency_link_to_exactly_that_list(alice, a):
    usd = ClientFactory(workspace=a.a, name="Acme", currency="USD")
    eur = ClientFactory(workspace=a.a, name="Bergmann", currency="EUR")
    _invoice(a, usd, "100", due_in_days=-3)  # overdue
    _invoice(a, usd, "250", due_in_days=10)
    _invoice(a, eur, "80", due_in_days=10)
    page = alice.get(reverse("insights:dashboard", args=[a.a.slug]))
    html = page.content.decode()
    assert "$350.00" in html and "$100.00" in html and "€80.00" in html
    # Each figure's link lists exactly what it counts.
    list_url = reverse("invoicing:invoice_list", args=[a.a.slug])
    for owed in page.context["owed"]:
        for status, amount, count in (
            ("outstanding", owed.amount, owed.count),
            ("overdue", owed.overdue, owed.overdue_count),
        ):
            link = f"{list_url}?status={status}&amp;currency={owed.currency}&amp;kind=invoice"
            if count:
                assert link in html
            listed = alice.get(link.replace("&amp;", "&"))
            invoices = list(listed.context["page"].object_list)
            assert len(invoices) == count
            assert sum((i.amount_due for i in invoices), D(0)) == amount


def test_unbilled_work_waiting_with_a_link_that_invoices_it(alice, a):
    client = ClientFactory(workspace=a.a, name="Harbor", currency="USD")
    hourly = EngagementFactory(client=client, name="Route planner", hourly_rate=D("120"))
    today = timezone.localdate()
    work.time_entry_save(
        engagement=hourly, actor=a.alice, date=today, minutes=90, description="Design"
    )
    fixed = EngagementFactory(client=client, name="Audit", pay_model="fixed_fee", hourly_rate=None)
    milestone = MilestoneFactory(engagement=fixed, title="Report", amount=D("900"))
    work.milestone_deliver(milestone=milestone, actor=a.alice, on=today)
    work.milestone_accept(milestone=milestone, actor=a.alice, on=today)
    retainer = RetainerEngagementFactory(client=client, name="Advisory", start_date=today)
    EngagementFactory(client=client, name="Nothing waiting")
    page = alice.get(reverse("insights:dashboard", args=[a.a.slug]))
    html = page.content.decode()
    rows = {r.engagement.name: r for r in page.context["unbilled"]}
    assert set(rows) == {"Route planner", "Audit", "Advisory"}
    assert rows["Route planner"].amount == D("180.00")
    assert rows["Audit"].amount == D("900.00")
    assert rows["Advisory"].amount is None  # a retainer's fee is worked out per period
    from_work = reverse("invoicing:invoice_from_work", args=[a.a.slug])
    for e in (hourly, fixed, retainer):
        assert f"{from_work}?engagement={e.pk}" in html
    # Once invoiced, it is no longer waiting.
    services.invoice_create_from_unbilled(
        workspace=a.a, actor=a.alice, engagement=hourly, as_of=today
    )
    page = alice.get(reverse("insights:dashboard", args=[a.a.slug]))
    assert "Route planner" not in {r.engagement.name for r in page.context["unbilled"]}


def test_the_timer_card_lists_the_engagements_it_can_run_for(alice, a):
    hourly = EngagementFactory(client=ClientFactory(workspace=a.a), name="Route planner")
    html = alice.get(reverse("insights:dashboard", args=[a.a.slug])).content.decode()
    assert f'data-timer-key="portfolio.timer.{a.a.slug}.{hourly.pk}"' in html


@pytest.mark.parametrize("size", [1, 8])
def test_the_query_count_does_not_grow_with_history(alice, a, size, django_assert_num_queries):
    _history(a, size)
    assert Invoice.objects.count() == 2 * size
    # 19, whatever the size: workspace, session, user, membership (middleware); the
    # last_workspace update; income; owed; unbilled: time, milestones, outcomes, revenue
    # reports, expenses, engagements; client count; member count; the Stripe account
    # (none here: no balance card); the workspace list (switcher); recent clients; the
    # timer's engagements.
    with django_assert_num_queries(19):
        response = alice.get(reverse("insights:dashboard", args=[a.a.slug]))
    assert response.status_code == 200
    assert len(response.context["unbilled"]) == size
