"""Celery plumbing every app shares. Tasks take ids, reload what they need and run inside
their tenant's scope (`tenant_task`); they are enqueued with `enqueue_on_commit`, through
the transactional outbox (`core.outbox`), so a rolled-back transaction never leaves a task
behind and a committed one never loses it, even when the broker is down. The outbox's
sweeper (`outbox_relay`) is a beat task of its own."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from celery import shared_task

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
    """Queue `task(**kwargs)` if and when the surrounding transaction commits (never for a
    rolled-back one). The message is an outbox row written in this transaction and relayed
    to the broker after commit; if the broker is unreachable then, the row waits and the
    sweeper publishes it later: a saved change never loses its task, nor turns into a
    500. The task may run more than once (at-least-once relay, late acks): it must be
    idempotent. kwargs are ids (plain JSON), never a secret."""
    from core.outbox import outbox_add

    outbox_add(task.name, kwargs)


# The sweeper: relays what the after-commit kick could not (broker down, process gone) and
# prunes old sent rows. Named explicitly: beat rows name it. Not late-acked: a sweep lost
# with its worker is simply the next one.
@shared_task(name="core.tasks.outbox_relay")  # type: ignore[untyped-decorator]  # celery: untyped
def outbox_relay() -> dict[str, int]:
    from core.outbox import outbox_prune
    from core.outbox import outbox_relay as relay

    result = relay()
    return {"published": result.published, "failed": result.failed, "pruned": outbox_prune()}
