"""The Content-Security-Policy in a real browser: the main pages, signed in and public, the
API docs and an error page, with zero violations. Chromium reports every blocked inline
script, inline style, event handler or foreign resource as a `securitypolicyviolation`
event and a console error; both are collected, so a template that gains an un-nonced
<script>, an `onclick=` or a `style=""` fails here (the last test proves the collector
sees exactly that).

The pages are the demo workspace's (seed_demo): every pay model, invoices in every state, a
sent proposal."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

pytestmark = pytest.mark.browser

# Runs before any script of the page (Playwright injects it through the DevTools protocol,
# which the page's CSP does not govern), so parse-time violations are caught too.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


class Violations:
    """What the page reported: events read from the page after each visit, plus console
    errors (which also cover a violation reported while the page was unloading)."""

    def __init__(self, page):
        self.page = page
        self.found: list[str] = []
        page.add_init_script(COLLECT_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.found.append(f"console: {message.text}")

    def visit(self, url: str, ready: str | None = None) -> None:
        """Open url, wait for `ready` (a selector) or the load event, then collect."""
        response = self.page.goto(url)
        assert response is not None and response.status < 500, (url, response)
        assert "content-security-policy" in response.headers, url
        if ready:
            self.page.wait_for_selector(ready)
        self.collect(url)

    def collect(self, where: str) -> None:
        self.page.wait_for_timeout(150)  # let late violations (a script's injected style) in
        for item in self.page.evaluate("window.__cspViolations || []"):
            self.found.append(f"{where}: {item}")
        self.page.evaluate("window.__cspViolations = []")


@pytest.fixture
def demo(transactional_db):
    """The demo workspace, with a proposal link (only its hash is stored, so a fresh one is
    issued here) and an open invoice already shared (the test issues a new link)."""
    from accounts.models import User, Workspace
    from engagements import services as work
    from engagements.models import Client, Engagement, Proposal
    from invoicing.models import Invoice
    from invoicing.services.links import invoice_link_issue

    call_command("seed_demo", stdout=io.StringIO())
    workspace = Workspace.objects.get(slug="demo")
    user = User.objects.get(email="demo@portfolio.test")
    with scope(workspace=workspace):
        proposal, proposal_token = work.proposal_send(
            proposal=Proposal.objects.get(status=Proposal.Status.SENT), actor=user
        )
        open_invoice = Invoice.objects.filter(status=Invoice.Status.OPEN).first()
        assert open_invoice is not None
        invoice_link_issue(invoice=open_invoice, actor=user)
    with scopes_disabled():
        return {
            "engagements": list(
                Engagement.objects.filter(workspace=workspace).values_list("pk", flat=True)
            ),
            "invoices": list(
                Invoice.objects.filter(workspace=workspace).values_list("pk", flat=True)
            ),
            "open_invoice": open_invoice.pk,
            "proposal": proposal.pk,
            "client": Client.objects.filter(workspace=workspace).first().pk,
            "proposal_link": f"/p/{proposal_token}/",
        }


def _sign_in(page, base: str) -> None:
    from playwright.sync_api import expect

    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill("demo@portfolio.test")
    page.get_by_label("Password").fill("portfolio-demo")
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/w/demo/$"))


def test_main_pages_have_no_csp_violations(live_server, demo, browser_page, chromium_browser):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    seen = Violations(page)

    # Signed out: the landing page and the sign-in form (whose submit is checked below).
    seen.visit(base + "/")
    seen.visit(base + "/accounts/signup/")
    seen.visit(base + "/accounts/login/")
    _sign_in(page, base)
    seen.collect("sign-in")

    ws = f"{base}/w/demo"
    pages = [
        "/",
        "/clients/",
        f"/clients/{demo['client']}/",
        "/engagements/",
        "/engagements/new/",
        "/proposals/",
        "/proposals/new/",
        f"/proposals/{demo['proposal']}/",
        "/capacity/",
        "/import-export/",
        "/invoices/",
        "/invoices/new/",
        "/invoices/recurring/",
        "/invoices/recurring/new/",
        "/invoices/reminders/",
        "/invoices/tax-rates/",
        "/invoices/exchange-rates/",
        "/members/",
        "/settings/",
    ]
    pages += [f"/engagements/{pk}/" for pk in demo["engagements"]]
    pages += [f"/engagements/{pk}/edit/" for pk in demo["engagements"][:1]]
    pages += [f"/invoices/{pk}/" for pk in demo["invoices"]]
    for path in pages:
        seen.visit(ws + path)
    for path in ("/settings/profile/", "/settings/api-tokens/", "/accounts/email/"):
        seen.visit(base + path)
    seen.visit(base + "/accounts/2fa/")
    seen.visit(base + "/this-page-does-not-exist/", ready="[data-error-page='404']")

    # What moved from inline scripts to static files still works: the proposal form shows
    # only the chosen pay model's terms, and the client link's copy button copies.
    page.goto(ws + "/proposals/new/")
    page.get_by_label("Pay model").select_option("retainer")
    expect(page.locator("[data-pay-model='retainer']")).to_be_visible()
    expect(page.locator("[data-pay-model='hourly']")).to_be_hidden()
    seen.collect("proposal form")
    page.goto(f"{ws}/invoices/{demo['open_invoice']}/")
    page.get_by_role("button", name=re.compile("New link")).click()  # confirmed by the dialog
    page.locator("[data-copy-target]").click()
    expect(page.locator("[data-copy-label]")).to_have_text("Copied")
    seen.collect("copy link")
    # The fixture's link stopped working: the client opens the new one.
    invoice_link = page.get_by_role("textbox", name="Client link").input_value()

    # The API docs: Swagger UI and ReDoc render the schema (from our origin only).
    # The schema is 1.6 MB: parsing and drawing it takes a loaded machine a while.
    page.set_default_timeout(60_000)
    seen.visit(base + "/api/docs/", ready=".swagger-ui .info .title")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Portfolio API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    seen.visit(base + "/api/redoc/", ready="h1:has-text('Portfolio API')")
    expect(page.get_by_role("menu").first).to_contain_text("invoices")
    # The one block on purpose: ReDoc's hard-coded "API docs by Redocly" logo would come
    # from a CDN, and nothing is (the link's text still shows).
    redocly_logo = [f for f in seen.found if "cdn.redoc.ly/redoc/logo-mini.svg" in f]
    assert redocly_logo, "ReDoc no longer asks for its CDN logo: drop this allowance"
    seen.found = [f for f in seen.found if f not in redocly_logo]

    # What the client sees, in a context with no session.
    context = chromium_browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        public = context.new_page()
        public_seen = Violations(public)
        public_seen.visit(invoice_link, ready=".invdoc")
        public_seen.visit(base + demo["proposal_link"])
        expect(public.get_by_role("heading", level=1)).to_be_visible()
        seen.found += public_seen.found
    finally:
        context.close()

    assert seen.found == [], "Content-Security-Policy violations:\n" + "\n".join(seen.found)


def test_an_inline_script_without_the_nonce_is_reported(live_server, db, browser_page):
    """The collector above is not blind: the landing page served with its real CSP header
    but one extra un-nonced <script> and one style="" attribute yields two violations."""
    page, base = browser_page, live_server.url
    seen = Violations(page)

    def inject(route):
        response = route.fetch()
        body = response.text().replace(
            "</body>",
            '<script>document.title = "ran";</script><p style="color:red">x</p></body>',
        )
        route.fulfill(response=response, body=body)

    page.route(base + "/", inject)
    seen.visit(base + "/")
    assert page.title() != "ran"
    directives = " ".join(seen.found)
    assert "script-src-elem" in directives and "style-src-attr" in directives, seen.found
