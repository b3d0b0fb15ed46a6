"""The pages for reminder settings, the late-fee policy and recurring schedules; accountants
read but cannot change."""

from django.urls import reverse

from accounts.tenancy import workspace_scope
from invoicing.models import LateFeePolicy, RecurringSchedule, ReminderRule
from invoicing.services import recurring_runs
from tests.factories import ClientFactory
from tests.invoicing.schedule_helpers import RUN_DAY


# --- Pages ---------------------------------------------------------------------------------
def _ws_url(name, p, **kwargs):
    return reverse(name, kwargs={"workspace": p.a.slug, **kwargs})


def test_reminder_settings_page(client, personas):
    client.force_login(personas.alice)
    url = _ws_url("invoicing:invoice_reminders", personas)
    assert client.get(url).status_code == 200
    response = client.post(url, {"days_from_due": "-3"})
    assert response.status_code == 302
    response = client.post(url, {"days_from_due": "-3"})
    assert response.status_code == 400 and b"already exists" in response.content
    response = client.post(
        _ws_url("invoicing:invoice_late_fee_policy", personas),
        {"kind": "interest", "annual_interest_percent": "8", "grace_days": "3"},
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "3 days before due" in page and 'value="8"' in page
    with workspace_scope(personas.a):
        rule = ReminderRule.objects.get()
        assert LateFeePolicy.objects.get().kind == "interest"
    assert (
        client.post(_ws_url("invoicing:invoice_reminder_rule", personas, pk=rule.pk)).status_code
        == 302
    )


def test_recurring_pages(client, personas):
    customer = ClientFactory(workspace=personas.a, currency="EUR", name="Acme")
    client.force_login(personas.alice)
    assert client.get(_ws_url("invoicing:invoice_recurring_list", personas)).status_code == 200
    assert client.get(_ws_url("invoicing:invoice_recurring_create", personas)).status_code == 200
    response = client.post(
        _ws_url("invoicing:invoice_recurring_create", personas),
        {
            "name": "Acme support",
            "client": customer.pk,
            "interval": "monthly",
            "every": "1",
            "start_date": "2026-09-01",
            "auto_finalize": "on",
            "line-0-description": "Support",
            "line-0-quantity": "1",
            "line-0-unit_price": "500",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with workspace_scope(personas.a):
        s = RecurringSchedule.objects.get()
        recurring_runs.recurring_generate(today=RUN_DAY)
    page = client.get(
        _ws_url("invoicing:invoice_recurring_edit", personas, pk=s.pk)
    ).content.decode()
    assert "Acme support" in page and "INV-0001" in page
    listing = client.get(_ws_url("invoicing:invoice_recurring_list", personas)).content.decode()
    assert "Acme support" in listing and "Dec" in listing
    assert (
        client.post(_ws_url("invoicing:invoice_recurring_pause", personas, pk=s.pk)).status_code
        == 302
    )
    s.refresh_from_db()
    assert not s.active
    bad = client.post(
        _ws_url("invoicing:invoice_recurring_create", personas),
        {"name": "x", "client": customer.pk},
    )
    assert bad.status_code == 400


def test_accountant_reads_but_cannot_change(client, personas):
    client.force_login(personas.andy)
    assert client.get(_ws_url("invoicing:invoice_reminders", personas)).status_code == 200
    assert client.get(_ws_url("invoicing:invoice_recurring_list", personas)).status_code == 200
    assert (
        client.post(
            _ws_url("invoicing:invoice_reminders", personas), {"days_from_due": "0"}
        ).status_code
        == 403
    )
    assert client.get(_ws_url("invoicing:invoice_recurring_create", personas)).status_code == 403
    assert (
        client.post(
            _ws_url("invoicing:invoice_late_fee_policy", personas), {"kind": "none"}
        ).status_code
        == 403
    )
