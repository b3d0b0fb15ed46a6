"""The engagements API across workspaces and roles: related ids of another workspace are
refused as "does not exist", and accountants are read-only on every resource. (Cross-tenant
404s for every route are in tests/test_cross_tenant.py.)"""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from engagements.models import Client, Contact, Engagement, Proposal, TimeEntry
from tests.api import attrs, url
from tests.factories import (
    BlockedTimeFactory,
    ContactFactory,
    ExpenseFactory,
    MilestoneFactory,
    OutcomeFactory,
    ProposalFactory,
    RevenueReportFactory,
    TimeEntryFactory,
)

THEIRS = "/api/v1/workspaces/charlie-works"


# --- Across workspaces and roles -----------------------------------------------------------
NEW_ENGAGEMENT = {"pay_model": "fixed_fee", "start_date": "2025-01-01"}
NEW_REPORT = {
    "period_start": "2025-01-01",
    "period_end": "2025-01-31",
    "revenue": "1",
    "reported_by": "x",
    "reported_at": "2025-02-01",
}


@pytest.mark.parametrize(
    ("resource", "field", "body"),
    [
        ("contacts", "client", {"name": "Spy"}),
        ("engagements", "client", {"name": "E", **NEW_ENGAGEMENT}),
        ("proposals", "client", {"title": "P", "scope": "S", **NEW_ENGAGEMENT}),
        ("time-entries", "engagement", {"date": "2025-01-06", "minutes": 30}),
        ("milestones", "engagement", {"title": "M", "amount": "1"}),
        ("outcomes", "engagement", {"description": "O", "fee": "1"}),
        ("revenue-reports", "engagement", NEW_REPORT),
        ("expenses", "engagement", {"date": "2025-01-06", "amount": "1", "category": "x"}),
    ],
)
def test_a_related_id_of_another_workspace_does_not_exist(bob, theirs, resource, field, body):
    foreign = theirs.client_id if field == "client" else theirs.pk
    response = bob.post(url(resource), {**body, field: foreign}, format="json")
    assert attrs(response) == {field}
    assert response.json()["errors"][0]["code"] == "does_not_exist"
    with scopes_disabled():
        assert Engagement.objects.count() == 1  # charlie's, nothing new
        assert not TimeEntry.objects.exists() and not Contact.objects.exists()


def test_patching_in_another_workspaces_id_does_not_exist(bob, hourly, theirs, personas):
    entry = TimeEntryFactory(engagement=hourly, user=personas.bob)
    moved = bob.patch(url("time-entries", entry.pk), {"engagement": theirs.pk})
    assert attrs(moved) == {"engagement"}
    assert attrs(bob.patch(url("engagements", hourly.pk), {"client": theirs.client_id})) == {
        "client"
    }
    hourly.refresh_from_db()
    assert hourly.client.workspace.slug == "alice-studio"


@pytest.fixture
def records(personas, acme, hourly, media):
    return {
        "client": acme,
        "contact": ContactFactory(client=acme),
        "engagement": hourly,
        "time_entry": TimeEntryFactory(engagement=hourly),
        "milestone": MilestoneFactory(engagement__client=acme),
        "outcome": OutcomeFactory(engagement__client=acme),
        "revenue_report": RevenueReportFactory(engagement__client=acme),
        "expense": ExpenseFactory(engagement=hourly),
        "proposal": ProposalFactory(engagement__client=acme),
        "blocked_time": BlockedTimeFactory(workspace=personas.a, user=personas.andy),
    }


ACCOUNTANT_WRITES = [
    ("post", "clients", None, None),
    ("post", "clients", "client", "archive"),
    ("delete", "clients", "client", None),
    ("post", "contacts", None, None),
    ("patch", "contacts", "contact", None),
    ("delete", "contacts", "contact", None),
    ("post", "engagements", None, None),
    ("patch", "engagements", "engagement", None),
    ("post", "time-entries", None, None),
    ("patch", "time-entries", "time_entry", None),
    ("delete", "time-entries", "time_entry", None),
    ("post", "milestones", None, None),
    ("post", "milestones", "milestone", "deliver"),
    ("delete", "milestones", "milestone", None),
    ("post", "outcomes", "outcome", "accept"),
    ("patch", "revenue-reports", "revenue_report", None),
    ("post", "expenses", None, None),
    ("delete", "expenses", "expense", None),
    ("post", "proposals", None, None),
    ("post", "proposals", "proposal", "send"),
    ("post", "proposals", "proposal", "withdraw"),
    ("post", "availability", None, None),
    ("post", "blocked-time", None, None),
    ("patch", "blocked-time", "blocked_time", None),
    ("delete", "blocked-time", "blocked_time", None),
]


@pytest.mark.parametrize(("method", "resource", "obj", "action"), ACCOUNTANT_WRITES)
def test_accountant_is_read_only(api_as, personas, records, method, resource, obj, action):
    andy = api_as(personas.andy)
    pk = records[obj].pk if obj else None
    with scopes_disabled():
        before = {m: m.objects.count() for m in (Client, Engagement, TimeEntry, Proposal)}
    response = getattr(andy, method)(url(resource, pk, action), {"name": "x"}, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["errors"][0]["code"] == "permission_denied"
    with scopes_disabled():
        assert {m: m.objects.count() for m in before} == before
        assert Proposal.objects.get(pk=records["proposal"].pk).status == "draft"
    # Reading is fine.
    assert andy.get(url(resource, pk) if obj else url(resource)).status_code == 200


def test_accountant_reads_unbilled_and_capacity(api_as, personas, hourly):
    andy = api_as(personas.andy)
    assert andy.get(url("engagements", hourly.pk, "unbilled")).status_code == 200
    assert andy.get(url("capacity"), {"weeks": 2}).status_code == 200
