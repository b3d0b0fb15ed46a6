"""The first five minutes of a professional, in a real browser: sign up, verify the email
address from the link in the message, create a workspace, land on its dashboard."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.browser

CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


def test_sign_up_verify_email_create_workspace(
    live_server, transactional_db, browser_page, artifacts_dir
):
    from playwright.sync_api import expect

    page = browser_page
    base = live_server.url

    # Sign up with email and password.
    page.goto(base + reverse("account_signup"))
    page.get_by_label("Email").fill("riley@example.com")
    page.get_by_label("Password", exact=True).fill("a-long-enough-passphrase-42")
    page.get_by_label("Password (again)").fill("a-long-enough-passphrase-42")
    page.get_by_role("button", name=re.compile("sign up", re.I)).click()

    # Verification is mandatory: we are told to check our inbox, and the message is there.
    expect(page).to_have_url(re.compile(re.escape(reverse("account_email_verification_sent"))))
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    message = mail.outbox[0]
    assert message.to == ["riley@example.com"]
    match = CONFIRM_LINK.search(message.body)
    assert match, message.body

    # Open the link (its scheme/host are the configured public ones; the path is what
    # matters): that one click confirms, with no second page to press a button on.
    page.goto(base + urlsplit(match.group(0)).path)

    # Confirming signs us in; with no workspace yet we land on onboarding, told once.
    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:workspace_create")) + "$"))
    expect(page.get_by_text(re.compile("You have confirmed", re.I))).to_have_count(1)
    expect(page.get_by_text(re.compile("Successfully signed in", re.I))).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text("set up your business")

    page.get_by_label("Name").fill("Riley Design Studio")
    page.get_by_label("Base currency").select_option("EUR")
    page.get_by_role("button", name=re.compile("create workspace", re.I)).click()

    # The new workspace's dashboard.
    expect(page).to_have_url(re.compile(r"/w/riley-design-studio/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Riley Design Studio")
    expect(page.get_by_role("status")).to_contain_text("Welcome to Riley Design Studio")
    # Income is reported in the workspace's base currency, chosen above.
    expect(page.locator(".stat-value").nth(1)).to_have_text("€0.00")

    page.screenshot(path=str(artifacts_dir / "signup-dashboard.png"), full_page=True)
