"""The engagements API for the records of work: time entries, milestones, outcomes, revenue
reports and expenses (with receipts) — happy paths, 400s with nothing saved, invoiced
records frozen, and list query counts that do not grow with rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from engagements.models import (
    BillingClaim,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    RevenueReport,
    TimeEntry,
)
from engagements.receipts import CONTENT_TYPES
from tests.api import attrs, url
from tests.engagements.api_helpers import claim, count, detail
from tests.factories import (
    EngagementFactory,
    ExpenseFactory,
    MilestoneFactory,
    OutcomeFactory,
    RevenueReportFactory,
    TimeEntryFactory,
)


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
    # token lookup + last_used update, workspace, membership,
    # page (with `invoiced` as an EXISTS subquery, not a query per row); no COUNT
    with django_assert_max_num_queries(5):
        response = client.get(url("time-entries"), {"page_size": 500})
    assert len(response.json()["results"]) == rows and response.json()["next"] is None


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
    assert receipt == f"http://testserver{url('expenses', response.json()['id'], 'receipt')}"
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
    stored.refresh_from_db()
    assert stored.receipt.name.endswith(".heic")


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


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
# One sample of every receipt kind (engagements.receipts.CONTENT_TYPES), by its magic bytes.
SAMPLES = {"pdf": PDF, "png": PNG, "jpeg": JPEG, "webp": WEBP, "heic": HEIC}


def test_every_receipt_kind_has_a_sample():
    assert set(SAMPLES) == set(CONTENT_TYPES)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
@pytest.mark.parametrize("client_name", ["poly.html", "image.svg", "noextension", "x.pdf.js"])
def test_a_receipt_is_stored_and_served_as_its_content_says(bob, hourly, media, kind, client_name):
    """The client's filename is its word; the bytes are what a reader opens. Whatever the
    name, the stored extension and the served type are those of the detected kind."""
    created = bob.post(
        url("expenses"),
        {
            "engagement": hourly.pk,
            "date": "2025-01-10",
            "amount": "8.00",
            "category": "Travel",
            "receipt": SimpleUploadedFile(client_name, SAMPLES[kind], content_type="text/html"),
        },
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    with scopes_disabled():
        stored = Expense.objects.get(pk=created.json()["id"])
    extension = kind
    assert stored.receipt.name.endswith(f".{extension}")
    download = bob.get(created.json()["receipt"])
    assert download.status_code == 200
    assert download["Content-Type"] == CONTENT_TYPES[kind]
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Disposition"].rstrip('"').endswith(f".{extension}")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download) == SAMPLES[kind]


def test_a_receipt_stored_under_a_lying_name_is_served_by_its_content(bob, hourly, media):
    """Rows stored before the name followed the content: the type served is still the
    detected one, never the name's."""
    from django.core.files.base import ContentFile

    expense = ExpenseFactory(engagement=hourly)
    with scopes_disabled():
        expense.receipt.save("poly.html", ContentFile(PDF), save=True)
    download = bob.get(url("expenses", expense.pk, "receipt"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].rstrip('"').endswith(".pdf")


def test_an_expense_without_a_receipt_has_no_download(bob, hourly, media):
    expense = ExpenseFactory(engagement=hourly)
    assert bob.get(url("expenses", expense.pk))["Content-Type"] == "application/json"
    assert bob.get(url("expenses", expense.pk)).json()["receipt"] is None
    assert bob.get(url("expenses", expense.pk, "receipt")).status_code == 404


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
