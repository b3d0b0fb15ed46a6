"""The kernel's tenant-kind registry, unit by unit: a second kind of tenant is resolved
from its own prefixes without any per-kind code, and mistakes in declaring one are refused."""

import pytest

from core.tenancy import (
    TenantKind,
    match_tenant_path,
    register_tenant_kind,
    tenant_kind,
    tenant_kinds,
    unregister_tenant_kind,
)

ORGANISATION = TenantKind(
    name="organisation",
    model="organisations.Organisation",
    membership_model="organisations.Member",
    page_prefix="o",
    api_prefix="organisations",
    verbose_name="organisation",
)


@pytest.fixture
def organisation_kind():
    """A second, fake kind, registered for one test only."""
    register_tenant_kind(ORGANISATION)
    yield ORGANISATION
    unregister_tenant_kind(ORGANISATION.name)


def test_a_second_kind_is_resolved_from_its_own_prefixes(organisation_kind):
    workspace = tenant_kind("workspace")
    assert match_tenant_path("/o/acme/") == (organisation_kind, "acme", False)
    assert match_tenant_path("/o/acme/members/7/") == (organisation_kind, "acme", False)
    assert match_tenant_path("/api/v1/organisations/acme/benefits/") == (
        organisation_kind,
        "acme",
        True,
    )
    assert match_tenant_path("/o/acme") == (organisation_kind, "acme", False)
    assert match_tenant_path("/w/acme/clients/") == (workspace, "acme", False)
    assert match_tenant_path("/api/v1/workspaces/acme/clients/") == (workspace, "acme", True)


def test_paths_of_no_tenant_match_no_kind(organisation_kind):
    for path in (
        "/",
        "/o/",
        "/oo/acme/",
        "/organisations/acme/",  # the API prefix only counts under the API root
        "/api/v1/organisations/",
        "/api/v1/me/",
        "/settings/api-tokens/",
        "/w/Not_A_Slug/",
    ):
        assert match_tenant_path(path) is None, path


def test_the_kind_is_listed_while_registered_only(organisation_kind):
    assert organisation_kind in tenant_kinds()
    unregister_tenant_kind(organisation_kind.name)
    assert organisation_kind not in tenant_kinds()
    assert match_tenant_path("/o/acme/") is None
    unregister_tenant_kind(organisation_kind.name)  # forgetting twice is harmless too


def test_registering_the_same_kind_twice_is_harmless(organisation_kind):
    assert register_tenant_kind(ORGANISATION) is ORGANISATION
    assert [k.name for k in tenant_kinds()].count("organisation") == 1


@pytest.mark.parametrize(
    "clash",
    [
        {"page_prefix": "w"},  # the workspaces' page prefix
        {"api_prefix": "workspaces"},  # the workspaces' API prefix
    ],
)
def test_two_kinds_on_one_prefix_are_refused(organisation_kind, clash):
    from dataclasses import replace

    other = replace(ORGANISATION, name="team", page_prefix="t", api_prefix="teams")
    with pytest.raises(ValueError, match="share a prefix"):
        register_tenant_kind(replace(other, **clash))
    assert "team" not in {k.name for k in tenant_kinds()}


def test_a_kind_on_another_kinds_prefix_is_refused(organisation_kind):
    from dataclasses import replace

    with pytest.raises(ValueError, match="share a prefix"):
        register_tenant_kind(replace(ORGANISATION, name="team", api_prefix="teams"))


def test_one_name_declared_two_ways_is_refused(organisation_kind):
    from dataclasses import replace

    with pytest.raises(ValueError, match="already registered differently"):
        register_tenant_kind(replace(ORGANISATION, page_prefix="org"))
    assert tenant_kind("organisation") == ORGANISATION
