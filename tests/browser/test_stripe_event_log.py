"""The operators' Stripe event log in Chromium: a staff member signs in, sees a failed
event with its error, replays it; the page fits a 390 px phone."""

import re

import pytest
from django.urls import reverse

from payments.models import WebhookEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_staff_read_and_replay_events_on_a_phone(
    live_server, transactional_db, browser_page, artifacts_dir
):
    staff = UserFactory(email="ops@example.com", is_staff=True)
    staff.set_password("ops-password-123")
    staff.save()
    WebhookEvent.objects.create(
        event_id="evt_failed_1",
        type="payment_intent.succeeded",
        object_id="pi_unknown",
        payload={
            "id": "evt_failed_1",
            "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_unknown"}},
        },
        status="failed",
        attempts=2,
        last_error="APIConnectionError: Stripe could not be reached",
    )
    WebhookEvent.objects.create(
        event_id="evt_ok_2",
        type="account.updated",
        object_id="acct_1",
        status="processed",
        payload={"id": "evt_ok_2", "type": "account.updated", "data": {"object": {"id": "acct_1"}}},
    )
    page = browser_page
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill("ops@example.com")
    page.get_by_label("Password").fill("ops-password-123")
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state("load")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/ops/stripe/events/")
    assert page.get_by_text("APIConnectionError: Stripe could not be reached").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir / "ops-stripe-events-390.png"), full_page=True)
    page.get_by_role("button", name="Replay evt_failed_1").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Replayed evt_failed_1: ignored.").is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(artifacts_dir / "ops-stripe-events-1280.png"), full_page=True)
    assert WebhookEvent.objects.get(event_id="evt_failed_1").status == "ignored"
