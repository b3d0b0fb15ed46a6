"""Dashboard pages for the records of work: time, milestones, outcomes, revenue reports and
expenses written through the pages, invoiced items locked, and bad input a 200 with field
errors and nothing saved."""

from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from engagements import services
from engagements.billing import unbilled_items
from engagements.models import Contact, Expense, Milestone, Outcome, RevenueReport, TimeEntry
from tests.engagements.pages.helpers import TODAY, _errors, url


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


def test_a_receipt_page_download_is_typed_by_its_content(client, personas, hourly):
    """PNG bytes named .svg: stored as .png and served as image/png, never image/svg+xml."""
    client.force_login(personas.bob)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    response = client.post(
        url("engagements:engagement_expense_add", hourly.pk),
        {
            "date": TODAY.isoformat(),
            "amount": "81",
            "category": "Travel",
            "markup_percent": "0",
            "receipt": SimpleUploadedFile("drawing.svg", png, content_type="image/svg+xml"),
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        expense = Expense.objects.get(amount=D("81"))
    assert expense.receipt.name.endswith(".png")
    download = client.get(url("engagements:engagement_expense_receipt", hourly.pk, expense.pk))
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].rstrip('"').endswith(".png")


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
