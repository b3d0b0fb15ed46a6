"""Rate limits for the public token pages (proposals, invoices): a token in a URL must
not be walkable. Counted in the shared cache (Redis). Also the one rule for which client
address every limit of the app (these, DRF's throttles, allauth's) is keyed on."""

import functools
import math
import uuid
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


# One sliding window per key, kept in a Redis sorted set of request times: drop the times
# older than the window, count the rest, and admit (recording this request) only below
# the limit. Atomic as one script, so concurrent workers never both take the last slot.
# A refused request is not recorded: it neither extends its own wait nor burns budget.
# Returns 0 when admitted, else the milliseconds until the oldest counted request leaves
# the window (the true Retry-After).
_SLIDING_WINDOW = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""


@functools.cache
def _redis() -> Any:
    """A client of the cache's Redis (the limiter needs a script, which Django's cache API
    does not offer). Keys still go through the cache's `make_key`, so they carry its
    prefix and `cache.clear()` clears them."""
    import redis

    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def admit(key: str, *, limit: int, window: int) -> float:
    """Count one request against `key`: 0.0 when it is within `limit` requests in the last
    `window` seconds (a sliding window, not calendar-aligned buckets), else the seconds
    until it would be."""
    now_ms = int(timezone.now().timestamp() * 1000)
    wait_ms = _redis().eval(
        _SLIDING_WINDOW,
        1,
        cache.make_key(f"ratelimit:{key}"),
        now_ms,
        window * 1000,
        limit,
        f"{now_ms}:{uuid.uuid4().hex}",
    )
    return int(wait_ms) / 1000


def rate_limited(*, scope: str, limit: int, window: int) -> Callable[[View], View]:
    """At most `limit` requests in any `window` seconds per client address, counted in the
    shared Redis, so every worker process sees the same count. Over the limit the view is
    not run at all: a 429 whose Retry-After is the whole seconds until a request would be
    admitted again.

    The address is `client_address`: never an entry of X-Forwarded-For the client wrote."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            wait = admit(f"{scope}:{client_address(request)}", limit=limit, window=window)
            if wait:
                seconds = math.ceil(wait)
                response = render(
                    request, "public/rate_limited.html", {"retry_after": seconds}, status=429
                )
                response["Retry-After"] = str(seconds)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
