import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from engagements.models import Client
from tests.factories import ClientFactory

URL = "/api/v1/workspaces/alice-studio/clients/"


def test_create_defaults_currency_to_the_workspace(api_as, personas):
    response = api_as(personas.bob).post(URL, {"name": "Acme", "country": "FR"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["currency"] == "USD"
    with scopes_disabled():
        assert Client.objects.get(name="Acme").workspace == personas.a


def test_bad_input_is_400_per_field(api_as, personas):
    response = api_as(personas.bob).post(
        URL, {"name": "", "email": "not-an-email", "currency": "XYZ"}, format="json"
    )
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"name", "email", "currency"}


def test_duplicate_name_is_a_400_not_a_500(api_as, personas):
    ClientFactory(workspace=personas.a, name="Acme")
    response = api_as(personas.bob).post(URL, {"name": "ACME"}, format="json")
    assert response.status_code == 400
    assert "already exists" in response.json()["errors"][0]["detail"]
    # The same name in another workspace is fine: uniqueness is per workspace.
    other = api_as(personas.charlie).post(
        "/api/v1/workspaces/charlie-works/clients/", {"name": "Acme"}, format="json"
    )
    assert other.status_code == 201


def test_update_and_filter(api_as, personas):
    acme = ClientFactory(workspace=personas.a, name="Acme", currency="USD")
    ClientFactory(workspace=personas.a, name="Euro Co", currency="EUR")
    client = api_as(personas.alice)
    patched = client.patch(f"{URL}{acme.pk}/", {"payment_terms_days": 7}, format="json")
    assert patched.status_code == 200 and patched.json()["payment_terms_days"] == 7
    names = [c["name"] for c in client.get(URL, {"currency": "EUR"}).json()["results"]]
    assert names == ["Euro Co"]


@pytest.mark.parametrize("rows", [10, 300])
def test_list_costs_the_same_queries_for_any_number_of_rows(
    api_as, personas, django_assert_max_num_queries, rows
):
    with scopes_disabled():
        Client.objects.bulk_create(
            Client(workspace=personas.a, name=f"Client {i:04}", currency="USD") for i in range(rows)
        )
    client = api_as(personas.alice)
    # token lookup + last_used update, workspace, membership, page (no COUNT)
    with django_assert_max_num_queries(5):
        response = client.get(URL, {"page_size": 500})
    assert len(response.json()["results"]) == rows and response.json()["next"] is None


@pytest.mark.parametrize("rows", [10, 300])
def test_client_page_costs_the_same_queries_for_any_number_of_rows(
    client, personas, django_assert_max_num_queries, rows
):
    with scopes_disabled():
        Client.objects.bulk_create(
            Client(workspace=personas.a, name=f"Client {i:04}", currency="USD") for i in range(rows)
        )
    client.force_login(personas.alice)
    # session, user, workspace, membership, count, page, switcher's workspaces
    with django_assert_max_num_queries(8):
        response = client.get(reverse("engagements:client_list", args=["alice-studio"]))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == rows


def test_pages_create_search_and_edit(client, personas):
    client.force_login(personas.bob)
    response = client.post(
        reverse("engagements:client_create", args=["alice-studio"]),
        {
            "name": "Globex",
            "email": "ap@globex.example",
            "currency": "EUR",
            "country": "NL",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        globex = Client.objects.get(name="Globex")
    assert response["Location"] == reverse(
        "engagements:client_detail", args=["alice-studio", globex.pk]
    )
    listing = client.get(reverse("engagements:client_list", args=["alice-studio"]), {"q": "glob"})
    assert [c.name for c in listing.context["page"]] == ["Globex"]
    edit = client.post(
        reverse("engagements:client_detail", args=["alice-studio", globex.pk]),
        {
            "name": "Globex Corp",
            "email": "",
            "currency": "EUR",
            "country": "NL",
        },
    )
    assert edit.status_code == 302
    globex.refresh_from_db()
    assert globex.name == "Globex Corp"


def test_page_form_errors_keep_the_input(client, personas):
    client.force_login(personas.bob)
    response = client.post(
        reverse("engagements:client_create", args=["alice-studio"]),
        {"name": "", "email": "nope", "currency": "USD"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "email"}
    assert b'value="nope"' in response.content


def test_accountant_cannot_create_or_edit_on_pages(client, personas):
    acme = ClientFactory(workspace=personas.a, name="Acme")
    client.force_login(personas.andy)
    assert (
        client.get(reverse("engagements:client_create", args=["alice-studio"])).status_code == 403
    )
    response = client.post(
        reverse("engagements:client_detail", args=["alice-studio", acme.pk]),
        {"name": "Changed", "currency": "USD"},
    )
    assert response.status_code == 403
    acme.refresh_from_db()
    assert acme.name == "Acme"
