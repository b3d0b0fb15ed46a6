"""Dashboard pages for engagements and their work: every page renders, writes go through
the services, bad input is a 200 with field errors and nothing saved, accountants read
only, and the engagement list costs the same queries for 10 rows as for 200."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from engagements import services
from engagements.billing import unbilled_items
from engagements.models import (
    Contact,
    Engagement,
    EngagementStatus,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    RevenueReport,
    TimeEntry,
)
from tests.factories import (
    ClientFactory,
    EngagementFactory,
    ExpenseFactory,
    MilestoneFactory,
    OutcomeFactory,
    RetainerEngagementFactory,
    RevenueReportFactory,
    TimeEntryFactory,
)

WS = "alice-studio"
TODAY = timezone.localdate()


def url(name, *args):
    return reverse(name, args=[WS, *args])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def acme(personas):
    return ClientFactory(workspace=personas.a, name="Acme", currency="EUR")


@pytest.fixture
def hourly(personas, acme):
    engagement = EngagementFactory(
        client=acme,
        name="Platform build",
        hourly_rate=D("120"),
        weekly_hour_cap=D("2"),
        start_date=TODAY - dt.timedelta(days=60),
    )
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    TimeEntryFactory(engagement=engagement, date=monday, minutes=150, user=personas.bob)
    TimeEntryFactory(engagement=engagement, date=monday - dt.timedelta(days=7), minutes=60)
    return engagement


@pytest.fixture
def every_pay_model(personas, acme, hourly):
    start = TODAY - dt.timedelta(days=90)
    retainer = RetainerEngagementFactory(client=acme, name="Advisory", start_date=start)
    TimeEntryFactory(engagement=retainer, date=TODAY, minutes=600)
    fixed = EngagementFactory(
        client=acme, name="Website", pay_model=PayModel.FIXED_FEE, hourly_rate=None
    )
    MilestoneFactory(engagement=fixed, title="Design")
    MilestoneFactory(
        engagement=fixed,
        title="Build",
        status=Milestone.Status.DELIVERED,
        delivered_at=TODAY,
    )
    MilestoneFactory(
        engagement=fixed,
        title="Launch",
        status=Milestone.Status.ACCEPTED,
        delivered_at=TODAY,
        accepted_at=TODAY,
        accepted_on_word_of="Jane at Acme",
        accepted_by=personas.alice,
    )
    bounty = EngagementFactory(
        client=acme, name="Growth", pay_model=PayModel.BOUNTY, hourly_rate=None
    )
    OutcomeFactory(engagement=bounty, description="1,000 sign-ups")
    OutcomeFactory(engagement=bounty, description="Series A", accepted_at=TODAY)
    revenue = RevenueReportFactory(
        engagement__client=acme,
        engagement__name="Shop",
        engagement__workspace=personas.a,
        reported_at=TODAY - dt.timedelta(days=2),
    ).engagement
    for engagement in (hourly, retainer, fixed, bounty, revenue):
        ExpenseFactory(engagement=engagement, markup_percent=D("10"))
    return {
        "hourly": hourly,
        "retainer": retainer,
        "fixed_fee": fixed,
        "bounty": bounty,
        "revenue_share": revenue,
    }


# --- Every page renders ----------------------------------------------------------------------
@pytest.mark.parametrize("pay_model", [m.value for m in PayModel])
def test_engagement_page_of_each_pay_model_renders(client, personas, every_pay_model, pay_model):
    engagement = every_pay_model[pay_model]
    client.force_login(personas.bob)
    response = client.get(url("engagements:engagement_detail", engagement.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert engagement.name in body and "Unbilled" in body and "Add an expense" in body
    section = {
        "hourly": "Log time",
        "retainer": "Retainer statements",
        "fixed_fee": "Record acceptance",
        "bounty": "Accept outcome",
        "revenue_share": "Record a revenue report",
    }[pay_model]
    assert section in body


def test_list_create_edit_and_client_pages_render(client, personas, every_pay_model, acme):
    with scopes_disabled():
        contact = Contact.objects.create(workspace=personas.a, client=acme, name="Jane")
    client.force_login(personas.bob)
    pages = [
        url("engagements:engagement_list"),
        url("engagements:engagement_list") + f"?status=active&pay_model=hourly&client={acme.pk}",
        url("engagements:engagement_list")
        + "?status=bogus",  # unknown filters are ignored, not a 500
        url("engagements:engagement_create"),
        url("engagements:engagement_create") + f"?client={acme.pk}",
        url("engagements:engagement_edit", every_pay_model["retainer"].pk),
        url("engagements:client_list"),
        url("engagements:client_list") + "?archived=1",
        url("engagements:client_detail", acme.pk),
        url("engagements:client_detail", acme.pk) + f"?contact={contact.pk}",
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_hourly_page_shows_week_totals_and_the_cap_warning(client, personas, hourly):
    client.force_login(personas.bob)
    body = client.get(url("engagements:engagement_detail", hourly.pk)).content.decode()
    assert "Over the 2 h cap" in body  # 2h30 this week against a 2-hour cap
    assert "2h 30m" in body and "1h" in body
    assert "€" in body  # money shows with its currency


def test_invoiced_items_are_locked(client, personas, hourly):
    with workspace_scope(personas.a):
        items = unbilled_items(hourly, as_of=TODAY)
        services.billing_claim(engagement=hourly, items=items[:1], claimed_for="INV-1", as_of=TODAY)
    client.force_login(personas.bob)
    body = client.get(url("engagements:engagement_detail", hourly.pk)).content.decode()
    assert "Invoiced" in body
    with scopes_disabled():
        entry_id = TimeEntry.objects.get(pk=items[0].source_id).pk
    response = client.post(
        url("engagements:engagement_record_delete", hourly.pk), {"kind": "time", "id": entry_id}
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert TimeEntry.objects.filter(pk=entry_id).exists()  # the service refused


# --- Writes through the pages ----------------------------------------------------------------
def test_create_an_engagement_defaults_currency_to_the_clients(client, personas, acme):
    client.force_login(personas.bob)
    response = client.post(
        url("engagements:engagement_create"),
        {
            "client": acme.pk,
            "name": "Audit",
            "pay_model": "hourly",
            "hourly_rate": "95",
            "start_date": "2025-03-01",
            "currency": "",
            "retainer_fee": "999",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        engagement = Engagement.objects.get(name="Audit")
    assert engagement.currency == "EUR"
    assert engagement.retainer_fee is None  # another pay model's terms are not kept
    assert response["Location"] == url("engagements:engagement_detail", engagement.pk)


def test_edit_an_engagement(client, personas, hourly):
    client.force_login(personas.alice)
    response = client.post(
        url("engagements:engagement_edit", hourly.pk),
        {
            "client": hourly.client_id,
            "name": "Platform v2",
            "pay_model": "hourly",
            "hourly_rate": "130",
            "start_date": hourly.start_date.isoformat(),
            "status": "paused",
            "currency": "EUR",
        },
    )
    assert response.status_code == 302
    hourly.refresh_from_db()
    assert (hourly.name, hourly.hourly_rate, hourly.status) == ("Platform v2", D("130"), "paused")


def test_log_time_edit_and_delete(client, personas, hourly):
    client.force_login(personas.bob)
    response = client.post(
        url("engagements:engagement_time_save", hourly.pk),
        {"date": TODAY.isoformat(), "minutes": "45", "description": "Review", "billable": "on"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        entry = TimeEntry.objects.get(description="Review")
    assert entry.user == personas.bob and entry.minutes == 45
    response = client.post(
        url("engagements:engagement_time_save", hourly.pk),
        {"entry_id": entry.pk, "date": TODAY.isoformat(), "minutes": "50", "description": "Review"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.minutes == 50 and not entry.billable
    client.post(
        url("engagements:engagement_record_delete", hourly.pk), {"kind": "time", "id": entry.pk}
    )
    with scopes_disabled():
        assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_milestone_deliver_then_accept_on_the_word_of(client, personas, every_pay_model):
    fixed = every_pay_model["fixed_fee"]
    client.force_login(personas.bob)
    client.post(
        url("engagements:engagement_milestone_add", fixed.pk), {"title": "QA", "amount": "800"}
    )
    with scopes_disabled():
        qa = Milestone.objects.get(title="QA")
    client.post(url("engagements:engagement_milestone_deliver", fixed.pk, qa.pk))
    response = client.post(
        url("engagements:engagement_milestone_accept", fixed.pk, qa.pk),
        {
            f"accept-{qa.pk}-accepted_at": TODAY.isoformat(),
            f"accept-{qa.pk}-on_word_of": "Jane, by email",
        },
    )
    assert response.status_code == 302
    qa.refresh_from_db()
    assert qa.status == "accepted" and qa.accepted_on_word_of == "Jane, by email"
    assert qa.accepted_by == personas.bob


def test_outcome_accept_with_evidence(client, personas, every_pay_model):
    bounty = every_pay_model["bounty"]
    with scopes_disabled():
        outcome = Outcome.objects.get(description="1,000 sign-ups")
    client.force_login(personas.bob)
    response = client.post(
        url("engagements:engagement_outcome_accept", bounty.pk, outcome.pk),
        {
            f"accept-{outcome.pk}-accepted_at": TODAY.isoformat(),
            f"accept-{outcome.pk}-evidence_note": "Dashboard screenshot",
        },
    )
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.accepted_at == TODAY and outcome.evidence_note == "Dashboard screenshot"


def test_revenue_report_and_its_share(client, personas, every_pay_model):
    shop = every_pay_model["revenue_share"]
    client.force_login(personas.bob)
    response = client.post(
        url("engagements:engagement_revenue_add", shop.pk),
        {
            "period_start": "2025-02-01",
            "period_end": "2025-02-28",
            "revenue": "20000",
            "reported_by": "CFO",
            "reported_at": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    body = client.get(url("engagements:engagement_detail", shop.pk)).content.decode()
    assert "€2,000.00" in body and "by CFO" in body


def test_expense_with_a_receipt(client, personas, hourly):
    client.force_login(personas.bob)
    receipt = SimpleUploadedFile("train.pdf", b"%PDF-1.4 ticket", content_type="application/pdf")
    response = client.post(
        url("engagements:engagement_expense_add", hourly.pk),
        {
            "date": TODAY.isoformat(),
            "amount": "80",
            "category": "Travel",
            "rebillable": "on",
            "markup_percent": "5",
            "receipt": receipt,
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        expense = Expense.objects.get(amount=D("80"))
    download = client.get(url("engagements:engagement_expense_receipt", hourly.pk, expense.pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download.content == b"%PDF-1.4 ticket"
    body = client.get(url("engagements:engagement_detail", hourly.pk)).content.decode()
    assert "€84.00" in body  # 80 + 5% markup, in the unbilled card too


def test_client_contacts_archive_and_filter(client, personas, acme):
    client.force_login(personas.bob)
    response = client.post(
        url("engagements:client_contact_save", acme.pk),
        {
            "contact-name": "Jane Roe",
            "contact-email": "jane@acme.example",
            "contact-is_billing": "on",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        jane = Contact.objects.get(name="Jane Roe")
    client.post(
        url("engagements:client_contact_save", acme.pk),
        {"contact_id": jane.pk, "contact-name": "Jane Roe", "contact-role": "Finance"},
    )
    jane.refresh_from_db()
    assert jane.role == "Finance" and not jane.is_billing

    client.post(url("engagements:client_archive", acme.pk), {"archived": "1"})
    acme.refresh_from_db()
    assert acme.archived_at is not None
    assert acme not in client.get(url("engagements:client_list")).context["page"].object_list
    assert (
        acme
        in client.get(url("engagements:client_list") + "?archived=1").context["page"].object_list
    )
    # An archived client is not offered for new engagements.
    form = client.get(url("engagements:engagement_create")).context["form"]
    assert acme not in form.fields["client"].queryset
    client.post(url("engagements:client_archive", acme.pk), {"archived": "0"})
    acme.refresh_from_db()
    assert acme.archived_at is None


# --- Bad input: 200 with field errors, nothing saved ------------------------------------------
def _errors(response, form_key):
    assert response.status_code == 200
    form = response.context[form_key]
    assert form.errors
    return form.errors


def test_bad_engagement_input(client, personas, acme):
    theirs = ClientFactory(workspace=personas.b)
    client.force_login(personas.bob)
    errors = _errors(
        client.post(
            url("engagements:engagement_create"),
            {"client": acme.pk, "name": "X", "pay_model": "hourly", "start_date": "2025-03-01"},
        ),
        "form",
    )
    assert "hourly_rate" in errors  # the service's "Required for this pay model."
    errors = _errors(
        client.post(
            url("engagements:engagement_create"),
            {
                "client": theirs.pk,
                "name": "X",
                "pay_model": "fixed_fee",
                "start_date": "2025-03-01",
                "end_date": "2025-01-01",
            },
        ),
        "form",
    )
    assert "client" in errors  # another workspace's client is not a choice
    errors = _errors(
        client.post(
            url("engagements:engagement_create"),
            {
                "client": acme.pk,
                "name": "X",
                "pay_model": "retainer",
                "start_date": "2025-03-01",
                "retainer_fee": "100",
                "retainer_included_hours": "10",
                "retainer_overage_rate": "50",
                "billing_day": "31",
            },
        ),
        "form",
    )
    assert "billing_day" in errors
    with scopes_disabled():
        assert not Engagement.objects.filter(name="X").exists()


def test_bad_work_input(client, personas, every_pay_model):
    hourly, fixed = every_pay_model["hourly"], every_pay_model["fixed_fee"]
    shop, bounty = every_pay_model["revenue_share"], every_pay_model["bounty"]
    client.force_login(personas.bob)
    with scopes_disabled():
        before = TimeEntry.objects.count(), Expense.objects.count(), RevenueReport.objects.count()
        design = Milestone.objects.get(title="Design")
        open_outcome = Outcome.objects.get(description="1,000 sign-ups")

    assert "minutes" in _errors(
        client.post(
            url("engagements:engagement_time_save", hourly.pk),
            {"date": "2025-01-01", "minutes": "0"},
        ),
        "time_form",
    )
    bad_file = SimpleUploadedFile("evil.html", b"<script>", content_type="text/html")
    assert "receipt" in _errors(
        client.post(
            url("engagements:engagement_expense_add", hourly.pk),
            {"date": "2025-01-01", "amount": "-5", "category": "", "receipt": bad_file},
        ),
        "expense_form",
    )
    assert "period_end" in _errors(
        client.post(
            url("engagements:engagement_revenue_add", shop.pk),
            {
                "period_start": "2025-02-01",
                "period_end": "2025-01-01",
                "revenue": "1",
                "reported_by": "CFO",
                "reported_at": "2025-02-03",
            },
        ),
        "report_form",
    )
    assert "amount" in _errors(
        client.post(
            url("engagements:engagement_milestone_add", fixed.pk), {"title": "Y", "amount": "abc"}
        ),
        "milestone_form",
    )
    # Accepting a milestone that was never delivered: the service's error, on its row form.
    response = client.post(
        url("engagements:engagement_milestone_accept", fixed.pk, design.pk),
        {f"accept-{design.pk}-accepted_at": TODAY.isoformat()},
    )
    assert response.status_code == 200
    assert "Mark the milestone delivered" in response.content.decode()
    response = client.post(
        url("engagements:engagement_outcome_accept", bounty.pk, open_outcome.pk),
        {f"accept-{open_outcome.pk}-accepted_at": "not a date"},
    )
    assert response.status_code == 200 and "Enter a valid date" in response.content.decode()
    assert "name" in _errors(
        client.post(
            url("engagements:client_contact_save", hourly.client_id), {"contact-email": "x"}
        ),
        "contact_form",
    )
    with scopes_disabled():
        after = TimeEntry.objects.count(), Expense.objects.count(), RevenueReport.objects.count()
        design.refresh_from_db()
        open_outcome.refresh_from_db()
        assert not Contact.objects.exists()
    assert after == before
    assert design.status == "pending" and open_outcome.accepted_at is None


# --- Accountants read only --------------------------------------------------------------------
def test_accountant_reads_but_every_write_is_403(client, personas, every_pay_model, acme):
    hourly, fixed, bounty = (every_pay_model[k] for k in ("hourly", "fixed_fee", "bounty"))
    with scopes_disabled():
        milestone = Milestone.objects.filter(engagement=fixed).first()
        outcome = Outcome.objects.filter(engagement=bounty).first()
        expense = Expense.objects.filter(engagement=hourly).first()
        entry = TimeEntry.objects.filter(engagement=hourly).first()
        counts = TimeEntry.objects.count(), Expense.objects.count()
    client.force_login(personas.andy)
    body = client.get(url("engagements:engagement_detail", hourly.pk)).content.decode()
    assert "Read-only for your role" in body and "Log time" not in body
    assert client.get(url("engagements:engagement_list")).status_code == 200
    assert client.get(url("engagements:engagement_create")).status_code == 403
    assert client.get(url("engagements:engagement_edit", hourly.pk)).status_code == 403
    posts = [
        url("engagements:engagement_create"),
        url("engagements:engagement_edit", hourly.pk),
        url("engagements:engagement_time_save", hourly.pk),
        url("engagements:engagement_milestone_add", fixed.pk),
        url("engagements:engagement_milestone_deliver", fixed.pk, milestone.pk),
        url("engagements:engagement_milestone_accept", fixed.pk, milestone.pk),
        url("engagements:engagement_outcome_add", bounty.pk),
        url("engagements:engagement_outcome_accept", bounty.pk, outcome.pk),
        url("engagements:engagement_revenue_add", hourly.pk),
        url("engagements:engagement_expense_add", hourly.pk),
        url("engagements:engagement_record_delete", hourly.pk),
        url("engagements:client_contact_save", acme.pk),
        url("engagements:client_archive", acme.pk),
        url("engagements:client_detail", acme.pk),
    ]
    data = {
        "kind": "time",
        "id": entry.pk,
        "date": "2025-01-01",
        "minutes": "30",
        "name": "Hacked",
        "contact-name": "Hacked",
    }
    for post in posts:
        assert client.post(post, data).status_code == 403, post
    with scopes_disabled():
        assert (TimeEntry.objects.count(), Expense.objects.count()) == counts
        assert not Contact.objects.exists()
    assert (
        client.get(url("engagements:engagement_expense_receipt", hourly.pk, expense.pk)).status_code
        == 404
    )
    acme.refresh_from_db()
    assert acme.archived_at is None


# --- Query counts -----------------------------------------------------------------------------
@pytest.mark.parametrize("rows", [10, 200])
def test_engagement_list_costs_the_same_queries_for_any_number_of_rows(
    client, personas, acme, django_assert_max_num_queries, rows
):
    with scopes_disabled():
        engagements = Engagement.objects.bulk_create(
            Engagement(
                workspace=personas.a,
                client=acme,
                name=f"E{i:04}",
                currency="EUR",
                pay_model=PayModel.HOURLY,
                hourly_rate=D("100"),
                start_date=dt.date(2025, 1, 1),
                status=EngagementStatus.ACTIVE,
            )
            for i in range(rows)
        )
        TimeEntry.objects.bulk_create(
            TimeEntry(workspace=personas.a, engagement=e, date=TODAY, minutes=30)
            for e in engagements
        )
    client.force_login(personas.alice)
    # session, user, workspace, membership, the client filter's choices, count, the page of
    # rows with clients and this month's minutes joined in, the switcher's workspaces
    with django_assert_max_num_queries(8):
        response = client.get(url("engagements:engagement_list"), {"status": "active"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == rows
    assert "30m" in response.content.decode()
