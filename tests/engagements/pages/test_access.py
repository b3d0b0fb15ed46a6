"""Dashboard pages for engagements and their work, as an accountant: every page reads, every
write is a 403 and changes nothing."""

from django_scopes import scopes_disabled

from engagements.models import Contact, Expense, Milestone, Outcome, TimeEntry
from tests.engagements.pages.helpers import url


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
