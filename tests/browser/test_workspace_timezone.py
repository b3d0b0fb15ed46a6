"""Creating a workspace preselects the browser's time zone, not UTC."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.models import Workspace
from tests.browser.test_capacity_flow import _sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_the_create_workspace_form_preselects_the_browsers_time_zone(
    live_server, transactional_db, chromium_browser, artifacts_dir
):
    from playwright.sync_api import expect

    context = chromium_browser.new_context(
        timezone_id="Asia/Tokyo", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        user = UserFactory(email="kenji@example.com")
        _sign_in(page, live_server.url, user.email)
        page.goto(live_server.url + reverse("accounts:workspace_create"))
        zone = page.get_by_label(re.compile("time ?zone", re.I))
        expect(zone).to_have_value("Asia/Tokyo")
        page.screenshot(path=str(artifacts_dir / "workspace-create-390.png"), full_page=True)
        page.get_by_label("Name", exact=True).fill("Kenji Studio")
        page.get_by_role("button", name=re.compile("create", re.I)).click()
        expect(page).to_have_url(re.compile(r"/w/"))
        with scopes_disabled():
            assert Workspace.objects.get(name="Kenji Studio").timezone == "Asia/Tokyo"
    finally:
        context.close()
