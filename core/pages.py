"""What every tenant's pages share: the role gate and service errors onto forms."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from core.tenancy import ROLE_REQUIREMENTS, role_allows

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def role_required(required: str = "read") -> Callable[[View], View]:
    """Gate a tenant page by role: "read" any member, "write" roles that may change
    records, "manage" owners and admins. Membership itself was checked by the middleware,
    which also resolved the tenant, so the view does not receive the slug argument."""
    if required not in ROLE_REQUIREMENTS:
        raise ValueError(f"Unknown role requirement {required!r}.")

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership = getattr(request, "membership", None)
            if membership is None:  # pragma: no cover - the middleware guarantees it
                raise PermissionDenied
            if not role_allows(membership, required):
                raise PermissionDenied("Your role here does not allow this.")
            kind = getattr(request, "tenant_kind", None)
            if kind is not None:
                kwargs.pop(kind.name, None)
            return view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorator


def form_errors_from(exc: ValidationError, form: Any) -> None:
    """Put a service's ValidationError onto the form, field by field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
