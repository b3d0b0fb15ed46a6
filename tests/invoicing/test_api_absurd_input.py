"""Issue #9, item 3: input the API used to answer with 500 (a policy without its kind, an
amount beyond its column's digits) is a 400 with a field error."""

from tests.api import attrs, url
from tests.invoicing.api_helpers import make_invoice


def test_late_fee_policy_without_a_kind_is_a_field_error(api_as, personas):
    alice = api_as(personas.alice)
    assert attrs(alice.post(url("late-fee-policy"), {}, format="json")) == {"kind"}


def test_a_line_whose_amount_overflows_the_column_is_a_field_error(bob, acme, personas):
    invoice = make_invoice(personas, acme, finalize=False)
    body = {
        "invoice": invoice.pk,
        "description": "Too much",
        "quantity": "999999999",
        "unit_price": "999999999999",
    }
    response = bob.post(url("invoice-lines"), body, format="json")
    assert attrs(response) == {"unit_price"}
