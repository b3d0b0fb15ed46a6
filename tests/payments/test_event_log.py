"""The operators' event log: staff only, lists events with their state, replays one."""

import pytest

from payments.models import WebhookEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def event(**kw):
    defaults = dict(
        event_id="evt_1",
        type="payment_intent.succeeded",
        object_id="pi_x",
        payload={
            "id": "evt_1",
            "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_x"}},
        },
    )
    return WebhookEvent.objects.create(**{**defaults, **kw})


def test_only_staff_see_the_event_log(client, personas):
    client.force_login(personas.alice)
    response = client.get("/ops/stripe/events/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    staff = UserFactory(email="ops@example.com", is_staff=True)
    client.force_login(staff)
    assert client.get("/ops/stripe/events/").status_code == 200


def test_the_log_shows_failures_and_a_replay_settles_an_event_about_nothing_of_ours(client):
    failed = event(status="failed", attempts=3, last_error="APIConnectionError: down")
    event(event_id="evt_2", type="account.updated", object_id="acct_x", status="processed")
    client.force_login(UserFactory(email="ops@example.com", is_staff=True))
    page = client.get("/ops/stripe/events/?status=failed").content.decode()
    assert "evt_1" in page and "APIConnectionError: down" in page and "evt_2" not in page
    response = client.post(f"/ops/stripe/events/{failed.pk}/replay/")
    assert response.status_code == 302
    failed.refresh_from_db()
    # pi_x is no card payment of ours: the replay settles it as ignored, attempt 4.
    assert failed.status == "ignored" and failed.attempts == 4
    assert client.get(f"/ops/stripe/events/{failed.pk}/replay/").status_code == 405
    assert client.post("/ops/stripe/events/999999/replay/").status_code == 404
