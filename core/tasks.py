"""Celery plumbing every app shares. Tasks take ids, reload what they need and run inside
their tenant's scope (`tenant_task`); they are enqueued with `enqueue_on_commit` so a
rolled-back transaction never leaves a task behind."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction

if TYPE_CHECKING:
    from core.tenancy import TenantKind


def tenant_task(kind: TenantKind) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator for task bodies of one tenant kind: the task takes `<kind>_id=` and the
    body runs inside that tenant's scope with `<kind>=` the tenant. A tenant deleted since
    the task was queued means nothing to do."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from core.tenancy import tenant_scope

            key = f"{kind.name}_id"
            if key not in kwargs:
                raise TypeError(f"{func.__name__}() needs the keyword argument {key!r}.")
            tenant_id = kwargs.pop(key)
            tenant = kind.tenant_model._default_manager.filter(pk=tenant_id).first()
            if tenant is None:
                return None
            with tenant_scope(tenant):
                return func(*args, **{kind.name: tenant}, **kwargs)

        return wrapper

    return decorator


def enqueue_on_commit(task: Any, **kwargs: Any) -> None:
    """Queue `task(**kwargs)` once the surrounding transaction commits (never for a
    rolled-back one). If the broker is unreachable at that moment the write is already
    saved: the failure is logged (robust=True) instead of turning a saved change into a
    500, and what the task would do stays visible as not done (no "delivered" event on the
    invoice, a pending invitation), so it can be sent again."""
    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs), robust=True)
