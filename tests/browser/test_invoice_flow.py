"""The invoicing issue's acceptance flow in a real browser: from time logged on an hourly
engagement, create an invoice through the pages, finalise it, issue the client link, open
it in a fresh browser context (no session) and download the PDF."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from accounts.models import Role
from engagements import services as work
from invoicing.models import Invoice, InvoiceLine
from tests.factories import (
    ClientFactory,
    EngagementFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # UserFactory's


def test_invoice_from_logged_time_to_the_clients_link_and_pdf(
    live_server, transactional_db, browser_page, chromium_browser, artifacts_dir
):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    page.on("dialog", lambda dialog: dialog.accept())  # the "Finalise?" confirmation
    user = UserFactory(email="ines@example.com", full_name="Inès Laurent")
    workspace = WorkspaceFactory(name="Laurent Studio", slug="laurent-studio")
    MembershipFactory(workspace=workspace, user=user, role=Role.OWNER)
    client = ClientFactory(
        workspace=workspace, name="Harbor Logistics", email="ap@harbor.example", currency="USD"
    )
    engagement = EngagementFactory(client=client, name="Route planner", hourly_rate=150)
    today = timezone.localdate()
    with scope(workspace=workspace):
        work.time_entry_save(
            engagement=engagement, actor=user, date=today, minutes=120, description="Modelling"
        )
        work.time_entry_save(
            engagement=engagement, actor=user, date=today, minutes=90, description="Review"
        )
    ws = f"{base}/w/{workspace.slug}"

    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/w/laurent-studio/$"))

    # New invoice → the client → its unbilled work: 3.5 h × $150 on one line.
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Invoices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoices")
    page.get_by_role("link", name="New invoice").first.click()
    page.get_by_label("Client").select_option(label="Harbor Logistics")
    page.get_by_role("button", name=re.compile("Continue with unbilled work")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice unbilled work")
    card = page.locator(f"#engagement-{engagement.pk}")
    expect(card).to_contain_text("$525.00")
    page.screenshot(path=str(artifacts_dir / "invoice-unbilled.png"), full_page=True)
    with scopes_disabled():
        assert not Invoice.objects.exists()  # looking at the work creates nothing
    card.get_by_role("button", name=re.compile("Create draft invoice")).click()
    expect(page.get_by_role("status")).to_contain_text("created with 1 line")
    expect(page.locator("[data-total]")).to_have_text("$525.00")
    with scopes_disabled():
        invoice = Invoice.objects.get(client=client)
        line = invoice.lines.get()
    assert (line.kind, line.quantity, line.total_amount) == (InvoiceLine.Kind.WORK, 3.5, 525)
    page.screenshot(path=str(artifacts_dir / "invoice-draft.png"), full_page=True)

    # Finalise: it gets its number and the document shows.
    page.get_by_role("button", name="Finalise").click()
    expect(page.locator(".page-header h1")).to_contain_text(re.compile(r"Invoice \S+0001"))
    with scopes_disabled():
        invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    expect(page.locator(".invdoc")).to_contain_text(invoice.number)

    # The client link, shown once with a copy button.
    page.get_by_role("button", name=re.compile("Get client link")).click()
    link = page.get_by_role("textbox", name="Client link").input_value()
    assert re.search(r"/i/[\w-]{30,}/$", link), link
    page.screenshot(path=str(artifacts_dir / "invoice-finalised.png"), full_page=True)

    # A fresh context: no session, no cookies. The client sees the invoice.
    context = chromium_browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        public = context.new_page()
        public.goto(link)
        expect(public.locator(".invdoc")).to_contain_text(invoice.number)
        expect(public.locator(".invdoc")).to_contain_text("Harbor Logistics")
        expect(public.locator(".invdoc")).to_contain_text("$525.00")
        expect(public.get_by_role("navigation", name="Workspace")).to_have_count(0)
        public.screenshot(path=str(artifacts_dir / "invoice-client-link.png"), full_page=True)
        with public.expect_download() as download_info:
            public.get_by_role("link", name=re.compile("Download PDF")).click()
        download = download_info.value
        assert download.suggested_filename == f"{invoice.number}.pdf"
        with open(download.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
        response = context.request.get(link + "pdf/")
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
    finally:
        context.close()

    # Back in the dashboard, the timeline shows the client's visit.
    page.goto(f"{ws}/invoices/{invoice.pk}/")
    expect(page.locator("#timeline")).to_contain_text("Viewed by the client")
