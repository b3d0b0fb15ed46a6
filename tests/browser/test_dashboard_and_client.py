"""Issue #10 (items 4, 6, 13 and the client page) in a real browser, at 1440 and 390 px:
the dashboard shows what is owed, the unbilled work with its "Invoice" link and a timer
started on an engagement; the link leads to the work, one click creates the draft with it;
the draft warns that it shows no way to pay; the client page shows the client's invoices
with its edit form behind an Edit button. Each page fits the width (no horizontal scroll)
and is saved under tests/artifacts/."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.models import Role
from engagements import services as work
from invoicing import services
from invoicing.models import Invoice
from tests.factories import (
    ClientFactory,
    EngagementFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # UserFactory's


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    page.evaluate("window.scrollTo(0, 0)")  # a full-page screenshot from the top


@pytest.mark.parametrize("width", [1440, 390])
def test_dashboard_to_a_draft_with_the_work_and_the_client_page(
    live_server, transactional_db, chromium_browser, artifacts_dir, width
):
    from playwright.sync_api import expect

    user = UserFactory(email="ines@example.com", full_name="Inès Laurent")
    workspace = WorkspaceFactory(name="Laurent Studio", slug="laurent-studio")
    MembershipFactory(workspace=workspace, user=user, role=Role.OWNER)
    client = ClientFactory(workspace=workspace, name="Harbor Logistics", currency="USD")
    engagement = EngagementFactory(client=client, name="Route planner", hourly_rate=150)
    today = timezone.localdate()
    with scope(workspace=workspace):
        work.time_entry_save(
            engagement=engagement, actor=user, date=today, minutes=120, description="Modelling"
        )
        old = services.invoice_create_draft(workspace=workspace, actor=user, client=client)
        services.invoice_line_save(
            invoice=old, actor=user, description="Discovery", unit_price=D("400")
        )
        old = services.invoice_finalize(
            invoice=old, actor=user, issue_date=today - dt.timedelta(days=45)
        )
    ws = f"{live_server.url}/w/{workspace.slug}"

    context = chromium_browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("sign in", re.I)).click()
        expect(page).to_have_url(re.compile(r"/w/laurent-studio/$"))

        # A timer started on the engagement (engagements.js keeps it in localStorage).
        key = f"portfolio.timer.{workspace.slug}.{engagement.pk}"
        page.evaluate(
            "([k, t]) => localStorage.setItem(k, JSON.stringify({accumulated: 0, startedAt: t}))",
            [key, int((timezone.now().timestamp() - 3725) * 1000)],
        )
        page.reload()
        timers = page.locator("[data-dash-timers]")
        expect(timers).to_be_visible()
        expect(timers).to_contain_text("Route planner")
        expect(timers.locator("[data-timer-face]")).to_have_text(re.compile(r"^1:02:"))
        owed = page.locator("section[aria-labelledby=owed-title]")
        expect(owed).to_contain_text("$400.00")
        unbilled = page.locator("section[aria-labelledby=unbilled-title]")
        expect(unbilled).to_contain_text("$300.00")
        _fits(page, width)
        page.screenshot(path=str(artifacts_dir / f"dashboard-{width}.png"), full_page=True)

        # Overdue links to exactly the overdue invoices in that currency.
        owed.get_by_role("link", name="$400.00").last.click()
        expect(page).to_have_url(re.compile(r"status=overdue&currency=USD&kind=invoice"))
        page.go_back()

        # Invoice the work: the page shows it, nothing is created until the click.
        unbilled.get_by_role("link", name=re.compile("Invoice")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Invoice unbilled work")
        with scopes_disabled():
            assert Invoice.objects.filter(status="draft").count() == 0
        _fits(page, width)
        page.screenshot(path=str(artifacts_dir / f"invoice-from-work-{width}.png"), full_page=True)
        page.locator(f"#engagement-{engagement.pk}").get_by_role(
            "button", name=re.compile("Create draft invoice")
        ).click()
        expect(page.get_by_role("status")).to_contain_text("created with 1 line")
        expect(page.locator("[data-total]")).to_have_text("$300.00")
        # No payment instructions: the draft says the client would have no way to pay.
        warning = page.locator("[data-no-way-to-pay]")
        expect(warning).to_contain_text("no way to pay")
        _fits(page, width)
        page.screenshot(
            path=str(artifacts_dir / f"invoice-no-way-to-pay-{width}.png"), full_page=True
        )
        warning.get_by_role("link").click()
        expect(page).to_have_url(re.compile(r"/settings/#payment-instructions$"))

        # The client page: invoices and balance; the edit form opens on its button.
        page.goto(f"{ws}/clients/{client.pk}/")
        invoices = page.locator("#invoices")
        expect(invoices).to_contain_text(old.number)
        expect(invoices).to_contain_text("$400.00")
        name_field = page.locator("#id_name")
        expect(name_field).to_be_hidden()
        _fits(page, width)
        page.screenshot(path=str(artifacts_dir / f"client-detail-{width}.png"), full_page=True)
        page.locator(".client-edit > summary").click()
        expect(name_field).to_be_visible()
        _fits(page, width)
    finally:
        context.close()
