"""The error pages as production shows them (DEBUG is off in tests): styled like the
product, at a desktop and a phone width, with no CSP violation. Screenshots land in
tests/artifacts/error-<code>-<width>.png."""

from __future__ import annotations

import pytest

from tests.browser.test_csp import Violations

pytestmark = pytest.mark.browser

PAGES = {
    404: "/no-such-page/",
    400: "/test-errors/400/",
    403: "/test-errors/403/",
    500: "/test-errors/500/",
    "403_csrf": "/test-errors/csrf/",
}
HEADINGS = {
    404: "We could not find that page",
    400: "That request could not be understood",
    403: "You do not have access to this page",
    500: "Something went wrong on our side",
    "403_csrf": "This form could not be sent",
}


@pytest.mark.parametrize("width", [1440, 390])
def test_error_pages_look_like_the_product(
    live_server, transactional_db, settings, chromium_browser, artifacts_dir, width
):
    from playwright.sync_api import expect

    settings.ROOT_URLCONF = "tests.error_urls"
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    context = chromium_browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        seen = Violations(page)
        for code, path in PAGES.items():
            response = page.goto(live_server.url + path)
            status = 403 if code == "403_csrf" else code
            assert response is not None and response.status == status, (path, response)
            card = page.locator(f"[data-error-page='{status}']")
            expect(card.get_by_role("heading", level=1)).to_have_text(HEADINGS[code])
            expect(card.get_by_role("link")).to_have_attribute("href", "/")
            # The house layout: the top bar with the brand, the stylesheet applied.
            expect(page.locator("header.topbar .brand")).to_be_visible()
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") != (
                "rgba(0, 0, 0, 0)"
            )
            # Nothing overflows a phone's width.
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(artifacts_dir / f"error-{code}-{width}.png"))
            seen.collect(path)
        assert seen.found == [], seen.found
    finally:
        context.close()
