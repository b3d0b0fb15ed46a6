"""The API matches its schema (issue #9, item 8): each case the audit's fuzzer found, as a
test that failed before. tests/fuzz/ keeps the whole API honest; these name the rules."""

import pytest
from django.core.management import call_command

from tests.api import url

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    """The served OpenAPI schema, as a dict."""
    import json
    import tempfile

    with django_db_blocker.unblock(), tempfile.NamedTemporaryFile(suffix=".json") as file:
        call_command("spectacular", "--format", "openapi-json", "--file", file.name)
        with open(file.name) as served:
            return json.load(served)


def _errors(response):
    assert response.status_code == 400, (response.status_code, response.content)
    return {(e["attr"], e["code"]) for e in response.json()["errors"]}


def test_an_unmatched_api_url_is_the_json_404(api_as, personas):
    response = api_as(personas.alice).get(url("clients") + "1.5/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["code"] == "not_found"


def test_a_page_url_that_matches_nothing_is_still_a_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("size", ["-1", "0", "abc", "1.5", "501", ""])
def test_page_size_out_of_range_is_a_400_not_ignored(api_as, personas, size):
    response = api_as(personas.alice).get(url("clients"), {"page_size": size})
    assert _errors(response) == {("page_size", "invalid")}


def test_page_size_within_range_is_used(api_as, personas):
    assert api_as(personas.alice).get(url("clients"), {"page_size": 500}).status_code == 200


def test_the_schema_documents_page_size_bounds(schema):
    parameters = schema["paths"]["/api/v1/workspaces/{workspace}/clients/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}


def test_the_late_fee_policy_is_one_object_in_schema_and_body(api_as, personas, schema):
    body = api_as(personas.alice).get(url("late-fee-policy")).json()
    assert isinstance(body, dict) and body["kind"] == "none"
    operation = schema["paths"]["/api/v1/workspaces/{workspace}/late-fee-policy/"]
    ok = operation["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/LateFeePolicy"}
    assert "200" in operation["post"]["responses"] and "201" not in operation["post"]["responses"]


def test_an_unaccepted_proposal_has_a_null_accepted_email(schema):
    field = schema["components"]["schemas"]["Proposal"]["properties"]["accepted_email"]
    assert field["format"] == "email" and field["nullable"] is True
    from engagements.api.serializers.proposals import ProposalSerializer
    from engagements.models import Proposal

    assert ProposalSerializer().get_accepted_email(Proposal(accepted_email="")) is None


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ({"billable": "null"}, "billable"),  # was read as "no filter"
        ({"user": "0.5"}, "user"),  # was a decimal filter
        ({"date_after": ""}, "date"),  # was silently dropped
        ({"date_before": "9999-12-31"}, "date"),  # outside the sane range
    ],
)
def test_a_filter_value_it_cannot_read_is_a_400(api_as, personas, query, attr):
    response = api_as(personas.alice).get(url("time-entries"), query)
    assert _errors(response) == {(attr, "invalid")}


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"name": 0, "currency": "EUR"}, "name"),  # DRF would store "0"
        ({"name": "Acme", "currency": "EUR", "payment_terms_days": "30"}, "payment_terms_days"),
        ({"name": "Acme", "currency": "EUR", "country": 0}, "country"),
        ({"name": "Acme", "currency": "EUR", "name_x": 1, "email": ["a@b.co"]}, "email"),
    ],
)
def test_a_json_value_of_the_wrong_type_is_a_400_not_coerced(api_as, personas, body, attr):
    response = api_as(personas.alice).post(url("clients"), body, format="json")
    assert _errors(response) == {(attr, "invalid")}


def test_amounts_are_strings_in_json(api_as, personas):
    response = api_as(personas.alice).post(
        url("tax-rates"), {"name": "VAT", "percent": 20}, format="json"
    )
    assert _errors(response) == {("percent", "invalid")}


def test_the_400_codes_the_api_gives_are_in_its_schema(schema):
    """A service's refusal (code `invalid` on `non_field_errors`, even on an action with
    no body), the sane-date code on a date field, and 413 on a body: all documented (the
    custom exception handler once hid every error response from the schema)."""
    path = schema["paths"]["/api/v1/workspaces/{workspace}/clients/{id}/archive/"]
    assert {"400", "404", "413"} <= set(path["post"]["responses"])
    components = schema["components"]["schemas"]
    codes = components["WorkspacesClientsUnarchiveCreateNonFieldErrorsErrorComponent"]
    assert "invalid" in codes["properties"]["code"]["enum"]
    dates = components["WorkspacesTimeEntriesCreateDateErrorComponent"]
    assert "date_out_of_range" in dates["properties"]["code"]["enum"]


def test_a_bad_recipient_is_an_error_on_to_not_on_an_index(api_as, personas):
    from invoicing.api.serializers.invoices import InvoiceSendSerializer

    serializer = InvoiceSendSerializer(data={"to": ["ok@example.com", "nope"]})
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["to"]
