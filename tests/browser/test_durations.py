"""The duration read-back in the browser (static/js/durations.js): the same cases as the
server's parser (tests/engagements/pages/test_durations.py) give the same minutes or the
same message, and typing on the engagement page shows what was understood."""

from __future__ import annotations

import re

import pytest
from django_scopes import scopes_disabled

from accounts.models import Role
from engagements.durations import DurationError, parse_duration
from engagements.models import TimeEntry
from tests.browser.test_capacity_flow import _sign_in
from tests.engagements.pages.test_durations import ACCEPTED, REFUSED
from tests.factories import (
    ClientFactory,
    EngagementFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.browser


def test_the_browser_parser_agrees_with_the_server(
    live_server, transactional_db, browser_page, artifacts_dir
):
    """durations.js over every case gives the server's minutes or its exact message; on the
    page, typing shows the read-back under the field, and the entry saves as understood."""
    from playwright.sync_api import expect

    page, base = browser_page, live_server.url
    user = UserFactory(email="dana@example.com")
    workspace = WorkspaceFactory(slug="dana")
    MembershipFactory(workspace=workspace, user=user, role=Role.OWNER)
    engagement = EngagementFactory(client=ClientFactory(workspace=workspace), name="Audit")
    page.set_viewport_size({"width": 1440, "height": 900})
    _sign_in(page, base, user.email)
    page.goto(f"{base}/w/dana/engagements/{engagement.pk}/")

    for text, minutes in ACCEPTED:
        assert page.evaluate("t => window.portfolioDurations.parse(t)", text) == minutes, text
    for text, _ in REFUSED:
        with pytest.raises(DurationError) as raised:
            parse_duration(text)
        got = page.evaluate("t => window.portfolioDurations.parse(t)", text)
        assert got == {"error": str(raised.value)}, text

    field = page.get_by_label("Duration")
    field.fill("1:30")
    readback = page.locator(".duration-readback")
    expect(readback).to_have_text("= 1 h 30 min")
    page.screenshot(path=str(artifacts_dir / "time-duration-1440.png"))
    field.fill("1:75")
    expect(readback).to_contain_text("write up to 59 there")
    expect(readback).to_have_class(re.compile("is-error"))
    page.set_viewport_size({"width": 390, "height": 844})
    field.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "time-duration-390.png"))
    field.fill("1h30")
    page.get_by_role("button", name=re.compile("Log time")).click()
    expect(page.get_by_role("status")).to_be_visible()
    with scopes_disabled():
        assert TimeEntry.objects.get(engagement=engagement).minutes == 90
