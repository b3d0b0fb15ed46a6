"""Issue #9, item 2: a date outside core.dates' sane range is a 400 on its field, in a
serializer's declared field and in a service (finalise takes its issue date as given)."""

from tests.api import attrs, url
from tests.invoicing.api_helpers import make_invoice


def test_recurring_schedule_starting_in_9999_is_a_field_error(bob, acme):
    body = {
        "name": "Far",
        "client": acme.pk,
        "start_date": "9999-12-01",
        "lines": [{"description": "Support", "unit_price": "500"}],
    }
    assert attrs(bob.post(url("recurring-schedules"), body, format="json")) == {"start_date"}


def test_finalise_with_an_issue_date_in_9999_is_a_field_error(bob, acme, personas):
    invoice = make_invoice(personas, acme, finalize=False)
    response = bob.post(
        url("invoices", invoice.pk, "finalize"), {"issue_date": "9999-12-20"}, format="json"
    )
    assert attrs(response) == {"issue_date"}
