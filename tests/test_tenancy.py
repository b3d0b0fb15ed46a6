"""The tenancy mechanism itself: scoped managers refuse unscoped queries; the middleware
and the API base turn any other workspace's URL into a 404; related-field choices are
narrowed to the workspace; every tenant-owned model has a scoped default manager. (Every
route's cross-tenant 404 is checked in test_cross_tenant.py.)"""

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from accounts.models import Membership
from core.tokens import hash_token
from engagements.models import Client
from tests.factories import ClientFactory, InvitationFactory
from tests.tenancy import _kinds, assert_api_404_for_outsider, assert_page_404_for_outsider


def test_tenant_query_outside_a_scope_raises(personas):
    with pytest.raises(ScopeError):
        list(Client.objects.all())
    with pytest.raises(ScopeError):
        Membership.objects.count()


def test_scope_filters_to_the_workspace(personas):
    ClientFactory(workspace=personas.a, name="Mine")
    ClientFactory(workspace=personas.b, name="Theirs")
    with scope(workspace=personas.a):
        assert [c.name for c in Client.objects.all()] == ["Mine"]
    with scopes_disabled():
        assert Client.objects.count() == 2


def test_an_object_of_b_under_a_slug_of_a_is_404(client, api_as, personas):
    """Alice belongs to A; B's client id under A's URL must not resolve either."""
    theirs = ClientFactory(workspace=personas.b)
    client.force_login(personas.alice)
    url = reverse(
        "engagements:client_detail", kwargs={"workspace": personas.a.slug, "pk": theirs.pk}
    )
    assert_page_404_for_outsider(client, url)
    api_url = reverse(
        "engagements_api:client-detail", kwargs={"workspace": personas.a.slug, "pk": theirs.pk}
    )
    # Alice is a member here, so methods the route lacks (POST on a detail URL) are a 405
    # for every id alike; the ones it has must not find B's object.
    assert_api_404_for_outsider(api_as(personas.alice), api_url, methods=("get", "patch"))


def test_unknown_workspace_is_the_same_404(client, api_as, personas):
    client.force_login(personas.charlie)
    assert_page_404_for_outsider(client, "/w/no-such-workspace/")
    assert_api_404_for_outsider(api_as(personas.charlie), "/api/v1/workspaces/no-such/clients/")


def test_anonymous_page_redirects_to_login_and_api_is_401(client, api, personas):
    response = client.get(reverse("insights:dashboard", kwargs={"workspace": personas.a.slug}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = api.get(
        reverse("engagements_api:client-list", kwargs={"workspace": personas.a.slug})
    )
    assert response.status_code == 401


def test_outsider_write_changes_nothing(api_as, personas):
    theirs = ClientFactory(workspace=personas.a, name="Untouched")
    url = reverse(
        "engagements_api:client-detail", kwargs={"workspace": personas.a.slug, "pk": theirs.pk}
    )
    response = api_as(personas.charlie).patch(url, {"name": "Hacked"}, format="json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Untouched"


def test_related_choices_are_narrowed_to_the_workspace(personas):
    """WorkspaceSerializerMixin: a related field offers only the workspace's own rows."""
    from rest_framework import serializers

    from accounts.api.base import WorkspaceSerializerMixin

    mine = ClientFactory(workspace=personas.a)
    theirs = ClientFactory(workspace=personas.b)

    class PickClient(WorkspaceSerializerMixin, serializers.Serializer):
        client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())

    with scope(workspace=personas.a):
        ok = PickClient(data={"client": mine.pk}, context={"workspace": personas.a})
        assert ok.is_valid(), ok.errors
        bad = PickClient(data={"client": theirs.pk}, context={"workspace": personas.a})
        assert not bad.is_valid()
        assert bad.errors["client"][0].code == "does_not_exist"


def test_invitation_token_lookup_is_the_only_cross_tenant_read(personas):
    from accounts.services import invitation_from_token

    InvitationFactory(workspace=personas.b, token_hash=hash_token("secret-b"))
    found = invitation_from_token(token="secret-b")
    assert found is not None and found.workspace == personas.b
    assert invitation_from_token(token="guess") is None


def _filters_on(queryset, field) -> bool:
    return any(
        getattr(getattr(child, "lhs", None), "target", None) == field
        for child in queryset.query.where.children
    )


def test_every_tenant_model_has_a_scoped_default_manager():
    """A model a kind owns (a required foreign key named after the kind, to its tenant) has
    a default manager scoped on that kind's dimension: unscoped, a query fails loudly
    instead of returning every tenant's rows; in a scope, it filters on that foreign key.
    The workspace kind's models share `TenantModel`."""
    from django.apps import apps
    from django_scopes.manager import DisabledQuerySet

    from accounts.tenancy import TenantModel
    from core.tenancy import owning_kind

    owned = {model: owning_kind(model) for model in apps.get_models()}
    owned = {model: kind for model, kind in owned.items() if kind is not None}
    assert sum(kind.name == "workspace" for kind in owned.values()) >= 4
    for model, kind in owned.items():
        manager = model._default_manager
        assert isinstance(manager.get_queryset(), DisabledQuerySet), (
            f"{model.__name__} is tenant-owned but its default manager is not scoped"
        )
        with scope(**{kind.name: -1}):
            assert _filters_on(manager.get_queryset(), model._meta.get_field(kind.name)), (
                f"{model.__name__}'s default manager is not scoped on {kind.name!r}"
            )
        if kind.name == "workspace":
            assert issubclass(model, TenantModel), model


# Foreign keys to a tenant that do not make their row tenant-owned, and why.
TENANT_REFERENCES = {
    ("accounts.User", "last_workspace"): "a hint where to open; membership is checked on use",
    ("accounts.ApiToken", "workspace"): "optional limit of a user's token; null = unlimited",
}


def test_no_model_reaches_a_tenant_under_another_name_only():
    """A row pointing at a tenant through a differently named (or optional) key only would
    escape the kind's scope: `owning_kind` would not see it. Every such key is either on a
    model that also has the direct one, or a listed reference."""
    from django.apps import apps

    from core.tenancy import owning_kind

    tenant_models = {kind.model: kind for kind in _kinds()}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            kind = tenant_models.get(field.related_model._meta.label)
            if kind is None or owning_kind(model) == kind:
                continue
            assert (model._meta.label, field.name) in TENANT_REFERENCES, (
                f"{model._meta.label}.{field.name} points at a {kind.name} without "
                f"{model.__name__} having the direct, required `{kind.name}` foreign key"
            )


def test_a_scope_without_a_workspace_is_refused():
    """django-scopes would read workspace=None as "no filter"; our helper refuses it."""
    from accounts.tenancy import workspace_scope

    with pytest.raises(ValueError, match="saved workspace"):
        workspace_scope(None)


def test_workspace_pages_run_in_the_workspace_time_zone(client, personas):
    from django.utils import timezone

    from core.tenancy import TenantMiddleware

    personas.a.timezone = "Pacific/Auckland"
    personas.a.save()
    seen = {}

    def view(request):
        seen["tz"] = timezone.get_current_timezone_name()
        from django.http import HttpResponse

        return HttpResponse("ok")

    from django.test import RequestFactory

    request = RequestFactory().get("/w/alice-studio/")
    request.user = personas.alice
    TenantMiddleware(view)(request)
    assert seen["tz"] == "Pacific/Auckland"
    assert timezone.get_current_timezone_name() == "UTC"  # restored afterwards
