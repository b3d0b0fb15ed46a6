"""A recurring template line as typed on the page: numbers the page cannot bill are a
field error on `lines`, never a 500 (they were: "NaN" and "1e400" raised
InvalidOperation in the service, "abc" as a tax rate a ValueError)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from accounts.tenancy import workspace_scope
from invoicing.services.recurring import recurring_schedule_save
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _save(personas, **line):
    with workspace_scope(personas.a):
        client = ClientFactory(workspace=personas.a, currency="USD")
        return recurring_schedule_save(
            workspace=personas.a,
            actor=personas.alice,
            name="Support",
            client=client,
            start_date=dt.date(2026, 1, 1),
            currency="USD",
            lines=[{"description": "Support", **line}],
        )


@pytest.mark.parametrize(
    "line",
    [
        {"quantity": "NaN", "unit_price": "1"},
        {"quantity": "1", "unit_price": "Infinity"},
        {"quantity": "1", "unit_price": "1e400"},
        {"quantity": "abc", "unit_price": "1"},
        {"quantity": "1.00001", "unit_price": "1"},  # more places than a line keeps
        {"quantity": "9999999999", "unit_price": "99999999999999"},  # too large to bill
        {"quantity": "1", "unit_price": "1", "tax_rate_id": "abc"},
    ],
)
def test_a_line_it_cannot_bill_is_a_field_error(personas, line):
    with pytest.raises(ValidationError) as raised:
        _save(personas, **line)
    assert "lines" in raised.value.message_dict


def test_a_plain_line_is_kept_as_typed(personas):
    schedule = _save(personas, quantity="2", unit_price="1250.50", discount_percent="10")
    assert schedule.lines[0]["unit_price"] == "1250.50"
    assert D(schedule.lines[0]["quantity"]) == 2
