"""The engagements API for proposals: create with the engagement they propose, change a
draft (PATCH), send (emailed; a fixed fee needs its milestones first), withdraw, and bad
terms saving nothing."""

from __future__ import annotations

from django_scopes import scopes_disabled

from core.tokens import hash_token
from engagements.models import Engagement, EngagementStatus, Proposal
from tests.api import attrs, url
from tests.engagements.api_helpers import count, detail


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

    # A fixed fee is its milestones: without one the client would see no price.
    unpriced = bob.post(url("proposals", body["id"], "send"))
    assert "milestones" in detail(unpriced) and unpriced.status_code == 400
    milestone = {"engagement": engagement.pk, "title": "Design", "amount": "4000"}
    assert bob.post(url("milestones"), milestone).status_code == 201

    sent = bob.post(url("proposals", body["id"], "send"), {"to": ["cto@acme.example"]})
    assert sent.status_code == 200, sent.json()
    link = sent.json()["url"]
    assert link.startswith("http://testserver/p/") and sent.json()["proposal"]["status"] == "sent"
    token = link.rstrip("/").rsplit("/", 1)[1]
    with scopes_disabled():
        assert Proposal.objects.get(pk=body["id"]).token_hash == hash_token(token)
    assert client.get(link.removeprefix("http://testserver")).status_code == 200  # it opens
    # The link is a credential: the proposal's representation does not carry it.
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


def test_a_draft_is_changed_by_patch_and_a_sent_one_is_not(bob, acme):
    created = bob.post(
        url("proposals"),
        {
            "client": acme.pk,
            "title": "Audit",
            "scope": "Look.",
            "pay_model": "hourly",
            "hourly_rate": "100",
            "start_date": "2030-02-01",
        },
    ).json()
    changed = bob.patch(
        url("proposals", created["id"]),
        {"title": "Accessibility audit", "hourly_rate": "125", "valid_until": "2030-03-01"},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["title"] == "Accessibility audit"
    assert changed.json()["valid_until"] == "2030-03-01" and changed.json()["scope"] == "Look."
    with scopes_disabled():
        engagement = Engagement.objects.get(pk=created["engagement"])
    assert engagement.hourly_rate == 125 and engagement.name == "Accessibility audit"
    # Bad terms are a field error and change nothing.
    bad = bob.patch(url("proposals", created["id"]), {"hourly_rate": None}, format="json")
    assert bad.status_code == 400 and attrs(bad) == {"hourly_rate"}

    assert bob.post(url("proposals", created["id"], "send")).status_code == 200
    refused = bob.patch(url("proposals", created["id"]), {"title": "Later"}, format="json")
    assert refused.status_code == 400 and "draft" in detail(refused)
    assert bob.get(url("proposals", created["id"])).json()["title"] == "Accessibility audit"
    assert bob.put(url("proposals", created["id"]), {"title": "x"}).status_code == 405
