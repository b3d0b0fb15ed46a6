"""The client pays an invoice by card on its link, in Chromium at 390 px, against devstripe
(its Stripe.js stand-in and API) with its webhooks delivered to the live server: a card
that just pays, one that asks for 3-D Secure, and one that is declined."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django_scopes import scope

from accounts.models import Role
from invoicing import services as invoicing
from invoicing.models import Invoice
from payments.models import CardPayment
from tests.factories import ClientFactory, MembershipFactory, UserFactory, WorkspaceFactory
from tests.payments.conftest import connect
from tests.stripe_fixtures import PUBLISHABLE_KEY, SECRET_KEY, stripe_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct horse battery staple"  # UserFactory's
WEBHOOK_SECRET = "whsec_browser_pay"


@pytest.fixture
def shop(live_server, transactional_db, settings, stripe_server, inline_tasks):  # noqa: F811
    """A workspace with an onboarded account, a finalised invoice and its link; devstripe's
    webhooks go to the live server's /stripe/webhook/."""
    settings.STRIPE_API_BASE = stripe_server.url
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_JS_URL = stripe_server.url + "/js.stripe.com/v3/"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    form = urllib.parse.urlencode(
        {"url": live_server.url + "/stripe/webhook/", "secret": WEBHOOK_SECRET}
    ).encode()
    urllib.request.urlopen(  # noqa: S310
        urllib.request.Request(f"{stripe_server.url}/_config/webhooks/pytest", data=form),
        timeout=10,
    ).close()
    user = UserFactory(email="jordan@lee.example", full_name="Jordan Lee")
    workspace = WorkspaceFactory(name="Lee Advisory", slug="lee-advisory")
    MembershipFactory(workspace=workspace, user=user, role=Role.OWNER)
    client = ClientFactory(
        workspace=workspace, name="Acme Corp", email="billing@acme.example", currency="USD"
    )
    connect(workspace, user, stripe_server)
    with scope(workspace=workspace):
        invoice = invoicing.invoice_create_draft(workspace=workspace, actor=user, client=client)
        invoicing.invoice_line_save(
            invoice=invoice, actor=user, description="Pricing review", unit_price=D("1250.00")
        )
        invoice = invoicing.invoice_finalize(invoice=invoice, actor=user)
        token = invoicing.invoice_link_issue(invoice=invoice, actor=user)
    yield {
        "base": live_server.url,
        "user": user,
        "workspace": workspace,
        "invoice": invoice,
        "link": live_server.url + reverse("invoicing:invoice_public", args=[token]),
    }
    # Leave no endpoint pointing at a server that is gone.
    form = urllib.parse.urlencode({"url": "http://127.0.0.1:9/", "secret": "x"}).encode()
    urllib.request.urlopen(  # noqa: S310
        urllib.request.Request(f"{stripe_server.url}/_config/webhooks/pytest", data=form),
        timeout=10,
    ).close()


@pytest.fixture
def phone(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    return page


def _fill_card(page, number: str) -> None:
    panel = page.locator("#pay-panel")
    panel.get_by_label("Card number").fill(number)
    panel.get_by_label("Expiry month (MM)").fill("12")
    panel.get_by_label("Expiry year (YY)").fill("30")
    panel.get_by_label("Security code (CVC)").fill("123")
    panel.get_by_label("Postal code").fill("10001")


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide at 390 px"


def _status(invoice: Invoice) -> str:
    with scope(workspace=invoice.workspace):
        invoice.refresh_from_db()
        return invoice.status


def test_a_card_pays_the_invoice_and_the_professional_sees_it_paid(shop, phone, artifacts_dir):
    from playwright.sync_api import expect

    page = phone
    page.goto(shop["link"])
    panel = page.locator("#pay-panel")
    expect(panel.get_by_role("heading", name="Pay by card")).to_be_visible()
    expect(panel).to_contain_text("$1,250.00 is due")
    expect(panel.get_by_label("Save this card for future invoices")).not_to_be_checked()
    _fill_card(page, "4242424242424242")
    panel.get_by_label("Save this card for future invoices").check()
    _fits(page)
    page.screenshot(path=str(artifacts_dir / "pay-form-390.png"), full_page=True)

    panel.get_by_role("button", name="Pay $1,250.00").click()
    expect(page.locator("#pay-result")).to_contain_text("Paid.")
    page.screenshot(path=str(artifacts_dir / "pay-paid-390.png"), full_page=True)
    # The page reloads to show the invoice paid, and offers no payment any more.
    expect(page.get_by_text("Paid in full.")).to_be_visible(timeout=10_000)
    expect(page.locator("#pay-panel")).to_have_count(0)
    page.screenshot(path=str(artifacts_dir / "pay-invoice-paid-390.png"), full_page=True)
    assert page.evaluate("window.violations") == []
    assert _status(shop["invoice"]) == Invoice.Status.PAID
    with scope(workspace=shop["workspace"]):
        payment = CardPayment.objects.get(invoice=shop["invoice"])
        assert payment.status == CardPayment.Status.SUCCEEDED and payment.save_card
        assert shop["invoice"].client.saved_cards.count() == 1

    # The professional's invoice page shows it settled.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(shop["base"] + reverse("account_login"))
    page.get_by_label("Email").fill(shop["user"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/w/lee-advisory/$"))
    page.goto(
        shop["base"]
        + reverse("invoicing:invoice_detail", args=[shop["workspace"].slug, shop["invoice"].pk])
    )
    expect(page.locator("[data-amount-due]")).to_have_text("$0.00")
    expect(page.get_by_text("Settled")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "pay-professional-1280.png"), full_page=True)


def test_a_card_asking_for_3d_secure_opens_the_modal_then_pays(shop, phone, artifacts_dir):
    from playwright.sync_api import expect

    page = phone
    page.goto(shop["link"])
    _fill_card(page, "4000002500003155")
    page.locator("#pay-panel").get_by_role("button", name=re.compile("^Pay ")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "pay-3ds-modal-390.png"), full_page=True)
    assert _status(shop["invoice"]) == Invoice.Status.OPEN
    dialog.get_by_role("button", name="Complete authentication").click()
    expect(page.locator("#pay-result")).to_contain_text("Paid.")
    expect(page.get_by_text("Paid in full.")).to_be_visible(timeout=10_000)
    assert page.evaluate("window.violations") == []
    assert _status(shop["invoice"]) == Invoice.Status.PAID


def test_a_declined_card_says_why_and_the_invoice_stays_open(shop, phone, artifacts_dir):
    from playwright.sync_api import expect

    page = phone
    page.goto(shop["link"])
    _fill_card(page, "4000000000000002")
    pay = page.locator("#pay-panel").get_by_role("button", name="Pay $1,250.00")
    pay.click()
    result = page.locator("#pay-result")
    expect(result).to_contain_text("Payment failed.")
    expect(result).to_contain_text(re.compile("declined", re.I))
    expect(pay).to_be_enabled()  # the button is back for another card
    _fits(page)
    page.screenshot(path=str(artifacts_dir / "pay-declined-390.png"), full_page=True)
    assert page.evaluate("window.violations") == []
    assert _status(shop["invoice"]) == Invoice.Status.OPEN

    # Another card on the same page then pays.
    _fill_card(page, "4242424242424242")
    pay.click()
    expect(page.get_by_text("Paid in full.")).to_be_visible(timeout=10_000)
    assert _status(shop["invoice"]) == Invoice.Status.PAID
