"""The issue's acceptance flow in a real browser: sign in, add a client and an hourly
engagement with a weekly cap, log time on it, and see both on the capacity chart. And the
client's side of a proposal: open the link, accept, see it accepted."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.models import Role
from engagements.models import Engagement, EngagementStatus, TimeEntry
from tests.factories import ClientFactory, MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # UserFactory's


def _sign_in(page, base, email):
    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()


def test_hourly_engagement_and_logged_time_show_on_the_capacity_chart(
    live_server, transactional_db, browser_page, artifacts_dir
):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    user = UserFactory(email="sam@example.com", full_name="Sam Rivera")  # verified email
    workspace = WorkspaceFactory(name="Sam Studio", slug="sam-studio")
    MembershipFactory(workspace=workspace, user=user, role=Role.OWNER)
    ws = f"{base}/w/{workspace.slug}"
    _sign_in(page, base, user.email)
    expect(page).to_have_url(re.compile(r"/w/sam-studio/$"))

    # A client, through its page.
    page.goto(f"{ws}/clients/new/")
    page.get_by_label("Name", exact=True).fill("Acme Rockets")
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Rockets")

    # An hourly engagement capped at 10 hours a week, through its page.
    page.goto(f"{ws}/engagements/new/")
    page.get_by_label("Client").select_option(label="Acme Rockets")
    page.get_by_label("Name", exact=True).fill("Rocket telemetry")
    page.get_by_label("Pay model").select_option("hourly")
    page.get_by_label("Hourly rate").fill("120")
    page.get_by_label("Weekly hour cap").fill("10")
    page.get_by_role("button", name="Create engagement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rocket telemetry")
    with scopes_disabled():
        engagement = Engagement.objects.get(name="Rocket telemetry")
    assert engagement.status == EngagementStatus.ACTIVE

    # Log 2 h 30 min today, on the engagement page.
    page.get_by_label("Duration").fill("2:30")
    page.get_by_role("button", name=re.compile("Log time")).click()
    expect(page.get_by_role("status")).to_be_visible()
    with scopes_disabled():
        assert TimeEntry.objects.filter(engagement=engagement, minutes=150).exists()

    # The capacity page: the chart and its table show 10 h committed and 2.5 h logged this
    # week, out of the default 40 h.
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Capacity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Capacity")
    chart = page.get_by_role("img", name=re.compile("Capacity from"))
    expect(chart).to_be_visible()
    this_week = page.locator("#capacity-table tbody tr").first
    expect(this_week.locator("[data-col=available]")).to_have_text("40")
    expect(this_week.locator("[data-col=committed]")).to_have_text("10")
    expect(this_week.locator("[data-col=logged]")).to_have_text("2.50")
    expect(this_week.locator("[data-col=free]")).to_have_text("30")
    next_week = page.locator("#capacity-table tbody tr").nth(1)
    expect(next_week.locator("[data-col=committed]")).to_have_text("10")
    expect(next_week.locator("[data-col=logged]")).to_have_text("0")
    # Both are drawn: a committed bar in every week, a logged bar this week.
    expect(chart.locator(".cap-bar-committed")).to_have_count(12)
    expect(chart.locator(".cap-bar-logged")).to_have_count(1)
    expect(page.locator(".cap-banner")).to_have_count(0)  # 10 h of 40: not over

    page.screenshot(path=str(artifacts_dir / "capacity.png"), full_page=True)


def test_client_accepts_a_proposal_through_the_link(
    live_server, transactional_db, browser_page, artifacts_dir
):
    """Without a session, through the public page: the form posts (CSRF, referrer policy)
    and accepting activates the engagement."""
    from playwright.sync_api import expect

    from engagements import services

    page, base = browser_page, live_server.url
    owner = UserFactory(email="lee@example.com")
    workspace = WorkspaceFactory(name="Lee Consulting", slug="lee-consulting")
    MembershipFactory(workspace=workspace, user=owner, role=Role.OWNER)
    client = ClientFactory(workspace=workspace, name="Blue Ocean Co")
    with scope(workspace=workspace):
        proposal = services.proposal_create(
            workspace=workspace,
            actor=owner,
            client=client,
            title="Pricing page rewrite",
            scope="Rewrite the pricing page.",
            pay_model="fixed_fee",
            start_date=timezone.localdate(),
        )
        # A fixed fee is its milestones: without one it has no price and cannot be sent.
        services.milestone_save(
            engagement=proposal.engagement, actor=owner, title="Rewrite", amount=Decimal("1800")
        )
        _, token = services.proposal_send(proposal=proposal, actor=owner)

    page.goto(f"{base}/p/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pricing page rewrite")
    page.get_by_label("Your full name").fill("Robin Blue")
    page.get_by_label("Your email").fill("robin@blueocean.example")
    page.get_by_role("button", name="Accept proposal").click()
    expect(page.get_by_role("status")).to_contain_text("Accepted by Robin Blue")
    with scopes_disabled():
        proposal.refresh_from_db()
        assert proposal.engagement.status == EngagementStatus.ACTIVE
    page.screenshot(path=str(artifacts_dir / "proposal-accepted.png"), full_page=True)
