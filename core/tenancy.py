"""Tenant isolation as a mechanism, for every kind of tenant.

A *tenant kind* is registered once by the app that owns its tenant model (the workspace
kind by `accounts`; the benefits administrators' organisation by `benefits`). From the
kind alone the kernel derives, without per-kind copies:

* the URL prefixes under which a request belongs to one tenant (`/w/<slug>/` pages and
  `/api/v1/workspaces/<slug>/` endpoints for workspaces), resolved by `TenantMiddleware`,
  which answers 404 to non-members (never 403: that would confirm the tenant exists) and
  runs the rest of the request inside the tenant's scope and time zone;
* the scope: every tenant-owned model has a direct foreign key named after the kind and a
  `django_scopes.ScopedManager` on that dimension, so a query outside an active scope
  raises `ScopeError` instead of returning every tenant's rows;
* membership (`membership_for`), the 404-across-tenants lookup
  (`get_tenant_object_or_404`), the API permission and viewset (`core.api`) and the Celery
  task wrapper (`core.tasks.tenant_task`).

Code that must cross tenants (webhooks, admin commands, beat) says so with
`django_scopes.scopes_disabled()`.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.apps import apps
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_scopes import scope, scopes_disabled

API_ROOT = "/api/v1/"


class Membership(Protocol):
    """What the kernel needs of a kind's membership row."""

    @property
    def can_write(self) -> bool: ...

    @property
    def can_manage(self) -> bool: ...


ROLE_REQUIREMENTS = ("read", "write", "manage")


def role_allows(membership: Membership, required: str) -> bool:
    """What a member may do: "read" any member, "write" roles that may change records,
    "manage" owners and admins. Pages (`core.pages.role_required`) and the API
    (`core.api.permissions.IsTenantMember`) both ask this."""
    if required == "read":
        return True
    if required == "write":
        return membership.can_write
    if required == "manage":
        return membership.can_manage
    raise ValueError(f"Unknown role requirement {required!r}.")


@dataclass(frozen=True)
class TenantKind:
    """One kind of tenant.

    `name` is at once the scope dimension, the foreign key every owned row carries, the URL
    keyword argument and the request attribute (`request.workspace`). The tenant model has
    a unique `slug`; the membership model has a foreign key `name` to it, a `user`, and the
    `can_write` / `can_manage` properties."""

    name: str
    model: str  # "app_label.Model"
    membership_model: str
    page_prefix: str  # "w" → /w/<slug>/…
    api_prefix: str  # "workspaces" → /api/v1/workspaces/<slug>/…
    verbose_name: str = ""
    # Field of the tenant holding an IANA zone name its pages run in; None → UTC.
    timezone_field: str | None = None

    @property
    def tenant_model(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def membership(self) -> type[models.Model]:
        return apps.get_model(self.membership_model)

    def page_path(self, slug: str) -> str:
        return f"/{self.page_prefix}/{slug}/"

    def api_path(self, slug: str) -> str:
        return f"{API_ROOT}{self.api_prefix}/{slug}/"


_KINDS: dict[str, TenantKind] = {}


def register_tenant_kind(kind: TenantKind) -> TenantKind:
    """Called from the owning app's `AppConfig.ready()`. Registering the same kind twice
    (a reloaded app) is harmless; two kinds on one prefix or name are a mistake."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"Tenant kind {kind.name!r} is already registered differently.")
    for other in _KINDS.values():
        if other.name != kind.name and (
            other.page_prefix == kind.page_prefix or other.api_prefix == kind.api_prefix
        ):
            raise ValueError(f"Tenant kinds {other.name!r} and {kind.name!r} share a prefix.")
    _KINDS[kind.name] = kind
    return kind


def unregister_tenant_kind(name: str) -> None:
    """Forget a kind: for tests that register one of their own, in their teardown."""
    _KINDS.pop(name, None)


def tenant_kinds() -> list[TenantKind]:
    return list(_KINDS.values())


def tenant_kind(name: str) -> TenantKind:
    return _KINDS[name]


def kind_of(tenant: models.Model) -> TenantKind:
    """The kind whose tenant model `tenant` is an instance of."""
    label = tenant._meta.label
    for kind in _KINDS.values():
        if kind.model == label:
            return kind
    raise LookupError(f"{label} is not a registered tenant model.")


def owning_kind(model: type[models.Model]) -> TenantKind | None:
    """The kind a model belongs to: the one whose tenant it has a direct, required foreign
    key to, named after the kind. None for models no tenant owns (users, tenants, and API
    tokens, whose optional `workspace` is a limit, not an owner)."""
    for kind in _KINDS.values():
        field = next((f for f in model._meta.get_fields() if f.name == kind.name), None)
        remote = getattr(field, "related_model", None)
        required = not getattr(field, "null", True)
        if remote is not None and remote._meta.label == kind.model and required:
            return kind
    return None


_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def match_tenant_path(path: str) -> tuple[TenantKind, str, bool] | None:
    """(kind, slug, is_api) when `path` lies under one tenant, else None."""
    for kind in _KINDS.values():
        key = (kind.page_prefix, kind.api_prefix)
        pattern = _PATTERNS.get(key)
        if pattern is None:
            pattern = _PATTERNS[key] = re.compile(
                rf"^/(?:(?P<page>{re.escape(kind.page_prefix)})|"
                rf"{re.escape(API_ROOT[1:])}{re.escape(kind.api_prefix)})"
                r"/(?P<slug>[-a-z0-9]+)(?:/|$)"
            )
        match = pattern.match(path)
        if match:
            return kind, match["slug"], match["page"] is None
    return None


def tenant_scope(tenant: models.Model | None) -> Any:
    """Activate one tenant's scope. Use this, not `django_scopes.scope` directly:
    django-scopes reads `scope(workspace=None)` as "no filter", which would open every
    tenant's rows; here a missing or unsaved tenant is an error."""
    if tenant is None or tenant.pk is None:
        raise ValueError("A tenant scope needs a saved tenant.")
    return scope(**{kind_of(tenant).name: tenant})


def membership_for(user: Any, tenant: models.Model | None) -> Any | None:
    """The user's membership in the tenant, or None (anonymous, not a member, no tenant)."""
    if tenant is None or not getattr(user, "is_authenticated", False):
        return None
    kind = kind_of(tenant)
    with tenant_scope(tenant):
        return kind.membership._default_manager.filter(user=user).select_related(kind.name).first()


def get_tenant_object_or_404(
    queryset_or_model: type[models.Model] | models.QuerySet[Any],
    tenant: models.Model,
    **lookup: Any,
) -> Any:
    """Fetch one tenant-owned object; any other tenant's object is a 404."""
    queryset = (
        queryset_or_model._default_manager.all()
        if isinstance(queryset_or_model, type)
        else queryset_or_model
    )
    return get_object_or_404(queryset.filter(**{kind_of(tenant).name: tenant}), **lookup)


def tenant_timezone(tenant: models.Model) -> zoneinfo.ZoneInfo:
    kind = kind_of(tenant)
    name = getattr(tenant, kind.timezone_field, None) if kind.timezone_field else None
    return zoneinfo.ZoneInfo(name or "UTC")


class TenantMiddleware:
    """Attach `request.tenant`, `request.tenant_kind`, `request.membership` and the
    kind-named attribute (`request.workspace`), and scope the request to the tenant."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None  # type: ignore[attr-defined]
        request.tenant_kind = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        for kind in _KINDS.values():
            setattr(request, kind.name, None)
        path = request.path_info
        if path.startswith("/admin/"):
            # The Django admin is the operators' cross-tenant tool, for superusers only.
            with scopes_disabled():
                return self.get_response(request)
        match = match_tenant_path(path)
        if match is None:
            return self.get_response(request)
        kind, slug, is_api = match
        tenant = kind.tenant_model._default_manager.filter(slug=slug).first()
        request.tenant_kind = kind  # type: ignore[attr-defined]
        if not is_api:
            # Pages: the session user is known here, so membership is enforced here, once,
            # for every page under the prefix. Not a member (or no such tenant) is 404.
            if not request.user.is_authenticated:
                # Imported here: auth's views import the user model, which is not loaded
                # yet when the models of the apps import this module.
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            membership = membership_for(request.user, tenant)
            if membership is None:
                raise Http404(f"No such {kind.verbose_name or kind.name}.")
            request.membership = membership  # type: ignore[attr-defined]
        # API: token authentication runs inside DRF, after middleware, so the membership
        # check lives in `core.api.permissions.IsTenantMember`; an unknown slug is left for
        # DRF to answer with its standard 404 body.
        request.tenant = tenant  # type: ignore[attr-defined]
        setattr(request, kind.name, tenant)
        if tenant is None:
            return self.get_response(request)
        # Dates and times on the tenant's pages (and "today" for due dates, unbilled work,
        # reminders shown) are in the tenant's time zone.
        with tenant_scope(tenant), timezone.override(tenant_timezone(tenant)):
            return self.get_response(request)
