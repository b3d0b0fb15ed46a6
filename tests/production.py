"""What the tests that run the app as production does share: its environment and every
route of its URL resolver."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

HOST = "portfolio.example.com"


def production_env(**extra: str) -> dict[str, str]:
    """This process's environment as production sets it: DEBUG off, a fresh SECRET_KEY,
    one allowed host; `extra` on top. pytest's own variables are left out."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DEBUG="false",
        PORTFOLIO_TESTING="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}",
        **extra,
    )
    return env


def routes() -> Iterator[str]:
    """Every route of the URL resolver, as its pattern text (`api/v1/<slug:workspace>/…`)."""

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    return walk(get_resolver().url_patterns)
