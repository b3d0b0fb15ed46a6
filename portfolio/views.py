from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def _check(fn) -> dict:
    started = time.monotonic()
    try:
        detail = fn()
    except Exception as exc:  # noqa: BLE001 - a health probe reports every failure
        # The exception's text can name the database's or broker's host, port and user, and
        # /healthz answers anyone: the detail goes to the log, and into the response only
        # in development (DEBUG).
        error = f"{type(exc).__name__}: {exc}"[:300]
        logger.warning("healthz: %s check failed: %s", fn.__name__.lstrip("_"), error)
        return {"ok": False, "error": error} if settings.DEBUG else {"ok": False}
    result = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    if detail:
        result.update(detail)
    return result


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker():
    from portfolio.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _worker():
    from portfolio.celery import app

    # limit=1: return on the first reply instead of always waiting out the timeout.
    if not app.control.ping(timeout=1.0, limit=1):
        raise RuntimeError("no Celery worker answered within 1s")


def _outbox():
    from core.outbox import outbox_stats

    return outbox_stats().as_dict()


@never_cache
def healthz(request):
    """Database, broker and worker status; 200 only when all three are up (a failed check
    says only `"ok": false` in production; why is in the log). The outbox's
    counts (tasks waiting to reach the broker) are reported beside them, for operators: a
    backlog says the broker or the sweeper is down, but is no reason to take web out of
    rotation, so it does not change the status."""
    checks = {"database": _check(_database), "broker": _check(_broker)}
    checks["worker"] = (
        _check(_worker) if checks["broker"]["ok"] else {"ok": False, "error": "broker unreachable"}
    )
    healthy = all(c["ok"] for c in checks.values())
    outbox = _check(_outbox) if checks["database"]["ok"] else {"ok": False}
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks, "outbox": outbox},
        status=200 if healthy else 503,
    )


API_NOT_FOUND = {
    "type": "client_error",
    "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
}


# The pages a client opens from a link, with no account: their error pages use the
# public layout (templates/public/), with nothing that leads into the app.
CLIENT_PAGE_PREFIXES = ("/i/", "/p/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A URL that matches no route: under /api/ the API's JSON error body (a client reading
    `clients/1.5/` gets the same 404 as for an id that does not exist), under a client's
    link the public page, elsewhere the styled page."""
    if request.path.startswith("/api/"):
        return JsonResponse(API_NOT_FOUND, status=404)
    if request.path.startswith(CLIENT_PAGE_PREFIXES):
        return defaults.page_not_found(request, exception, template_name="public/not_found.html")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page; for a client's link the public one. Both render without context."""
    if request.path.startswith(CLIENT_PAGE_PREFIXES):
        return defaults.server_error(request, template_name="public/error.html")
    return defaults.server_error(request)
