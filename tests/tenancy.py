"""The reusable cross-tenant check. Every new page and endpoint adds its URLs to a table
that runs through these: an outsider — signed in, with a valid token, but a member of
another workspace — must get 404 for every method, exactly like a URL that never existed,
and nothing may change. `_kinds()` gives the tenant kinds the walks of test_cross_tenant.py
and test_tenancy.py go over, never none."""

from __future__ import annotations

from collections.abc import Iterable

from django.test import Client as PageClient
from rest_framework.test import APIClient

READ_AND_WRITE = ("get", "post", "put", "patch", "delete")


def assert_page_404_for_outsider(
    client: PageClient, url: str, methods: Iterable[str] = ("get", "post")
) -> None:
    for method in methods:
        response = getattr(client, method)(url)
        assert response.status_code == 404, (
            f"{method.upper()} {url} answered {response.status_code} to an outsider; "
            "another workspace's page must be a 404"
        )


def assert_api_404_for_outsider(
    client: APIClient, url: str, methods: Iterable[str] = READ_AND_WRITE
) -> None:
    for method in methods:
        response = getattr(client, method)(url, data={}, format="json")
        # DRF checks permissions before it looks for the method's handler, so even a
        # method the resource does not support answers 404, not 405, to an outsider.
        assert response.status_code == 404, (
            f"{method.upper()} {url} answered {response.status_code} to an outsider; "
            "another workspace's resource must be a 404"
        )
        assert response.json()["errors"][0]["code"] == "not_found"


def _kinds():
    from core.tenancy import tenant_kinds

    kinds = tenant_kinds()
    assert "workspace" in {k.name for k in kinds}  # the checks below are never vacuous
    return kinds
