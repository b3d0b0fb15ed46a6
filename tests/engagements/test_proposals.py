"""Proposals: the services, the workspace pages, and the client's public page at /p/<token>/
(states, the one-time link, token rotation, tenancy and the rate limit)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.ratelimit import PUBLIC_RATE_LIMIT
from engagements import services
from engagements.models import Engagement, EngagementStatus, Proposal
from engagements.proposal_terms import terms_in_words
from tests.factories import ClientFactory

LINK = re.compile(r"/p/([A-Za-z0-9_-]{20,})/")


def make_proposal(personas, *, valid_until=None, **terms) -> Proposal:
    client = ClientFactory(workspace=personas.a, name="Acme Ltd", currency="EUR")
    terms = terms or {
        "pay_model": "hourly",
        "hourly_rate": Decimal("120"),
        "weekly_hour_cap": Decimal("10"),
        "start_date": dt.date(2030, 1, 7),
    }
    with scope(workspace=personas.a):
        return services.proposal_create(
            workspace=personas.a,
            actor=personas.alice,
            client=client,
            title="Design system audit",
            scope="Audit the components.\nNot included: implementation.",
            valid_until=valid_until,
            **terms,
        )


def send(personas, proposal) -> str:
    with scope(workspace=personas.a):
        _, token = services.proposal_send(proposal=proposal, actor=personas.alice)
    return token


def reload(proposal) -> Proposal:
    with scopes_disabled():
        return Proposal.objects.select_related("engagement").get(pk=proposal.pk)


def ws_url(name, personas, **kwargs):
    return reverse(name, kwargs={"workspace": personas.a.slug, **kwargs})


# --- services -----------------------------------------------------------------------------
def test_create_proposes_an_engagement_and_accept_activates_it(personas):
    proposal = make_proposal(personas)
    assert proposal.status == Proposal.Status.DRAFT
    assert proposal.engagement.status == EngagementStatus.PROPOSED
    assert proposal.engagement.currency == "EUR"  # the client's
    token = send(personas, proposal)
    assert services.proposal_from_token(token=token).pk == proposal.pk
    assert reload(proposal).token_hash != token  # only the hash is stored
    with scope(workspace=personas.a):
        services.proposal_respond(
            proposal=reload(proposal), accept=True, name="Dana Client", email="dana@acme.example"
        )
        proposal = reload(proposal)
        assert proposal.status == Proposal.Status.ACCEPTED
        assert proposal.engagement.status == EngagementStatus.ACTIVE
        # A repeated click is harmless; declining after accepting is refused.
        services.proposal_respond(proposal=proposal, accept=True, name="Dana Client")
        with pytest.raises(ValidationError):
            services.proposal_respond(proposal=proposal, accept=False, name="")


def test_terms_in_plain_words(personas):
    proposal = make_proposal(personas)
    words = " ".join(terms_in_words(proposal.engagement))
    assert "€120.00 per hour" in words
    assert "At most 10 hours a week" in words


def test_retainer_and_revenue_share_terms_read_plainly(personas):
    ClientFactory(workspace=personas.a, name="Other")
    with scope(workspace=personas.a):
        engagement = Engagement(
            workspace=personas.a,
            pay_model="retainer",
            currency="USD",
            retainer_fee=Decimal("3000"),
            retainer_included_hours=Decimal("20"),
            retainer_overage_rate=Decimal("150"),
            billing_day=1,
            rollover_cap_hours=Decimal("10"),
            rollover_expiry_months=2,
        )
        words = " ".join(terms_in_words(engagement))
        assert "$3,000.00 a month" in words and "20 hours" in words
        assert "up to 10 hours, expiring after 2 months" in words
        share = Engagement(
            workspace=personas.a,
            pay_model="revenue_share",
            currency="USD",
            revenue_share_percent=Decimal("7.5"),
            revenue_period="quarterly",
            revenue_share_floor=Decimal("500"),
        )
        words = " ".join(terms_in_words(share))
        assert "7.5% of the revenue you report, quarterly" in words
        assert "At least $500.00" in words


# --- workspace pages ------------------------------------------------------------------------
def test_create_page_makes_a_draft_with_only_the_chosen_models_terms(client, personas):
    acme = ClientFactory(workspace=personas.a, name="Acme Ltd")
    client.force_login(personas.bob)
    response = client.post(
        ws_url("engagements:proposal_create", personas),
        {
            "client": acme.pk,
            "title": "Discovery sprint",
            "scope": "Two weeks of interviews.",
            "valid_until": "2030-02-01",
            "pay_model": "hourly",
            "hourly_rate": "95",
            "weekly_hour_cap": "12",
            "retainer_fee": "999",  # another model's term: dropped
            "start_date": "2030-01-07",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    with scopes_disabled():
        proposal = Proposal.objects.select_related("engagement").get(title="Discovery sprint")
    assert proposal.engagement.hourly_rate == Decimal("95")
    assert proposal.engagement.retainer_fee is None
    assert proposal.engagement.currency == "USD"
    assert response["Location"] == ws_url("engagements:proposal_detail", personas, pk=proposal.pk)


def test_create_page_reports_missing_terms_and_offers_only_own_clients(client, personas):
    mine = ClientFactory(workspace=personas.a, name="Mine Ltd")
    theirs = ClientFactory(workspace=personas.b, name="Theirs Ltd")
    client.force_login(personas.alice)
    page = client.get(ws_url("engagements:proposal_create", personas))
    assert "Mine Ltd" in page.content.decode() and "Theirs Ltd" not in page.content.decode()
    response = client.post(
        ws_url("engagements:proposal_create", personas),
        {
            "client": theirs.pk,
            "title": "X",
            "scope": "Y",
            "pay_model": "retainer",
            "start_date": "2030-01-01",
        },
    )
    assert response.status_code == 200
    assert "client" in response.context["form"].errors
    response = client.post(
        ws_url("engagements:proposal_create", personas),
        {
            "client": mine.pk,
            "title": "X",
            "scope": "Y",
            "pay_model": "retainer",
            "start_date": "2030-01-01",
        },
    )
    assert response.status_code == 200
    assert "retainer_fee" in response.context["form"].errors  # from the service
    with scopes_disabled():
        assert not Proposal.objects.exists()
        assert not Engagement.objects.exists()  # nothing half-created


def test_send_emails_the_link_then_public_page_accept_activates(
    client, personas, django_capture_on_commit_callbacks, inline_tasks
):
    proposal = make_proposal(personas, valid_until=timezone.localdate() + dt.timedelta(days=14))
    client.force_login(personas.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ws_url("engagements:proposal_send", personas, pk=proposal.pk),
            {"to": "dana@acme.example", "message": "As discussed on Tuesday."},
        )
    assert response.status_code == 302
    (email,) = mail.outbox
    assert email.to == ["dana@acme.example"] and "Design system audit" in email.subject
    assert "As discussed on Tuesday." in email.body and "€120.00" in email.body
    assert email.reply_to == [personas.alice.email]
    token = LINK.search(email.body).group(1)
    assert LINK.search(email.alternatives[0][0]).group(1) == token
    # The link is an HMAC of the proposal and its version: the page can show it again.
    detail = client.get(
        ws_url("engagements:proposal_detail", personas, pk=proposal.pk)
    ).content.decode()
    assert token in detail and "to dana@acme.example" in detail and "Email delivered" in detail

    public = client.__class__()  # the client: no session
    page = public.get(f"/p/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "Alice Studio",
        "Acme Ltd",
        "Design system audit",
        "€120.00 per hour",
        "Not included: implementation.",
    ):
        assert text in html
    assert "/w/" not in html and "/proposals/" not in html  # no way into the app
    assert page["X-Robots-Tag"].startswith("noindex") and page["Referrer-Policy"] == "same-origin"
    assert reload(proposal).viewed_at is not None

    bad = public.post(f"/p/{token}/", {"answer": "accept", "name": "", "email": ""})
    assert bad.status_code == 400 and "Type your full name" in bad.content.decode()
    done = public.post(
        f"/p/{token}/", {"answer": "accept", "name": "Dana Client", "email": "dana@acme.example"}
    )
    assert done.status_code == 302
    proposal = reload(proposal)
    assert proposal.status == Proposal.Status.ACCEPTED and proposal.accepted_name == "Dana Client"
    assert proposal.engagement.status == EngagementStatus.ACTIVE
    after = public.get(f"/p/{token}/").content.decode()
    assert "Accepted by Dana Client" in after and 'name="answer"' not in after
    # The professional's timeline shows each step.
    detail = client.get(
        ws_url("engagements:proposal_detail", personas, pk=proposal.pk)
    ).content.decode()
    for step in ("Created", "Sent", "Opened by the client", "Accepted", "by Dana Client"):
        assert step in detail


def test_decline_with_a_reason(client, personas):
    proposal = make_proposal(personas)
    token = send(personas, proposal)
    response = client.post(f"/p/{token}/", {"answer": "decline", "reason": "Budget is frozen."})
    assert response.status_code == 302
    proposal = reload(proposal)
    assert proposal.status == Proposal.Status.DECLINED
    assert proposal.decline_reason == "Budget is frozen."
    assert proposal.engagement.status == EngagementStatus.PROPOSED
    html = client.get(f"/p/{token}/").content.decode()
    assert "Declined" in html and "Budget is frozen." in html


def test_withdrawn_proposal_says_so_and_cannot_be_accepted(client, personas):
    proposal = make_proposal(personas)
    token = send(personas, proposal)
    client.force_login(personas.alice)
    response = client.post(ws_url("engagements:proposal_withdraw", personas, pk=proposal.pk))
    assert response.status_code == 302
    client.logout()
    html = client.get(f"/p/{token}/").content.decode()
    assert "has withdrawn this proposal" in html and 'name="answer"' not in html
    response = client.post(f"/p/{token}/", {"answer": "accept", "name": "Dana", "email": "d@x.io"})
    assert response.status_code == 400
    assert reload(proposal).status == Proposal.Status.WITHDRAWN
    assert reload(proposal).engagement.status == EngagementStatus.ENDED


def test_expired_proposal_is_shown_as_expired_and_refuses_answers(client, personas):
    proposal = make_proposal(personas, valid_until=timezone.localdate() - dt.timedelta(days=1))
    token = send(personas, proposal)
    html = client.get(f"/p/{token}/").content.decode()
    assert "Expired" in html and "can no longer be accepted" in html
    assert reload(proposal).viewed_at is None  # an expired page is not "opened"
    response = client.post(f"/p/{token}/", {"answer": "accept", "name": "Dana", "email": "d@x.io"})
    assert response.status_code == 400
    assert reload(proposal).status == Proposal.Status.SENT


@pytest.mark.parametrize("token", ["nope", "x" * 43, "%20"])
def test_bad_token_is_404(client, personas, token):
    make_proposal(personas)
    assert client.get(f"/p/{token}/").status_code == 404


def test_sending_again_keeps_the_link_unless_a_new_one_is_asked_for(client, personas):
    proposal = make_proposal(personas)
    first = send(personas, proposal)
    assert send(personas, reload(proposal)) == first
    with scope(workspace=personas.a):
        _, second = services.proposal_send(
            proposal=reload(proposal), actor=personas.alice, new_link=True
        )
    assert second != first
    assert client.get(f"/p/{first}/").status_code == 404
    assert client.post(f"/p/{first}/", {"answer": "decline"}).status_code == 404
    assert client.get(f"/p/{second}/").status_code == 200


def test_a_link_from_before_versions_keeps_working_until_replaced(client, personas):
    """Links issued before the HMAC were random tokens: only their hash is stored, so
    they cannot be shown again, but they work until the next send issues a new one."""
    from core.tokens import hash_token

    proposal = make_proposal(personas)
    send(personas, proposal)
    with scopes_disabled():
        Proposal.objects.filter(pk=proposal.pk).update(
            token_hash=hash_token("legacy-random-token-0123456789"), link_version=0
        )
    assert client.get("/p/legacy-random-token-0123456789/").status_code == 200
    fresh = send(personas, reload(proposal))
    assert client.get("/p/legacy-random-token-0123456789/").status_code == 404
    assert client.get(f"/p/{fresh}/").status_code == 200


def test_a_member_opening_the_link_is_not_counted_as_viewed(client, personas):
    proposal = make_proposal(personas)
    token = send(personas, proposal)
    client.force_login(personas.bob)
    html = client.get(f"/p/{token}/").content.decode()
    assert "this is how your client sees the proposal" in html
    assert reload(proposal).viewed_at is None
    # The signed-in layout of the app is not used: no workspace switcher, no dashboard.
    assert "/w/" not in html


def test_a_proposal_of_a_is_never_reachable_from_b(client, personas):
    proposal = make_proposal(personas)
    client.force_login(personas.charlie)
    for name in (
        "engagements:proposal_detail",
        "engagements:proposal_edit",
        "engagements:proposal_send",
        "engagements:proposal_withdraw",
    ):
        for slug in (personas.a.slug, personas.b.slug):
            url = reverse(name, kwargs={"workspace": slug, "pk": proposal.pk})
            assert client.get(url).status_code in (404, 405)
            assert client.post(url).status_code == 404
    assert reload(proposal).status == Proposal.Status.DRAFT
    listing = client.get(
        reverse("engagements:proposal_list", kwargs={"workspace": personas.b.slug})
    )
    assert "Design system audit" not in listing.content.decode()


def test_read_only_role_cannot_send_or_withdraw(client, personas):
    proposal = make_proposal(personas)
    client.force_login(personas.andy)  # accountant
    assert (
        client.get(ws_url("engagements:proposal_detail", personas, pk=proposal.pk)).status_code
        == 200
    )
    assert (
        client.post(ws_url("engagements:proposal_send", personas, pk=proposal.pk)).status_code
        == 403
    )
    assert (
        client.post(ws_url("engagements:proposal_withdraw", personas, pk=proposal.pk)).status_code
        == 403
    )
    for method in (client.get, client.post):
        edit = method(ws_url("engagements:proposal_edit", personas, pk=proposal.pk))
        assert edit.status_code == 403
    assert client.get(ws_url("engagements:proposal_create", personas)).status_code == 403
    assert reload(proposal).status == Proposal.Status.DRAFT


def test_public_page_is_rate_limited_per_address(client, personas, one_rate_window):
    proposal = make_proposal(personas)
    token = send(personas, proposal)
    for _ in range(PUBLIC_RATE_LIMIT):
        assert client.get(f"/p/{token}/", REMOTE_ADDR="203.0.113.7").status_code == 200
    limited = client.get(f"/p/{token}/", REMOTE_ADDR="203.0.113.7")
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    # Guessing tokens counts too, and the limit is per address.
    assert client.get("/p/guess/", REMOTE_ADDR="203.0.113.7").status_code == 429
    assert client.get(f"/p/{token}/", REMOTE_ADDR="198.51.100.9").status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_list_costs_the_same_queries_for_any_number_of_rows(
    client, personas, django_assert_max_num_queries, rows
):
    for i in range(rows):
        ClientFactory(workspace=personas.a, name=f"Client {i}")
    with scopes_disabled():
        clients = list(personas.a.clients.all())
    with scope(workspace=personas.a):
        for i, c in enumerate(clients):
            services.proposal_create(
                workspace=personas.a,
                actor=personas.alice,
                client=c,
                title=f"P{i}",
                scope="S",
                pay_model="fixed_fee",
                start_date=dt.date(2030, 1, 1),
            )
    client.force_login(personas.alice)
    # session, user, workspace, membership (middleware), membership for the switcher, the
    # switcher's workspaces, count, page of proposals with engagement and client joined
    with django_assert_max_num_queries(10):
        response = client.get(ws_url("engagements:proposal_list", personas))
    assert response.status_code == 200
    assert response.content.decode().count("pp-status-draft") == rows
