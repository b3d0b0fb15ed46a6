"""Issue #10, item 10: "Send to client" emails the proposal (through the outbox, like an
invoice: the task gets ids and recomputes the link, an HMAC of the proposal and its
version); a draft can be edited on a page and through the API; the professional is told
of the client's answer by email and on the proposal's timeline."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from accounts.models import AuditEntry
from core.models import OutboxMessage
from engagements import services
from engagements.models import Engagement, Proposal
from engagements.tasks import proposal_answer_notify, proposal_email_deliver
from tests.factories import ClientFactory

LINK = re.compile(r"/p/([A-Za-z0-9_-]{20,})/")


@pytest.fixture
def proposal(personas) -> Proposal:
    client = ClientFactory(
        workspace=personas.a, name="Acme Ltd", currency="EUR", email="ap@acme.example"
    )
    with scope(workspace=personas.a):
        return services.proposal_create(
            workspace=personas.a,
            actor=personas.alice,
            client=client,
            title="Design system audit",
            scope="Audit the components.",
            valid_until=dt.date(2030, 1, 31),
            pay_model="hourly",
            hourly_rate=Decimal("120"),
            start_date=dt.date(2030, 2, 1),
        )


def ws_url(name, personas, proposal):
    return reverse(name, kwargs={"workspace": personas.a.slug, "pk": proposal.pk})


def reload(proposal) -> Proposal:
    with scopes_disabled():
        return Proposal.objects.select_related("engagement").get(pk=proposal.pk)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- Sending ---------------------------------------------------------------------------------
def test_send_to_client_emails_the_proposal_through_the_outbox(
    client, personas, proposal, django_capture_on_commit_callbacks, inline_tasks
):
    client.force_login(personas.alice)
    page = _text(client.get(ws_url("engagements:proposal_detail", personas, proposal)))
    assert "Send to client" in page and "Email proposal" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ws_url("engagements:proposal_send", personas, proposal), {})
    assert response.status_code == 302
    (email,) = mail.outbox
    assert email.to == ["ap@acme.example"]  # the client's address by default
    assert email.subject == "Proposal from Alice Studio: Design system audit"
    assert "Alice Studio via Portfolio" in email.from_email
    assert "Hourly rate: €120.00" in email.body
    token = LINK.search(email.body).group(1)
    assert client.get(f"/p/{token}/").status_code == 200
    # Ids only in the outbox: never the token.
    (message,) = OutboxMessage.objects.all()
    assert message.task == "engagements.tasks.proposal_email_deliver"
    assert set(message.kwargs) == {"workspace_id", "send_id"}
    assert token not in str(message.kwargs)
    # Delivered once, however often the task runs (the relay is at least once).
    assert proposal_email_deliver(**message.kwargs) is False
    assert len(mail.outbox) == 1
    detail = _text(client.get(ws_url("engagements:proposal_detail", personas, proposal)))
    assert "Sent" in detail and "to ap@acme.example" in detail and "Email delivered" in detail
    assert (
        token
        in client.get(ws_url("engagements:proposal_detail", personas, proposal)).content.decode()
    )


def test_a_send_whose_link_was_replaced_before_delivery_is_dropped(personas, proposal):
    with scope(workspace=personas.a):
        services.proposal_send(proposal=proposal, actor=personas.alice)
        services.proposal_send(proposal=reload(proposal), actor=personas.alice, new_link=True)
    with scopes_disabled():
        first, second = AuditEntry.objects.filter(action="proposal.send").order_by("pk")
    assert proposal_email_deliver(workspace_id=personas.a.pk, send_id=first.pk) is False
    assert proposal_email_deliver(workspace_id=personas.a.pk, send_id=second.pk) is True
    (email,) = mail.outbox
    with scope(workspace=personas.a):
        assert services.proposal_link_current(reload(proposal)) in email.body
    # Another workspace's task cannot deliver A's send.
    assert proposal_email_deliver(workspace_id=personas.b.pk, send_id=second.pk) is False


def test_bad_recipients_are_a_form_error_not_a_send(client, personas, proposal):
    client.force_login(personas.alice)
    response = client.post(
        ws_url("engagements:proposal_send", personas, proposal), {"to": "not-an-address"}
    )
    assert response.status_code == 400
    assert "is not an email address" in response.content.decode()
    assert reload(proposal).status == Proposal.Status.DRAFT
    assert not OutboxMessage.objects.exists()


# --- Editing a draft -------------------------------------------------------------------------
def test_a_draft_is_edited_on_its_page(client, personas, proposal):
    client.force_login(personas.alice)
    url = ws_url("engagements:proposal_edit", personas, proposal)
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert "Edit draft" in html and 'value="Design system audit"' in html
    assert 'value="120.0000"' in html or 'value="120"' in html or 'value="120.00"' in html
    response = client.post(
        url,
        {
            "client": proposal.engagement.client_id,
            "title": "Design system audit and plan",
            "scope": "Audit, then a plan.",
            "valid_until": "2030-02-15",
            "pay_model": "retainer",
            "start_date": "2030-03-01",
            "retainer_fee": "3000",
            "retainer_included_hours": "20",
            "retainer_overage_rate": "150",
            "billing_day": "1",
            "hourly_rate": "999",  # another pay model's term: dropped
        },
    )
    assert response.status_code == 302, _text(response)
    proposal = reload(proposal)
    assert (proposal.title, proposal.scope) == (
        "Design system audit and plan",
        "Audit, then a plan.",
    )
    assert proposal.valid_until == dt.date(2030, 2, 15)
    engagement = proposal.engagement
    assert engagement.name == "Design system audit and plan"
    assert engagement.pay_model == "retainer" and engagement.retainer_fee == 3000
    assert engagement.hourly_rate is None and engagement.start_date == dt.date(2030, 3, 1)
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="proposal.update").count() == 1


def test_an_edit_with_missing_terms_is_a_400_and_changes_nothing(client, personas, proposal):
    client.force_login(personas.alice)
    response = client.post(
        ws_url("engagements:proposal_edit", personas, proposal),
        {
            "client": proposal.engagement.client_id,
            "title": "Changed",
            "scope": "Changed",
            "pay_model": "retainer",
            "start_date": "2030-03-01",
        },
    )
    assert response.status_code == 400
    assert "Required for this pay model" in response.content.decode()
    assert reload(proposal).title == "Design system audit"
    with scopes_disabled():
        assert Engagement.objects.get(pk=proposal.engagement_id).pay_model == "hourly"


def test_a_sent_proposal_cannot_be_edited(client, personas, proposal):
    with scope(workspace=personas.a):
        services.proposal_send(proposal=proposal, actor=personas.alice)
    client.force_login(personas.alice)
    detail = client.get(ws_url("engagements:proposal_detail", personas, proposal))
    assert "Edit draft" not in detail.content.decode()
    url = ws_url("engagements:proposal_edit", personas, proposal)
    response = client.post(url, {"title": "Sneaky", "scope": "x"}, follow=True)
    assert "Only a draft can be edited" in response.content.decode()
    assert reload(proposal).title == "Design system audit"


# --- The client's answer reaches the professional ---------------------------------------------
@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_the_professional_is_emailed_the_answer_and_sees_it(
    client, personas, proposal, answer, django_capture_on_commit_callbacks, inline_tasks
):
    with scope(workspace=personas.a):
        _, token = services.proposal_send(proposal=proposal, actor=personas.alice)
    mail.outbox.clear()
    body = (
        {"answer": "accept", "name": "Dana Client", "email": "dana@acme.example"}
        if answer == "accept"
        else {"answer": "decline", "reason": "Budget is frozen until Q3."}
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/p/{token}/", body).status_code == 302
    (email,) = mail.outbox
    assert email.to == [personas.alice.email]  # who wrote the proposal
    if answer == "accept":
        assert email.subject == "[Portfolio] Acme Ltd accepted “Design system audit”"
        assert "Accepted by Dana Client (dana@acme.example)" in email.body
        assert "is now active" in email.body
    else:
        assert email.subject == "[Portfolio] Acme Ltd declined “Design system audit”"
        assert "Budget is frozen until Q3." in email.body
    assert f"/w/{personas.a.slug}/proposals/{proposal.pk}/" in email.body
    # Once, however often the task runs.
    (message,) = OutboxMessage.objects.filter(task="engagements.tasks.proposal_answer_notify")
    assert proposal_answer_notify(**message.kwargs) is False
    assert len(mail.outbox) == 1

    client.force_login(personas.alice)
    page = _text(client.get(ws_url("engagements:proposal_detail", personas, proposal)))
    assert f"You were emailed the answer {personas.alice.email}" in re.sub(
        r"[A-Z][a-z]{2} \d+, \d{4}, \d\d:\d\d ", "", page
    )
    if answer == "accept":
        assert "Accepted by Dana Client (dana@acme.example)" in page and "is now active" in page
    else:
        assert "Declined on" in page and "Budget is frozen until Q3." in page
