"""The landing page says what exists (issue #10, item 3), and stays true as features land.

Every claim on the page (a feature card, a line of an audience card) is marked
`data-claim="built"` or `data-claim="roadmap"`. A built claim names the feature it stands
for (`data-feature`), and BUILT below maps each to the page where a signed-in professional
finds it: that page must exist. A roadmap claim carries the visible "On the roadmap" badge.
What is not built yet (portable benefits, the
forecast, the lender report, integrations) may be promised only in a roadmap claim."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

# data-feature → the page of the app where the feature lives (a URL name and its args).
BUILT = {
    "accounts": ("account_signup", []),
    "workspaces": ("accounts:members", ["demo"]),
    "api": ("api-docs", []),
    "pay-models": ("engagements:engagement_list", ["demo"]),
    "proposals": ("engagements:proposal_list", ["demo"]),
    "invoices": ("invoicing:invoice_list", ["demo"]),
    "recurring": ("invoicing:invoice_recurring_list", ["demo"]),
    "reminders": ("invoicing:invoice_reminders", ["demo"]),
    "payments": ("invoicing:invoice_payment", ["demo", 1]),
    "client-links": ("invoicing:invoice_public", ["token"]),
    "capacity": ("engagements:capacity", ["demo"]),
    "csv": ("engagements:csv_import_export", ["demo"]),
    "card-payments": ("payments:settings", ["demo"]),
    "saved-cards": ("payments:settings", ["demo"]),
    "payouts": ("payments:payouts", ["demo"]),
}

# Words that describe what is not built: only a roadmap claim may use them.
NOT_BUILT = (
    "benefit",
    "forecast",
    "set-aside",
    "lender",
    "income verification",
    "integration",
)

CLAIMS_JS = """els => els.map(e => ({
  claim: e.dataset.claim, feature: e.dataset.feature || '', text: e.innerText
}))"""


@pytest.mark.parametrize("width", [1440, 390])
def test_the_landing_page_claims_only_what_is_built(
    live_server, db, browser_page, artifacts_dir, width
):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/")
    claims = page.eval_on_selector_all("[data-claim]", CLAIMS_JS)

    # Every feature card and every audience line is a marked claim.
    unmarked = page.eval_on_selector_all(
        ".feature:not([data-claim]), .audience li:not([data-claim]):not(.audience[data-claim] li)",
        "els => els.map(e => e.innerText)",
    )
    assert unmarked == []
    assert {c["claim"] for c in claims} == {"built", "roadmap"}

    for c in claims:
        text = c["text"].lower()
        if c["claim"] == "built":
            assert "roadmap" not in text, c
            assert c["feature"] in BUILT, f"a built claim without its page: {c}"
            name, args = BUILT[c["feature"]]
            reverse(name, args=args)  # the feature's page exists
            assert not [w for w in NOT_BUILT if w in text], c
        else:
            assert c["claim"] == "roadmap", c
            assert "on the roadmap" in text, c

    built = " ".join(c["text"] for c in claims if c["claim"] == "built")
    roadmap = " ".join(c["text"] for c in claims if c["claim"] == "roadmap")
    # The first user test's findings: built features shown as built, unbuilt as roadmap.
    assert "Five pay models" in built
    assert "Invoices" in built
    assert "Pay by card" in built
    assert "Save a card" in built
    assert "Stripe payouts" in built
    assert "Portable benefits" in roadmap
    # The hero promises nothing unbuilt either.
    hero = page.locator(".landing-hero").inner_text().lower()
    assert not [w for w in NOT_BUILT if w in hero], hero

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(artifacts_dir / f"landing-{width}.png"), full_page=True)
