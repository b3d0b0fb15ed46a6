"""Rate limits for the public token pages (proposals, invoices): a token in a URL must
not be walkable. Counted in the shared cache (Redis). Also the one rule for which client
address every limit of the app (these, DRF's throttles, allauth's) is keyed on."""

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

View = Callable[..., HttpResponse]

PUBLIC_RATE_LIMIT = 30  # requests per window per client address
PUBLIC_RATE_WINDOW = 60  # seconds


def client_address(request: HttpRequest) -> str:
    """The client's address as far as the app can trust it, the key of every rate limit.

    Behind `TRUSTED_PROXY_COUNT` proxies that each append the peer they saw to
    X-Forwarded-For, the client is that many entries from the right; with none, the
    socket's peer (REMOTE_ADDR). Entries further left came from the client and are
    ignored, so rotating them never buys a fresh budget. The same rule as DRF's
    NUM_PROXIES (set from the same setting); a header shorter than the count falls back
    to its leftmost entry, as DRF does, rather than failing the request."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        return hops[-min(proxies, len(hops))] or "unknown"
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def rate_limited(*, scope: str, limit: int, window: int) -> Callable[[View], View]:
    """At most `limit` requests per `window` seconds per client address, counted in the
    shared cache (Redis), so every worker process sees the same count. Over the limit the
    view is not run at all: a 429 with Retry-After.

    The address is `client_address`: never an entry of X-Forwarded-For the client wrote."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            address = client_address(request)
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
