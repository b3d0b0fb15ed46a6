"""Every page of a realistic workspace (the demo seed) at a phone's 390 px and a desktop's
1440 px, signed in through the login form: at 390 px nothing scrolls the page sideways
(document scrollWidth ≤ 390) and no table hides columns in its own scroll box; at 1440 px
no table is cut off either. Screenshots of every page at both widths go to tests/artifacts/pages/.
The pages are tests/pages.py's walk: every route of the URL resolver plus the detail pages
of each client, engagement, invoice and proposal, and the client's links."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.models import User, Workspace
from tests.pages import detail_pages, parameterless_pages, public_pages

pytestmark = pytest.mark.browser

PHONE, DESKTOP = 390, 1440

# The widest element that sticks out, to say what to fix rather than only that it is wide.
WIDEST = """() => {
    const limit = document.documentElement.clientWidth;
    let worst = null;
    for (const el of document.querySelectorAll("body *")) {
        const r = el.getBoundingClientRect();
        if (r.right > limit + 0.5 && (!worst || r.right > worst.right)) {
            let inScroller = false;
            for (let p = el.parentElement; p; p = p.parentElement) {
                const o = getComputedStyle(p).overflowX;
                if (o === "auto" || o === "scroll" || o === "hidden") { inScroller = true; break; }
            }
            if (!inScroller) worst = {right: Math.round(r.right),
                tag: el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
                    ? "." + el.className.trim().split(/\\s+/).join(".") : "")};
        }
    }
    return {scrollWidth: document.documentElement.scrollWidth, worst};
}"""

# Scroll boxes of tables that hide part of their table on a wide screen.
CLIPPED_TABLES = """() => [...document.querySelectorAll(".table-wrap, .table-scroll")]
    .filter(w => w.scrollWidth > w.clientWidth + 1 && w.offsetParent !== null)
    .map(w => ({cls: w.className, scroll: w.scrollWidth, client: w.clientWidth,
                caption: (w.querySelector("caption, th") || {}).textContent}))"""


# Two frames after a resize: app.js re-fits its tables in a ResizeObserver callback.
SETTLE = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:80] or "root"


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())
    with scopes_disabled():
        return Workspace.objects.get(slug="demo"), User.objects.get(email="demo@portfolio.test")


def test_every_page_fits_a_phone_and_no_table_is_cut_off_on_a_desktop(
    live_server, demo, browser_page, artifacts_dir
):
    page, base = browser_page, live_server.url
    workspace, user = demo
    shots = artifacts_dir / "pages"
    shots.mkdir(exist_ok=True)

    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill("demo@portfolio.test")
    page.get_by_label("Password").fill("portfolio-demo")
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/w/demo/$"))

    pages = parameterless_pages(workspace) + detail_pages(workspace)
    pages += public_pages(workspace, user)
    too_wide, clipped, visited = {}, {}, []
    # Only pages: a POST-only route answers an empty 405, a download is not HTML.
    probe = Client()
    probe.force_login(user)
    pages = [
        p
        for p in pages
        if (r := probe.get(p)).status_code == 200 and "text/html" in r.get("Content-Type", "")
    ]
    for path in pages:
        page.goto(base + path)
        visited.append(path)
        name = _name(path)

        page.set_viewport_size({"width": DESKTOP, "height": 900})
        page.wait_for_load_state("load")
        page.evaluate(SETTLE)
        if found := page.evaluate(CLIPPED_TABLES):
            clipped[path] = found
        page.screenshot(path=str(shots / f"{name}-{DESKTOP}.png"), full_page=True)

        page.set_viewport_size({"width": PHONE, "height": 844})
        page.evaluate(SETTLE)
        measured = page.evaluate(WIDEST)
        if measured["scrollWidth"] > PHONE:
            too_wide[path] = measured
        if found := page.evaluate(CLIPPED_TABLES):  # a table that scrolls hides columns
            too_wide.setdefault(path, {})["tables"] = found
        page.screenshot(path=str(shots / f"{name}-{PHONE}.png"), full_page=True)

    assert len(visited) > 40, visited  # the walk found the pages
    report = [f"{PHONE} px {p}: {w}" for p, w in too_wide.items()]
    report += [f"{DESKTOP} px {p}: {w}" for p, w in clipped.items()]
    assert not report, "\n".join(report)


def test_the_invoices_list_shows_amount_due_and_status_on_a_phone(live_server, demo, browser_page):
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill("demo@portfolio.test")
    page.get_by_label("Password").fill("portfolio-demo")
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/w/demo/$"))
    page.goto(base + reverse("invoicing:invoice_list", args=["demo"]))
    expect(page.locator("table tbody tr").first).to_be_visible()
    # Each row's cell under "Amount due" and under "Status", by the header's position.
    cells = page.evaluate(
        """() => {
            const table = document.querySelector("table");
            const heads = [...table.querySelectorAll("thead th")].map(th => th.textContent.trim());
            return [...table.querySelectorAll("tbody tr")].flatMap(tr => ["Amount due", "Status"]
                .map(h => {
                    const td = tr.children[heads.indexOf(h)];
                    const r = td ? td.getBoundingClientRect() : null;
                    return {h, right: r && r.right, width: r && r.width,
                            shown: !!td && td.offsetParent !== null};
                }));
        }"""
    )
    assert cells
    for cell in cells:
        assert cell["shown"] and cell["width"] > 0 and cell["right"] <= PHONE, cell


def test_the_client_search_box_shows_its_whole_placeholder_on_a_phone(
    live_server, demo, browser_page
):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill("demo@portfolio.test")
    page.get_by_label("Password").fill("portfolio-demo")
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/w/demo/$"))
    page.goto(base + reverse("engagements:client_list", args=["demo"]))
    room, needed = page.get_by_role("searchbox").evaluate(
        """el => {
            const s = getComputedStyle(el);
            const ctx = document.createElement("canvas").getContext("2d");
            ctx.font = s.font;
            return [el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight),
                    ctx.measureText(el.placeholder).width];
        }"""
    )
    # With a few pixels to spare: Chromium cut "Search clients by name" at one pixel short.
    assert needed + 8 <= room, (needed, room)
