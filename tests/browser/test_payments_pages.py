"""The professional's payments pages in a real browser at 1280 and 390 px, against
devstripe: onboarding from the settings page through devstripe's onboarding page and
back, a payout requested on the payouts page, a refund from the invoice page's card
payments section. Each page fits the width and is saved under tests/artifacts/."""

from __future__ import annotations

import re

import pytest
from django_scopes import scope, scopes_disabled

from accounts.models import Role
from invoicing.models import Invoice
from payments.models import Payout
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from tests.payments.ui_fixtures import *  # noqa: F403
from tests.payments.ui_fixtures import open_invoice, paid_by_card

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # UserFactory's


class _P:
    def __init__(self, a, alice):
        self.a, self.alice = a, alice


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    page.evaluate("window.scrollTo(0, 0)")


@pytest.mark.parametrize("width", [1280, 390])
def test_onboard_pay_out_and_refund_in_the_browser(
    live_server, transactional_db, chromium_browser, artifacts_dir, ui_stripe, stripe_client, width
):
    from playwright.sync_api import expect

    user = UserFactory(email="ines@example.com", full_name="Inès Laurent")
    workspace = WorkspaceFactory(name="Laurent Studio", slug="laurent-studio")
    MembershipFactory(workspace=workspace, user=user, role=Role.OWNER)
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

        page.goto(ws + "/settings/payments/")
        _fits(page, width)
        page.screenshot(path=str(artifacts_dir / f"payments-settings-{width}.png"), full_page=True)
        page.get_by_role("button", name="Connect with Stripe").click()
        expect(page.get_by_text("Stand-in for Stripe Express onboarding")).to_be_visible()
        page.get_by_role("button", name="Submit details").click()
        expect(page).to_have_url(re.compile(r"/settings/payments/return/$"))
        expect(page.locator("[data-stripe-state=enabled]")).to_be_visible()
        _fits(page, width)
        page.screenshot(
            path=str(artifacts_dir / f"payments-settings-enabled-{width}.png"), full_page=True
        )

        invoice = open_invoice(_P(workspace, user), amount="400.00")
        payment = paid_by_card(stripe_client, invoice)
        page.goto(ws + "/payouts/")
        page.get_by_label("Amount").fill("100")
        page.get_by_role("button", name="Request payout").click()
        expect(page.get_by_text("Payout of $100.00 requested")).to_be_visible()
        _fits(page, width)
        page.screenshot(path=str(artifacts_dir / f"payouts-{width}.png"), full_page=True)
        with scopes_disabled():
            assert Payout.objects.filter(workspace=workspace).count() == 1

        page.goto(f"{ws}/invoices/{invoice.pk}/")
        section = page.locator("#card-payments")
        expect(section).to_contain_text("$400.00")
        section.get_by_text("Refund to the card").click()
        section.get_by_label(re.compile("Amount")).fill("150")
        section.get_by_label("Reason").fill("Session cancelled")
        section.get_by_role("button", name="Refund", exact=True).click()
        expect(page.get_by_text("Refund of $150.00 made to the card")).to_be_visible()
        _fits(page, width)
        page.screenshot(
            path=str(artifacts_dir / f"invoice-card-payments-{width}.png"), full_page=True
        )
        with scope(workspace=workspace):
            assert Invoice.objects.get(pk=invoice.pk).status == "partially_paid"
            assert payment.refunds.count() == 1

        page.goto(ws + "/")
        expect(page.locator("[data-stripe-balance]")).to_contain_text("Last payout")
        _fits(page, width)
        page.screenshot(path=str(artifacts_dir / f"dashboard-stripe-{width}.png"), full_page=True)
    finally:
        context.close()
