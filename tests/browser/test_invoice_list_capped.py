"""Issue #12 in a real browser, at 1280 and 390 px: a long invoice list keeps its look with a
capped count ("100+ documents", "Page 1 of many" here, with the cap lowered to 100), its
Next link leads past the cap, and the page fits the width. Saved under tests/artifacts/."""

from __future__ import annotations

import re

import pytest
from django_scopes import scopes_disabled

from accounts.models import Role
from core import paginator
from tests.factories import ClientFactory, MembershipFactory, UserFactory, WorkspaceFactory
from tests.perf.bulk import bulk_invoices

pytestmark = [pytest.mark.browser, pytest.mark.ledger_unchecked]  # rows made in bulk

PASSWORD = "correct horse battery staple"  # UserFactory's


@pytest.mark.parametrize("width", [1280, 390])
def test_a_long_invoice_list_says_many_and_pages_past_the_cap(
    live_server,
    transactional_db,
    chromium_browser,
    artifacts_dir,
    monkeypatch,
    width,
):
    from playwright.sync_api import expect

    monkeypatch.setattr(paginator, "COUNT_CAP", 100)
    user = UserFactory(email="ines@example.com")
    workspace = WorkspaceFactory(name="Laurent Studio", slug="laurent-studio")
    MembershipFactory(workspace=workspace, user=user, role=Role.OWNER)
    with scopes_disabled():
        clients = [
            ClientFactory(workspace=workspace, name=name, currency=currency)
            for name, currency in [("Harbor Logistics", "USD"), ("Bergmann GmbH", "EUR")]
        ]
    bulk_invoices(workspace, clients, 300)

    context = chromium_browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("sign in", re.I)).click()
        page.goto(f"{live_server.url}/w/{workspace.slug}/invoices/")
        expect(page.locator(".card-header")).to_contain_text("100+ documents")
        pagination = page.get_by_role("navigation", name="Pagination")
        expect(pagination).to_contain_text("Showing 1–50 of 100+")
        expect(pagination).to_contain_text("Page 1 of many")
        # The outstanding cards, one per currency, from the open invoices only.
        expect(page.locator("section[aria-label=Outstanding] .card")).to_have_count(2)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(
            path=str(artifacts_dir / f"invoice-list-capped-{width}.png"), full_page=True
        )

        for _ in range(3):  # to page 4: rows 151–200, past the counted 100
            pagination.get_by_role("link", name=re.compile("Next")).click()
        expect(pagination).to_contain_text("Showing 151–200 of many")
        expect(pagination).to_contain_text("Page 4 of many")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.screenshot(path=str(artifacts_dir / f"invoice-list-page-4-{width}.png"))
    finally:
        context.close()
