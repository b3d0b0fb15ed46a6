"""The invoicing API for reminder rules, the late-fee policy and recurring schedules."""

from __future__ import annotations

from tests.api import attrs, url
from tests.factories import ClientFactory
from tests.invoicing.api_helpers import codes, count


# --- Reminder rules and recurring schedules ------------------------------------------------
def test_reminder_rules_crud(bob):
    created = bob.post(url("reminder-rules"), {"days_from_due": -3})
    assert created.status_code == 201, created.json()
    assert created.json()["label"] == "3 days before due"
    pk = created.json()["id"]
    twice = bob.post(url("reminder-rules"), {"days_from_due": -3})
    assert attrs(twice) == {"non_field_errors"}  # the model's one-rule-per-day constraint
    assert "already exists" in twice.json()["errors"][0]["detail"]
    assert attrs(bob.post(url("reminder-rules"), {"days_from_due": 999})) == {"days_from_due"}
    paused = bob.patch(url("reminder-rules", pk), {"active": False})
    assert paused.status_code == 200 and paused.json()["active"] is False
    assert paused.json()["days_from_due"] == -3
    assert bob.delete(url("reminder-rules", pk)).status_code == 204
    assert bob.get(url("reminder-rules")).json()["results"] == []


def test_recurring_schedule_crud_pause_resume(bob, acme, vat):
    body = {
        "name": "Support retainer",
        "client": acme.pk,
        "start_date": "2030-01-01",
        "lines": [{"description": "Support", "unit_price": "500", "tax_rate_id": vat.pk}],
    }
    created = bob.post(url("recurring-schedules"), body, format="json")
    assert created.status_code == 201, created.json()
    schedule = created.json()
    assert (schedule["currency"], schedule["next_run"], schedule["active"]) == (
        "USD",
        "2030-01-01",
        True,
    )
    assert schedule["lines"][0]["unit_price"] == "500.0000"
    pk = schedule["id"]
    edited = bob.patch(url("recurring-schedules", pk), {"interval": "quarterly"}, format="json")
    assert edited.status_code == 200, edited.json()
    assert (edited.json()["interval"], edited.json()["name"]) == ("quarterly", "Support retainer")
    paused = bob.post(url("recurring-schedules", pk, "pause"))
    assert paused.status_code == 200 and paused.json()["active"] is False
    resumed = bob.post(url("recurring-schedules", pk, "resume"))
    assert resumed.status_code == 200 and resumed.json()["active"] is True
    assert bob.delete(url("recurring-schedules", pk)).status_code == 204


def test_recurring_schedule_bad_input_saves_nothing(bob, acme, hourly, personas, theirs):
    from invoicing.models import RecurringSchedule

    base = {"name": "R", "client": acme.pk, "start_date": "2030-01-01"}
    assert attrs(bob.post(url("recurring-schedules"), base, format="json")) == {"lines"}
    backwards = {
        **base,
        "end_date": "2029-01-01",
        "lines": [{"description": "x", "unit_price": "1"}],
    }
    assert attrs(bob.post(url("recurring-schedules"), backwards, format="json")) == {"end_date"}
    other = ClientFactory(workspace=personas.a)
    wrong = {**base, "client": other.pk, "engagement": hourly.pk}
    assert attrs(bob.post(url("recurring-schedules"), wrong, format="json")) == {"engagement"}
    foreign = {
        **base,
        "client": theirs["client"].pk,
        "lines": [{"description": "x", "unit_price": "1"}],
    }
    response = bob.post(url("recurring-schedules"), foreign, format="json")
    assert attrs(response) == {"client"} and codes(response) == {"does_not_exist"}
    foreign_tax = {
        **base,
        "lines": [{"description": "x", "unit_price": "1", "tax_rate_id": theirs["tax_rate"].pk}],
    }
    assert attrs(bob.post(url("recurring-schedules"), foreign_tax, format="json")) == {"lines"}
    assert count(RecurringSchedule) == 0


def test_api_late_fee_policy_is_for_managers(api_as, personas):
    response = api_as(personas.bob).post(
        "/api/v1/workspaces/alice-studio/late-fee-policy/", {"kind": "none"}, format="json"
    )
    assert response.status_code == 403
