"""API tokens limited to one workspace: made by the token endpoint or the API-tokens page,
they reach their workspace's routes and nothing else — another workspace of the same person
is a 404, exactly as for an outsider, and the account-level endpoints (the person, their
workspaces, their tokens) refuse them, so a limited token cannot mint or list the rest."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, Role, Workspace
from tests.factories import ClientFactory, MembershipFactory, WorkspaceFactory
from tests.tenancy import assert_api_404_for_outsider

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "correct horse battery staple"
LIMITED = "This token is limited to one tenant; use an unlimited token here."


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def side_business(personas):
    """A second workspace alice belongs to (as a member), with a client of its own."""
    side = WorkspaceFactory(name="Side Gig", slug="side-gig")
    MembershipFactory(workspace=side, user=personas.alice, role=Role.MEMBER)
    return side


@pytest.fixture
def limited(personas):
    """An API client with a token of alice's limited to workspace A, and the token."""
    token, key = services.api_token_create(user=personas.alice, name="sync", workspace=personas.a)
    return _client(key), token


# --- Making one --------------------------------------------------------------------------
def test_token_endpoint_makes_a_limited_token(api, personas):
    response = api.post(
        TOKEN_URL,
        {"email": "alice@example.com", "password": PASSWORD, "workspace": "alice-studio"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["workspace"] == "alice-studio"
    token = ApiToken.objects.get(user=personas.alice)
    assert token.workspace == personas.a and token.tenant_limit == personas.a


@pytest.mark.parametrize("given", [None, ""])
def test_token_endpoint_without_a_workspace_makes_an_unlimited_token(api, personas, given):
    body = {"email": "alice@example.com", "password": PASSWORD}
    if given is not None:
        body["workspace"] = given
    response = api.post(TOKEN_URL, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["workspace"] is None
    assert ApiToken.objects.get(user=personas.alice).tenant_limit is None


@pytest.mark.parametrize("slug", ["charlie-works", "no-such-workspace"])
def test_token_endpoint_refuses_a_workspace_not_mine_the_same_way(api, personas, slug):
    """Another person's workspace and one that does not exist get the same answer."""
    response = api.post(
        TOKEN_URL,
        {"email": "alice@example.com", "password": PASSWORD, "workspace": slug},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "invalid", "detail": "Choose one of your workspaces.", "attr": "workspace"}
    ]
    assert not ApiToken.objects.exists()


def test_the_service_refuses_a_workspace_the_user_is_not_a_member_of(personas):
    with pytest.raises(ValidationError) as info:
        services.api_token_create(user=personas.alice, name="x", workspace=personas.b)
    assert info.value.message_dict == {"workspace": ["Choose one of your workspaces."]}
    assert not ApiToken.objects.exists()


def test_token_list_shows_each_tokens_limit(personas):
    services.api_token_create(user=personas.alice, name="all")
    services.api_token_create(user=personas.alice, name="one", workspace=personas.a)
    _, key = services.api_token_create(user=personas.alice, name="lister")
    listed = _client(key).get("/api/v1/auth/tokens/").json()["results"]
    assert {t["name"]: t["workspace"] for t in listed} == {
        "all": None,
        "one": "alice-studio",
        "lister": None,
    }


def test_deleting_the_workspace_deletes_its_limited_tokens(personas, limited):
    _, token = limited
    with scopes_disabled():
        personas.a.delete()
    assert not ApiToken.objects.filter(pk=token.pk).exists()


# --- Using one ---------------------------------------------------------------------------
def test_a_limited_token_works_on_its_workspaces_routes(personas, limited):
    client, _ = limited
    ClientFactory(workspace=personas.a, name="Acme")
    assert client.get("/api/v1/workspaces/alice-studio/").status_code == 200
    clients = client.get("/api/v1/workspaces/alice-studio/clients/")
    assert clients.status_code == 200
    assert [c["name"] for c in clients.json()["results"]] == ["Acme"]
    changed = client.patch(
        "/api/v1/workspaces/alice-studio/", {"payment_terms_days": 14}, format="json"
    )
    assert changed.status_code == 200, changed.json()


def test_a_limited_token_is_404_on_another_of_the_users_workspaces(
    api_as, personas, side_business, limited
):
    """Alice is a member of the side business too: her unlimited token reaches it, the
    token limited to A gets the outsider's 404 there, for every method."""
    client, _ = limited
    ClientFactory(workspace=side_business, name="Side client")
    unlimited = api_as(personas.alice)
    assert unlimited.get("/api/v1/workspaces/side-gig/clients/").status_code == 200
    for url in ("/api/v1/workspaces/side-gig/", "/api/v1/workspaces/side-gig/clients/"):
        assert_api_404_for_outsider(client, url)
    with scopes_disabled():
        assert side_business.clients.get().name == "Side client"


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/me/", None),
        ("patch", "/api/v1/me/", {"full_name": "Mallory"}),
        ("get", "/api/v1/workspaces/", None),
        (
            "post",
            "/api/v1/workspaces/",
            {"name": "New", "slug": "new-one", "country": "US", "base_currency": "USD"},
        ),
        ("get", "/api/v1/auth/tokens/", None),
    ],
)
def test_account_level_endpoints_refuse_a_limited_token(personas, limited, method, url, body):
    client, _ = limited
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == LIMITED
    personas.alice.refresh_from_db()
    assert personas.alice.full_name != "Mallory"
    assert not Workspace.objects.filter(slug="new-one").exists()


def test_a_limited_token_cannot_revoke_tokens(personas, limited):
    client, _ = limited
    other, _ = services.api_token_create(user=personas.alice, name="main")
    response = client.delete(f"/api/v1/auth/tokens/{other.pk}/")
    assert response.status_code == 403
    assert response.json()["errors"][0]["detail"] == LIMITED
    other.refresh_from_db()
    assert other.revoked_at is None


def test_every_account_level_endpoint_refuses_limited_tokens():
    """Every API view outside a tenant's routes either lets anyone in (the token exchange)
    or refuses a limited token: a new account-level endpoint must say which."""
    from django.urls import get_resolver
    from rest_framework.permissions import AllowAny

    from core.api.permissions import IsNotTenantLimited
    from core.tenancy import API_ROOT, tenant_kinds

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, prefix + str(p.pattern).lstrip("^"))
            else:
                yield prefix + str(p.pattern).lstrip("^"), getattr(p.callback, "cls", None)

    tenant_routes = tuple(f"{API_ROOT[1:]}{kind.api_prefix}/" for kind in tenant_kinds())
    kind_args = tuple(f"<{kind.name}>" for kind in tenant_kinds()) + tuple(
        f":{kind.name}>" for kind in tenant_kinds()
    )
    checked = 0
    for route, cls in walk(get_resolver().url_patterns):
        if cls is None or not route.startswith(API_ROOT[1:]):
            continue
        if route.startswith(tenant_routes) and any(arg in route for arg in kind_args):
            continue  # a tenant's route: IsTenantMember holds the token to its tenant
        classes = cls.permission_classes
        assert AllowAny in classes or IsNotTenantLimited in classes, route
        checked += 1
    assert checked >= 4


# --- The page ----------------------------------------------------------------------------
def test_token_page_makes_a_limited_token_and_lists_the_limit(client, personas, side_business):
    client.force_login(personas.alice)
    url = reverse("accounts:api_tokens")
    page = client.get(url)
    choices = [label for _, label in page.context["form"].fields["workspace"].choices]
    assert choices == ["All my workspaces", "Alice Studio", "Side Gig"]

    response = client.post(url, {"name": "Sync", "workspace": "side-gig"})
    assert response.status_code == 200 and response.context["new_key"]
    client.post(url, {"name": "Everything", "workspace": ""})
    tokens = {t.name: t.workspace for t in ApiToken.objects.filter(user=personas.alice)}
    assert tokens == {"Sync": side_business, "Everything": None}

    listing = client.get(url).content.decode()
    assert "<td>Side Gig</td>" in listing
    assert '<td><span class="muted">All my workspaces</span></td>' in listing


def test_token_page_refuses_another_persons_workspace(client, personas):
    client.force_login(personas.alice)
    response = client.post(
        reverse("accounts:api_tokens"), {"name": "Sneaky", "workspace": "charlie-works"}
    )
    assert response.status_code == 200
    assert "workspace" in response.context["form"].errors
    assert response.context["new_key"] is None
    assert not ApiToken.objects.exists()
