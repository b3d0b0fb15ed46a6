"""The engagements API: each resource's happy paths, 400s with the field named and nothing
saved, related ids of another workspace refused as "does not exist", accountants
read-only, invoiced records frozen, and list query counts that do not grow with rows.
(Cross-tenant 404s for every route are in tests/test_tenancy.py; billing arithmetic is in
test_billing.py — here only that the endpoints expose it.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from core.tokens import hash_token
from engagements.models import (
    Availability,
    BillingClaim,
    BlockedTime,
    Client,
    Contact,
    Engagement,
    EngagementStatus,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    Proposal,
    RevenueReport,
    TimeEntry,
)
from tests.api import attrs, url
from tests.factories import (
    AvailabilityFactory,
    BlockedTimeFactory,
    ClientFactory,
    ContactFactory,
    EngagementFactory,
    ExpenseFactory,
    MilestoneFactory,
    OutcomeFactory,
    ProposalFactory,
    RetainerEngagementFactory,
    RevenueReportFactory,
    TimeEntryFactory,
)

THEIRS = "/api/v1/workspaces/charlie-works"


def detail(response) -> str:
    return " ".join(error["detail"] for error in response.json()["errors"])


def count(model, **lookup) -> int:
    with scopes_disabled():
        return model.objects.filter(**lookup).count()


def claim(record, kind: str) -> BillingClaim:
    """Mark a record invoiced, as the invoicing app's claim would."""
    with scopes_disabled():
        return BillingClaim.objects.create(
            workspace=record.workspace,
            engagement=record.engagement,
            kind=kind,
            source_id=record.pk,
            amount=Decimal("1"),
            currency="USD",
            claimed_for="INV-0001",
        )


@pytest.fixture
def bob(api_as, personas):
    return api_as(personas.bob)


@pytest.fixture
def acme(personas):
    return ClientFactory(workspace=personas.a, name="Acme", currency="EUR")


@pytest.fixture
def hourly(acme):
    return EngagementFactory(client=acme, name="Acme hourly", weekly_hour_cap=Decimal("10"))


@pytest.fixture
def theirs(personas):
    """Charlie's client and engagement, whose ids must not be usable in A."""
    client = ClientFactory(workspace=personas.b)
    return EngagementFactory(client=client)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- Clients -------------------------------------------------------------------------------
def test_archive_unarchive_and_filter_archived(bob, acme, personas):
    current = ClientFactory(workspace=personas.a, name="Current")
    archived = bob.post(url("clients", acme.pk, "archive"))
    assert archived.status_code == 200 and archived.json()["archived_at"]

    def names(**params):
        return [c["name"] for c in bob.get(url("clients"), params).json()["results"]]

    assert names(archived="true") == ["Acme"]
    assert names(archived="false") == [current.name]
    assert len(names()) == 2
    restored = bob.post(url("clients", acme.pk, "unarchive"))
    assert restored.status_code == 200 and restored.json()["archived_at"] is None
    assert names(archived="true") == []


def test_delete_client_only_without_engagements(bob, acme, personas):
    EngagementFactory(client=acme)
    refused = bob.delete(url("clients", acme.pk))
    assert attrs(refused) == {"non_field_errors"}
    assert "archive it instead" in detail(refused)
    assert count(Client, pk=acme.pk) == 1

    lonely = ClientFactory(workspace=personas.a)
    assert bob.delete(url("clients", lonely.pk)).status_code == 204
    assert count(Client, pk=lonely.pk) == 0


# --- Contacts ------------------------------------------------------------------------------
def test_contacts_create_filter_update_delete(bob, acme, personas):
    other = ClientFactory(workspace=personas.a)
    ContactFactory(client=other, name="Someone else")
    created = bob.post(
        url("contacts"),
        {"client": acme.pk, "name": "Ada", "email": "ada@acme.example", "is_billing": True},
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    listed = bob.get(url("contacts"), {"client": acme.pk}).json()["results"]
    assert [c["name"] for c in listed] == ["Ada"]
    assert bob.get(url("contacts"), {"is_billing": "false"}).json()["count"] == 1

    patched = bob.patch(url("contacts", pk), {"role": "Finance"})
    assert patched.status_code == 200 and patched.json()["role"] == "Finance"
    assert attrs(bob.patch(url("contacts", pk), {"client": other.pk})) == {"client"}

    assert bob.delete(url("contacts", pk)).status_code == 204
    assert count(Contact, pk=pk) == 0


def test_contact_bad_input_saves_nothing(bob, acme):
    response = bob.post(url("contacts"), {"client": acme.pk, "name": "", "email": "nope"})
    assert attrs(response) == {"name", "email"}
    assert count(Contact) == 0


# --- Engagements ---------------------------------------------------------------------------
def test_create_hourly_engagement_with_its_terms(bob, acme):
    response = bob.post(
        url("engagements"),
        {
            "client": acme.pk,
            "name": "Audit",
            "pay_model": "hourly",
            "hourly_rate": "120.50",
            "weekly_hour_cap": "12",
            "start_date": "2025-03-03",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["currency"] == "EUR"  # the client's
    assert body["status"] == "active"
    assert Decimal(body["hourly_rate"]) == Decimal("120.50")
    assert Decimal(body["weekly_commitment_hours"]) == Decimal("12")
    assert {"retainer_fee", "billing_day", "revenue_share_percent"} <= set(body)
    with scopes_disabled():
        assert Engagement.objects.get(pk=body["id"]).workspace.slug == "alice-studio"


def test_retainer_without_its_terms_is_400_and_saves_nothing(bob, acme):
    response = bob.post(
        url("engagements"),
        {"client": acme.pk, "name": "Care", "pay_model": "retainer", "start_date": "2025-01-01"},
    )
    assert attrs(response) == {
        "retainer_fee",
        "retainer_included_hours",
        "retainer_overage_rate",
        "billing_day",
    }
    assert count(Engagement) == 0


def test_engagement_constraint_errors_are_400(bob, acme):
    response = bob.post(
        url("engagements"),
        {
            "client": acme.pk,
            "name": "Backwards",
            "pay_model": "fixed_fee",
            "start_date": "2025-02-01",
            "end_date": "2025-01-01",
        },
    )
    assert attrs(response) == {"non_field_errors"}
    assert "before the start date" in detail(response)
    assert attrs(bob.post(url("engagements"), {"client": acme.pk})) >= {
        "name",
        "pay_model",
        "start_date",
    }
    assert count(Engagement) == 0


def test_engagement_filters_and_update(bob, acme, hourly, personas):
    other = ClientFactory(workspace=personas.a)
    RetainerEngagementFactory(client=other, name="Retainer", status=EngagementStatus.PAUSED)

    def names(**params):
        return sorted(e["name"] for e in bob.get(url("engagements"), params).json()["results"])

    assert names(client=acme.pk) == ["Acme hourly"]
    assert names(status="paused") == ["Retainer"]
    assert names(pay_model="hourly") == ["Acme hourly"]
    assert attrs(bob.get(url("engagements"), {"status": "nonsense"})) == {"status"}

    patched = bob.patch(url("engagements", hourly.pk), {"status": "ended", "hourly_rate": "90"})
    assert patched.status_code == 200, patched.json()
    assert patched.json()["status"] == "ended"
    hourly.refresh_from_db()
    assert hourly.hourly_rate == Decimal("90")


def test_billed_terms_are_frozen(bob, hourly):
    entry = TimeEntryFactory(engagement=hourly)
    claim(entry, BillingClaim.Kind.TIME)
    response = bob.patch(url("engagements", hourly.pk), {"hourly_rate": "200"})
    assert attrs(response) == {"hourly_rate"}
    assert "Already invoiced" in detail(response)
    hourly.refresh_from_db()
    assert hourly.hourly_rate == Decimal("100")
    # Terms that decided nothing billed may still change.
    assert bob.patch(url("engagements", hourly.pk), {"description": "Ok"}).status_code == 200


def test_unbilled_exposes_the_items_and_total(bob, hourly):
    first = TimeEntryFactory(engagement=hourly, date=dt.date(2025, 1, 6), minutes=90)
    TimeEntryFactory(engagement=hourly, date=dt.date(2025, 2, 3), minutes=60)
    ExpenseFactory(engagement=hourly, date=dt.date(2025, 1, 10), amount=Decimal("42.50"))
    claim(first, BillingClaim.Kind.TIME)

    response = bob.get(url("engagements", hourly.pk, "unbilled"), {"as_of": "2025-03-01"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [(i["kind"], i["amount"]) for i in body["items"]] == [
        ("time", "100.00"),
        ("expense", "42.50"),
    ]
    assert body["total"] == "142.50" and body["currency"] == "EUR"
    assert body["items"][0]["quantity"] == "1.00" and body["items"][0]["minutes"] == 60

    january = bob.get(
        url("engagements", hourly.pk, "unbilled"),
        {"as_of": "2025-03-01", "period_start": "2025-01-01", "period_end": "2025-01-31"},
    ).json()
    assert [i["kind"] for i in january["items"]] == ["expense"]
    bad = bob.get(
        url("engagements", hourly.pk, "unbilled"),
        {"as_of": "soon", "period_start": "2025-02-01", "period_end": "2025-01-01"},
    )
    assert attrs(bad) == {"as_of"}


def test_retainer_statements_only_for_retainers(bob, acme, hourly):
    retainer = RetainerEngagementFactory(client=acme, start_date=dt.date(2025, 1, 1))
    TimeEntryFactory(engagement=retainer, date=dt.date(2025, 1, 15), minutes=25 * 60)
    response = bob.get(
        url("engagements", retainer.pk, "retainer-statements"), {"until": "2025-02-10"}
    )
    assert response.status_code == 200, response.json()
    january, february = response.json()
    assert january["period_start"] == "2025-01-01" and january["closed"] is True
    assert january["used_minutes"] == 25 * 60 and january["overage_hours"] == "5.00"
    assert january["overage_amount"] == "600.00" and february["closed"] is False

    refused = bob.get(url("engagements", hourly.pk, "retainer-statements"))
    assert attrs(refused) == {"non_field_errors"}


@pytest.mark.parametrize("rows", [10, 300])
def test_engagement_list_queries_do_not_grow(
    api_as, personas, acme, django_assert_max_num_queries, rows
):
    with scopes_disabled():
        Engagement.objects.bulk_create(
            Engagement(
                workspace=personas.a,
                client=acme,
                name=f"E{i:04}",
                pay_model=PayModel.RETAINER,
                retainer_included_hours=Decimal("20"),
                currency="EUR",
                start_date=dt.date(2025, 1, 1),
            )
            for i in range(rows)
        )
    client = api_as(personas.alice)
    # token lookup + last_used update, workspace, membership, count, page
    with django_assert_max_num_queries(6):
        response = client.get(url("engagements"), {"page_size": 500})
    assert response.json()["count"] == rows
    assert response.json()["results"][0]["weekly_commitment_hours"] == "4.62"


# --- Time entries --------------------------------------------------------------------------
def test_time_entry_create_warns_over_the_weekly_cap(bob, hourly, personas):
    first = bob.post(
        url("time-entries"),
        {"engagement": hourly.pk, "date": "2025-01-06", "minutes": 540, "description": "Build"},
    )
    assert first.status_code == 201, first.json()
    assert first.json()["weekly_cap_exceeded"] is False
    assert first.json()["user"] == personas.bob.pk
    assert first.json()["invoiced"] is False
    second = bob.post(
        url("time-entries"), {"engagement": hourly.pk, "date": "2025-01-08", "minutes": 90}
    )
    assert second.status_code == 201
    assert second.json()["weekly_cap_exceeded"] is True  # 10.5 h > 10 h
    assert count(TimeEntry, engagement=hourly) == 2  # saved anyway


def test_time_entry_filters(bob, api_as, hourly, acme, personas):
    other = EngagementFactory(client=acme)
    TimeEntryFactory(engagement=hourly, date=dt.date(2025, 1, 6), user=personas.bob)
    TimeEntryFactory(engagement=hourly, date=dt.date(2025, 1, 20), billable=False)
    TimeEntryFactory(engagement=other, date=dt.date(2025, 1, 13), user=personas.alice)

    def dates(**params):
        response = bob.get(url("time-entries"), params)
        assert response.status_code == 200, response.json()
        return [e["date"] for e in response.json()["results"]]

    assert dates(engagement=hourly.pk) == ["2025-01-20", "2025-01-06"]
    assert dates(date_after="2025-01-07", date_before="2025-01-19") == ["2025-01-13"]
    assert dates(billable="false") == ["2025-01-20"]
    assert dates(user=personas.alice.pk) == ["2025-01-13"]
    assert dates(engagement=hourly.pk, ordering="date") == ["2025-01-06", "2025-01-20"]


def test_time_entry_update_and_delete(bob, hourly, acme, personas):
    entry = TimeEntryFactory(engagement=hourly, minutes=30, user=personas.bob)
    moved_to = EngagementFactory(client=acme)
    patched = bob.patch(url("time-entries", entry.pk), {"minutes": 45, "engagement": moved_to.pk})
    assert patched.status_code == 200, patched.json()
    assert patched.json()["minutes"] == 45 and patched.json()["engagement"] == moved_to.pk
    assert "weekly_cap_exceeded" in patched.json()
    assert bob.delete(url("time-entries", entry.pk)).status_code == 204
    assert count(TimeEntry, pk=entry.pk) == 0


def test_invoiced_time_entry_is_frozen(bob, hourly, personas):
    entry = TimeEntryFactory(engagement=hourly, minutes=30, user=personas.bob)
    claim(entry, BillingClaim.Kind.TIME)
    listed = bob.get(url("time-entries")).json()["results"]
    assert listed[0]["invoiced"] is True
    patched = bob.patch(url("time-entries", entry.pk), {"minutes": 45})
    assert attrs(patched) == {"non_field_errors"}
    assert "Already invoiced" in detail(patched)
    assert attrs(bob.delete(url("time-entries", entry.pk))) == {"non_field_errors"}
    entry.refresh_from_db()
    assert entry.minutes == 30


def test_time_entry_bad_input_saves_nothing(bob, hourly):
    response = bob.post(url("time-entries"), {"engagement": hourly.pk, "minutes": 0})
    assert attrs(response) == {"date", "minutes"}
    too_long = bob.post(
        url("time-entries"), {"engagement": hourly.pk, "date": "2025-01-06", "minutes": 1441}
    )
    assert attrs(too_long) == {"minutes"}
    assert count(TimeEntry) == 0


@pytest.mark.parametrize("rows", [10, 300])
def test_time_entry_list_queries_do_not_grow(
    api_as, personas, hourly, django_assert_max_num_queries, rows
):
    with scopes_disabled():
        TimeEntry.objects.bulk_create(
            TimeEntry(
                workspace=personas.a,
                engagement=hourly,
                user=personas.alice,
                date=dt.date(2025, 1, 1) + dt.timedelta(days=i % 200),
                minutes=30,
            )
            for i in range(rows)
        )
    client = api_as(personas.alice)
    # token lookup + last_used update, workspace, membership, count,
    # page (with `invoiced` as an EXISTS subquery, not a query per row)
    with django_assert_max_num_queries(6):
        response = client.get(url("time-entries"), {"page_size": 500})
    assert response.json()["count"] == rows


# --- Milestones ----------------------------------------------------------------------------
def test_milestone_lifecycle(bob, acme, personas):
    fixed = EngagementFactory(client=acme, pay_model=PayModel.FIXED_FEE, hourly_rate=None)
    created = bob.post(
        url("milestones"),
        {"engagement": fixed.pk, "title": "Design", "amount": "2500", "due_date": "2025-02-01"},
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "pending"

    early = bob.post(url("milestones", pk, "accept"), {"on": "2025-02-01"})
    assert attrs(early) == {"non_field_errors"}
    assert "delivered" in detail(early)
    assert attrs(bob.post(url("milestones", pk, "deliver"), {})) == {"on"}

    delivered = bob.post(url("milestones", pk, "deliver"), {"on": "2025-02-01"})
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    before = bob.post(url("milestones", pk, "accept"), {"on": "2025-01-01"})
    assert attrs(before) == {"accepted_at"}
    accepted = bob.post(
        url("milestones", pk, "accept"), {"on": "2025-02-03", "on_word_of": "Jo, CTO"}
    )
    assert accepted.status_code == 200, accepted.json()
    body = accepted.json()
    assert body["status"] == "accepted" and body["accepted_at"] == "2025-02-03"
    assert body["accepted_by"] == personas.bob.pk and body["accepted_on_word_of"] == "Jo, CTO"

    listed = bob.get(url("milestones"), {"engagement": fixed.pk, "status": "accepted"})
    assert [m["id"] for m in listed.json()["results"]] == [pk]
    unbilled = bob.get(url("engagements", fixed.pk, "unbilled"), {"as_of": "2025-03-01"})
    assert [i["source_id"] for i in unbilled.json()["items"]] == [pk]


def test_milestone_update_delete_and_frozen_once_invoiced(bob, acme):
    milestone = MilestoneFactory(engagement__client=acme)
    patched = bob.patch(url("milestones", milestone.pk), {"title": "Renamed"})
    assert patched.status_code == 200 and patched.json()["title"] == "Renamed"
    other = EngagementFactory(client=acme, pay_model=PayModel.FIXED_FEE)
    assert attrs(bob.patch(url("milestones", milestone.pk), {"engagement": other.pk})) == {
        "engagement"
    }
    assert attrs(bob.post(url("milestones"), {"engagement": other.pk, "amount": "-1"})) == {
        "title",
        "amount",
    }

    claim(milestone, BillingClaim.Kind.MILESTONE)
    assert attrs(bob.patch(url("milestones", milestone.pk), {"amount": "1"})) == {
        "non_field_errors"
    }
    assert attrs(bob.delete(url("milestones", milestone.pk))) == {"non_field_errors"}
    lonely = MilestoneFactory(engagement=other)
    assert bob.delete(url("milestones", lonely.pk)).status_code == 204
    assert count(Milestone, pk=lonely.pk) == 0


# --- Outcomes ------------------------------------------------------------------------------
def test_outcome_create_accept_filter_delete(bob, acme):
    bounty = EngagementFactory(client=acme, pay_model=PayModel.BOUNTY, hourly_rate=None)
    created = bob.post(
        url("outcomes"), {"engagement": bounty.pk, "description": "Launch", "fee": "5000"}
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    open_one = OutcomeFactory(engagement=bounty)

    accepted = bob.post(
        url("outcomes", pk, "accept"), {"on": "2025-04-01", "evidence_note": "Live on the 1st"}
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["accepted_at"] == "2025-04-01"
    assert accepted.json()["evidence_note"] == "Live on the 1st"
    assert [o["id"] for o in bob.get(url("outcomes"), {"accepted": "true"}).json()["results"]] == [
        pk
    ]
    assert [o["id"] for o in bob.get(url("outcomes"), {"accepted": "false"}).json()["results"]] == [
        open_one.pk
    ]
    assert attrs(bob.post(url("outcomes", pk, "accept"), {"on": "tomorrow"})) == {"on"}
    patched = bob.patch(url("outcomes", open_one.pk), {"fee": "6000"})
    assert patched.status_code == 200 and Decimal(patched.json()["fee"]) == Decimal("6000")
    assert bob.delete(url("outcomes", open_one.pk)).status_code == 204
    assert count(Outcome, engagement=bounty) == 1


# --- Revenue reports -----------------------------------------------------------------------
def test_revenue_report_with_its_share(bob, acme, hourly):
    share = EngagementFactory(
        client=acme,
        pay_model=PayModel.REVENUE_SHARE,
        hourly_rate=None,
        revenue_share_percent=Decimal("7.5"),
        revenue_share_floor=Decimal("1000"),
        revenue_period="monthly",
    )
    body = {
        "engagement": share.pk,
        "period_start": "2025-01-01",
        "period_end": "2025-01-31",
        "revenue": "20000",
        "reported_by": "Finance",
        "reported_at": "2025-02-03",
    }
    created = bob.post(url("revenue-reports"), body)
    assert created.status_code == 201, created.json()
    assert created.json()["share"] == "1500.00"
    again = bob.post(url("revenue-reports"), body)
    assert attrs(again) == {"non_field_errors"}
    assert "already has a revenue report" in detail(again)
    wrong = bob.post(url("revenue-reports"), {**body, "engagement": hourly.pk})
    assert "revenue-share engagements" in detail(wrong)
    backwards = bob.post(
        url("revenue-reports"), {**body, "period_start": "2025-03-01", "period_end": "2025-02-01"}
    )
    assert attrs(backwards) == {"period_end"}
    assert count(RevenueReport) == 1

    pk = created.json()["id"]
    patched = bob.patch(url("revenue-reports", pk), {"revenue": "10000"})
    assert patched.status_code == 200 and patched.json()["share"] == "1000.00"  # the floor
    RevenueReportFactory(engagement=share, period_start=dt.date(2025, 2, 1))
    listed = bob.get(url("revenue-reports"), {"period_start_after": "2025-02-01"}).json()
    assert [r["period_start"] for r in listed["results"]] == ["2025-02-01"]
    assert bob.delete(url("revenue-reports", pk)).status_code == 204


# --- Expenses ------------------------------------------------------------------------------
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"


def test_expense_multipart_upload(bob, hourly, media):
    response = bob.post(
        url("expenses"),
        {
            "engagement": hourly.pk,
            "date": "2025-01-10",
            "amount": "80.00",
            "category": "Travel",
            "markup_percent": "10",
            "receipt": SimpleUploadedFile("train.pdf", PDF, content_type="application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    receipt = response.json()["receipt"]
    assert receipt.startswith("http://testserver/media/receipts/") and receipt.endswith(".pdf")
    with scopes_disabled():
        stored = Expense.objects.get(pk=response.json()["id"])
    with stored.receipt.open("rb") as receipt_file:
        assert receipt_file.read() == PDF

    heic = bob.patch(
        url("expenses", stored.pk),
        {"receipt": SimpleUploadedFile("photo.heic", HEIC, content_type="image/heic")},
        format="multipart",
    )
    assert heic.status_code == 200, heic.json()
    assert heic.json()["receipt"].endswith(".heic")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "big.pdf", "larger than 10 MB"),
        (b"MZ\x90\x00 not a receipt", "receipt.pdf", "PDF, PNG, JPEG, WebP or HEIC"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "receipt.png", "PDF, PNG, JPEG"),
    ],
)
def test_expense_receipt_is_checked(bob, hourly, media, content, name, message):
    response = bob.post(
        url("expenses"),
        {
            "engagement": hourly.pk,
            "date": "2025-01-10",
            "amount": "80.00",
            "category": "Travel",
            "receipt": SimpleUploadedFile(name, content, content_type="application/pdf"),
        },
        format="multipart",
    )
    assert attrs(response) == {"receipt"}
    assert message in detail(response)
    assert count(Expense) == 0
    assert not list(media.rglob("*"))


def test_expense_json_filter_update_delete(bob, hourly, acme):
    created = bob.post(
        url("expenses"),
        {"engagement": hourly.pk, "date": "2025-01-12", "amount": "12.00", "category": "Lunch"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["receipt"] is None
    ExpenseFactory(engagement=hourly, date=dt.date(2025, 3, 1), category="Travel", rebillable=False)

    def categories(**params):
        return [e["category"] for e in bob.get(url("expenses"), params).json()["results"]]

    assert categories(rebillable="false") == ["Travel"]
    assert categories(date_before="2025-02-01") == ["Lunch"]
    assert categories(category="lunch", engagement=hourly.pk) == ["Lunch"]

    pk = created.json()["id"]
    patched = bob.patch(url("expenses", pk), {"rebillable": False}, format="json")
    assert patched.status_code == 200 and patched.json()["rebillable"] is False
    bad = bob.post(
        url("expenses"),
        {"engagement": hourly.pk, "amount": "x", "category": "", "markup_percent": "101"},
        format="json",
    )
    assert attrs(bad) == {"date", "amount", "category", "markup_percent"}
    assert bob.delete(url("expenses", pk)).status_code == 204
    invoiced = ExpenseFactory(engagement=hourly)
    claim(invoiced, BillingClaim.Kind.EXPENSE)
    assert attrs(bob.delete(url("expenses", invoiced.pk))) == {"non_field_errors"}
    assert count(Expense, pk=invoiced.pk) == 1


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


# --- Capacity ------------------------------------------------------------------------------
def test_availability_set_and_listed_for_yourself(bob, personas):
    AvailabilityFactory(workspace=personas.a, user=personas.alice)
    created = bob.post(
        url("availability"), {"effective_from": "2025-01-06", "friday": "4", "saturday": "2"}
    )
    assert created.status_code == 201, created.json()
    assert created.json()["friday"] == "4.00" and created.json()["monday"] == "8.00"
    same_day = bob.post(url("availability"), {"effective_from": "2025-01-06", "monday": "6"})
    assert same_day.status_code == 201
    assert same_day.json()["id"] == created.json()["id"]
    assert same_day.json()["friday"] == "4.00" and same_day.json()["monday"] == "6.00"
    listed = bob.get(url("availability")).json()["results"]
    assert [a["user"] for a in listed] == [personas.bob.pk]  # not alice's
    assert attrs(bob.post(url("availability"), {"monday": "25"})) == {"effective_from", "monday"}
    assert count(Availability, user=personas.bob) == 1


def test_blocked_time_crud_is_personal(bob, api_as, personas):
    recurring_without_days = bob.post(
        url("blocked-time"),
        {
            "title": "School run",
            "start_date": "2025-01-06",
            "recurring": True,
            "hours_per_day": "1.5",
        },
    )
    assert attrs(recurring_without_days) == {"weekdays"}
    bad_days = bob.post(
        url("blocked-time"),
        {"title": "x", "start_date": "2025-01-06", "weekdays": [7], "hours_per_day": "1"},
    )
    assert attrs(bad_days) == {"weekdays.0"}
    assert count(BlockedTime) == 0

    created = bob.post(
        url("blocked-time"),
        {
            "title": "School run",
            "kind": "caregiving",
            "start_date": "2025-01-06",
            "recurring": True,
            "weekdays": [0, 2],
            "hours_per_day": "1.5",
        },
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["user"] == personas.bob.pk
    patched = bob.patch(url("blocked-time", pk), {"hours_per_day": "2"})
    assert patched.status_code == 200 and patched.json()["hours_per_day"] == "2.00"
    assert bob.get(url("blocked-time"), {"kind": "caregiving"}).json()["count"] == 1
    assert bob.get(url("blocked-time"), {"recurring": "false"}).json()["count"] == 0

    # Alice shares the workspace but not bob's calendar.
    alice = api_as(personas.alice)
    assert alice.get(url("blocked-time")).json()["count"] == 0
    assert alice.delete(url("blocked-time", pk)).status_code == 404
    assert bob.delete(url("blocked-time", pk)).status_code == 204
    assert count(BlockedTime) == 0


def test_capacity_weeks_for_the_caller(bob, acme, personas):
    AvailabilityFactory(workspace=personas.a, user=personas.bob, effective_from=dt.date(2025, 1, 6))
    BlockedTimeFactory(
        workspace=personas.a,
        user=personas.bob,
        start_date=dt.date(2025, 1, 6),
        weekdays=[0],
        hours_per_day=Decimal("2"),
    )
    EngagementFactory(
        client=acme, name="Big", weekly_hour_cap=Decimal("30"), start_date=dt.date(2025, 1, 1)
    )
    TimeEntryFactory(engagement__client=acme, user=personas.bob, date=dt.date(2025, 1, 7))

    response = bob.get(url("capacity"), {"start": "2025-01-08", "weeks": 3})
    assert response.status_code == 200, response.json()
    weeks = response.json()
    assert [w["start"] for w in weeks] == ["2025-01-06", "2025-01-13", "2025-01-20"]
    first = weeks[0]
    assert first["available"] == "38.00" and first["blocked"] == "2.00"
    assert first["committed"] == "30.00" and first["logged"] == "1.50"
    assert first["over_committed"] is False
    assert first["engagements"] == [{"name": "Big", "hours": "30.00"}]

    assert len(bob.get(url("capacity")).json()) == 12
    assert attrs(bob.get(url("capacity"), {"weeks": 53})) == {"weeks"}
    assert attrs(bob.get(url("capacity"), {"weeks": 0, "start": "x"})) == {"weeks", "start"}


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
