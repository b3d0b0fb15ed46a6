"""Issue #10 items 1, 7, 8, 9 and 12 in a real browser, at 1440 and 390 px: a round amount
prefills as digits, the Outstanding card lists what it counts, the sent invoice's link can
be copied at any time, its timeline names the recipients, an old link tells the client it
was replaced and whom to ask, and client-facing error pages carry no app navigation."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from accounts.models import Role
from core.dates import format_day
from engagements import services as work
from invoicing import delivery, services
from tests.factories import (
    ClientFactory,
    EngagementFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # UserFactory's
WIDTHS = (1440, 390)


def _fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"


def _shoot(page, artifacts_dir, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        _fits(page, width)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts_dir / f"{name}-{width}.png"), full_page=True)


def test_sent_invoice_link_amounts_cards_and_an_old_link(
    live_server, transactional_db, browser_page, chromium_browser, artifacts_dir
):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    page.on("dialog", lambda dialog: dialog.accept())  # "Issue a new link?"
    user = UserFactory(email="jordan@lee.example", full_name="Jordan Lee")
    workspace = WorkspaceFactory(name="Lee Advisory", slug="lee-advisory")
    MembershipFactory(workspace=workspace, user=user, role=Role.OWNER)
    client = ClientFactory(
        workspace=workspace, name="Acme Corp", email="billing@acme.example", currency="USD"
    )
    engagement = EngagementFactory(client=client, name="Pricing review", hourly_rate=D("150"))
    today = timezone.localdate()
    with scope(workspace=workspace):
        work.time_entry_save(
            engagement=engagement, actor=user, date=today, minutes=120, description="Work"
        )
        invoice = services.invoice_create_draft(workspace=workspace, actor=user, client=client)
        services.invoice_add_unbilled(
            invoice=invoice, actor=user, engagement=engagement, as_of=today
        )
        services.invoice_line_save(
            invoice=invoice, actor=user, description="Pricing model licence", unit_price=D("599700")
        )
        invoice = services.invoice_finalize(invoice=invoice, actor=user)
        delivery.invoice_send(invoice=invoice, actor=user, to="billing@acme.example")
        invoice.refresh_from_db()
        first_link = services.invoice_link_current(invoice)
    assert invoice.total == D("600000.00")
    ws = f"{base}/w/{workspace.slug}"

    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/w/lee-advisory/$"))

    # 1. The payment form offers the round total as digits. 12. The line says the work.
    page.goto(f"{ws}/invoices/{invoice.pk}/")
    expect(page.locator("#record-payment input[name=amount]")).to_have_value("600000.00")
    expect(page.locator(".invdoc")).to_contain_text(
        f"Pricing review — 2 hours × $150.00, {format_day(today)}"
    )
    # 9. The link the client got, to copy at any time; recipients as text.
    link_box = page.get_by_role("textbox", name="Client link")
    expect(link_box).to_have_value(re.compile(rf"/i/{first_link}/$"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.locator("#client-link").get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-status")).to_have_text("Link copied to the clipboard.")
    expect(page.locator("#timeline")).to_contain_text("To billing@acme.example")
    expect(page.locator("#timeline")).not_to_contain_text("['")
    _shoot(page, artifacts_dir, "invoice-sent-link")

    # A new link replaces it; the page shows the new one.
    page.set_viewport_size({"width": 1440, "height": 900})
    page.get_by_role("button", name=re.compile("New link")).click()
    expect(page.get_by_role("status")).to_contain_text("previous one no longer works")
    new_link = link_box.input_value()
    assert first_link not in new_link

    # 7. The Outstanding card lists exactly the invoices it counts.
    page.goto(f"{ws}/invoices/")
    card = page.get_by_role("link", name=re.compile("Outstanding in USD"))
    expect(card).to_contain_text("1 open invoice")
    _shoot(page, artifacts_dir, "invoice-list-outstanding")
    page.set_viewport_size({"width": 1440, "height": 900})
    card.click()
    expect(page.locator(".inv-table tbody tr")).to_have_count(1)
    expect(page.get_by_text("1 document", exact=True)).to_be_visible()

    # 8. The client opens the old link in a fresh browser: replaced, and whom to ask.
    context = chromium_browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        public = context.new_page()
        response = public.goto(f"{base}/i/{first_link}/")
        assert response.status == 410
        expect(public.get_by_role("heading", level=1)).to_have_text("This link was replaced")
        expect(public.locator("main")).to_contain_text("Lee Advisory")
        expect(public.get_by_role("link", name="jordan@lee.example")).to_be_visible()
        expect(public.locator(".topbar")).to_have_count(0)
        expect(public.locator("main")).not_to_contain_text(invoice.number)
        _shoot(public, artifacts_dir, "client-link-replaced")

        response = public.goto(f"{base}/i/{'0' * 64}/")
        assert response.status == 404
        expect(public.get_by_role("heading", level=1)).to_have_text("This link does not work")
        expect(public.locator(".topbar")).to_have_count(0)
        expect(public.get_by_role("link")).to_have_count(0)  # nothing leads into the app
        _shoot(public, artifacts_dir, "client-link-not-found")

        public.goto(new_link)
        expect(public.locator(".invdoc")).to_contain_text(invoice.number)
    finally:
        context.close()
