"""Rate limits for the public token pages (proposals, invoices): a token in a URL must
not be walkable. Counted in the shared cache (Redis)."""

import functools
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

View = Callable[..., HttpResponse]

PUBLIC_RATE_LIMIT = 30  # requests per window per client address
PUBLIC_RATE_WINDOW = 60  # seconds


def rate_limited(*, scope: str, limit: int, window: int) -> Callable[[View], View]:
    """At most `limit` requests per `window` seconds per client address, counted in the
    shared cache (Redis), so every worker process sees the same count. Over the limit the
    view is not run at all: a 429 with Retry-After.

    The address is REMOTE_ADDR: behind the proxy that is what gunicorn was told to trust
    (see portfolio/gunicorn.conf.py); a client-sent X-Forwarded-For is never read here."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            address = request.META.get("REMOTE_ADDR", "unknown")
            bucket = int(timezone.now().timestamp()) // window
            key = f"ratelimit:{scope}:{address}:{bucket}"
            # add() is atomic and sets the expiry; incr() is atomic on Redis.
            count = 1 if cache.add(key, 1, timeout=window + 1) else cache.incr(key)
            if count > limit:
                response = render(request, "public/rate_limited.html", status=429)
                response["Retry-After"] = str(window)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
