"""Issue #10, items 2 and 10 in a real browser: the professional edits a draft, sends a
fixed-fee proposal by email, and the client opening the emailed link sees the price and
its milestones before the accept button. Every page fits a 390 px phone."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from accounts.models import Role
from tests.factories import ClientFactory, MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # UserFactory's
LINK = re.compile(r"https?://\S+/p/[\w-]{20,}/")


def _fits(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def _shots(page, artifacts_dir, name: str) -> None:
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        _fits(page)
        page.screenshot(path=str(artifacts_dir / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_client_sees_the_fixed_fee_and_its_milestones_before_accepting(
    live_server, transactional_db, browser_page, chromium_browser, artifacts_dir, inline_tasks
):
    from playwright.sync_api import expect

    from engagements import services

    page, base = browser_page, live_server.url
    owner = UserFactory(email="lee@example.com", full_name="Lee Park")
    workspace = WorkspaceFactory(name="Lee Consulting", slug="lee-consulting")
    MembershipFactory(workspace=workspace, user=owner, role=Role.OWNER)
    client = ClientFactory(
        workspace=workspace, name="Blue Ocean Co", currency="USD", email="robin@blueocean.example"
    )
    with scope(workspace=workspace):
        proposal = services.proposal_create(
            workspace=workspace,
            actor=owner,
            client=client,
            title="Pricing page",
            scope="Rewrite the pricing page.\nNot included: translations.",
            pay_model="fixed_fee",
            start_date=dt.date(2030, 3, 2),
            end_date=dt.date(2030, 4, 30),
            valid_until=dt.date(2030, 2, 28),
        )
        # Milestones added on the engagement after the proposal was saved.
        for title, amount, due in (
            ("Research and wireframes", "2400", dt.date(2030, 3, 20)),
            ("Final design and copy", "3600", dt.date(2030, 4, 30)),
        ):
            services.milestone_save(
                engagement=proposal.engagement,
                actor=owner,
                title=title,
                amount=Decimal(amount),
                due_date=due,
            )

    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/w/lee-consulting/$"))

    # The professional's page shows the price before sending; the draft can be edited.
    page.goto(f"{base}/w/lee-consulting/proposals/{proposal.pk}/")
    terms = page.get_by_role("region", name="Price and terms")
    expect(terms).to_contain_text("$6,000.00")
    expect(terms).to_contain_text("Research and wireframes")
    page.get_by_role("link", name="Edit draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit draft")
    _shots(page, artifacts_dir, "proposal-edit")
    page.get_by_label("Title").fill("Pricing page rewrite")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pricing page rewrite")
    _shots(page, artifacts_dir, "proposal-draft")

    # Send to client: an email, with a note.
    page.get_by_label("Note to the client").fill("As discussed, here is the proposal.")
    page.get_by_role("button", name="Email proposal").click()
    expect(page.get_by_role("status").first).to_contain_text("emailed to robin@blueocean.example")
    expect(page.locator(".pp-timeline")).to_contain_text("Email delivered")
    _shots(page, artifacts_dir, "proposal-sent")
    (email,) = mail.outbox
    assert email.to == ["robin@blueocean.example"] and "$6,000.00" in email.body
    link = LINK.search(email.body).group(0)
    assert page.get_by_role("textbox", name="Proposal link").input_value() == link

    # The client, in a fresh browser: the price and milestones come before the accept button.
    context = chromium_browser.new_context(viewport={"width": 1440, "height": 900})
    public = context.new_page()
    public.goto(link.replace("http://127.0.0.1:8000", base).replace("http://testserver", base))
    expect(public.get_by_role("heading", level=1)).to_have_text("Pricing page rewrite")
    price = public.get_by_role("region", name=re.compile("Price and terms"))
    for text in (
        "Fixed fee",
        "$6,000.00",
        "Research and wireframes",
        "$2,400.00",
        "Final design and copy",
        "$3,600.00",
        "Currency",
        "USD",
    ):
        expect(price).to_contain_text(text)
    accept = public.get_by_role("button", name="Accept proposal")
    price_box = price.bounding_box()
    assert price_box["y"] + price_box["height"] <= accept.bounding_box()["y"]
    _shots(public, artifacts_dir, "proposal-client")
    public.get_by_label("Your full name").fill("Robin Blue")
    public.get_by_label("Your email").fill("robin@blueocean.example")
    accept.click()
    expect(public.get_by_role("status")).to_contain_text("Accepted by Robin Blue")
    context.close()

    # The professional hears of it: by email and on the proposal's page.
    assert any("accepted" in m.subject for m in mail.outbox[1:])
    page.reload()
    expect(page.get_by_role("status").first).to_contain_text("Accepted by Robin Blue")
    expect(page.locator(".pp-timeline")).to_contain_text("You were emailed the answer")
    _shots(page, artifacts_dir, "proposal-accepted-detail")
