"""The engagements API for proposals: create with the engagement they propose, send (the link
shown once), withdraw, and bad terms saving nothing."""

from __future__ import annotations

from django_scopes import scopes_disabled

from core.tokens import hash_token
from engagements.models import Engagement, EngagementStatus, Proposal
from tests.api import attrs, url
from tests.engagements.api_helpers import count


# --- Proposals -----------------------------------------------------------------------------
def test_proposal_create_send_withdraw(bob, acme, client):
    created = bob.post(
        url("proposals"),
        {
            "client": acme.pk,
            "title": "Website rebuild",
            "scope": "Design and build; no hosting.",
            "valid_until": "2030-01-31",
            "pay_model": "fixed_fee",
            "start_date": "2030-02-01",
            "estimated_hours_per_week": "15",
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["client"] == acme.pk
    assert body["pay_model"] == "fixed_fee"
    with scopes_disabled():
        engagement = Engagement.objects.get(pk=body["engagement"])
    assert engagement.status == EngagementStatus.PROPOSED
    assert engagement.name == "Website rebuild" and engagement.currency == "EUR"

    sent = bob.post(url("proposals", body["id"], "send"))
    assert sent.status_code == 200, sent.json()
    link = sent.json()["url"]
    assert link.startswith("http://testserver/p/") and sent.json()["proposal"]["status"] == "sent"
    token = link.rstrip("/").rsplit("/", 1)[1]
    with scopes_disabled():
        assert Proposal.objects.get(pk=body["id"]).token_hash == hash_token(token)
    assert client.get(link.removeprefix("http://testserver")).status_code == 200  # it opens
    # The link is shown once: reading the proposal never shows it again.
    assert "url" not in bob.get(url("proposals", body["id"])).json()
    assert token not in bob.get(url("proposals", body["id"])).content.decode()

    listed = bob.get(url("proposals"), {"client": acme.pk, "status": "sent"}).json()
    assert [p["id"] for p in listed["results"]] == [body["id"]]

    withdrawn = bob.post(url("proposals", body["id"], "withdraw"))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.ENDED
    again = bob.post(url("proposals", body["id"], "withdraw"))
    assert attrs(again) == {"non_field_errors"}
    assert attrs(bob.post(url("proposals", body["id"], "send"))) == {"non_field_errors"}


def test_proposal_bad_terms_save_nothing(bob, acme):
    response = bob.post(
        url("proposals"),
        {
            "client": acme.pk,
            "title": "Retainer",
            "scope": "Ongoing",
            "pay_model": "retainer",
            "start_date": "2030-02-01",
        },
    )
    assert attrs(response) == {
        "retainer_fee",
        "retainer_included_hours",
        "retainer_overage_rate",
        "billing_day",
    }
    assert attrs(bob.post(url("proposals"), {"client": acme.pk})) >= {
        "title",
        "scope",
        "pay_model",
        "start_date",
    }
    assert count(Proposal) == 0 and count(Engagement) == 0
