"""Server time and queries of the pages people open most, as a workspace grows: the
invoices page, the dashboard, the biggest client's page and the invoice API's first page,
at 200, 10,000 and 100,000 invoices (`--sizes`).

One workspace grows through the sizes (bench.data: the recurring run's own set-based
path, a sample paid through the receipt service, the older steps overdue), next to a
small second workspace of 200 invoices, so every read has another tenant's rows beside
it. Each page is requested through django.test.Client logged in as the owner, with
production's settings where they matter for speed (DEBUG off, so the cached template
loader, no debug query log); a few warm-up requests, then the median of `--requests`.
"Server time" is the time of `Client.get`: middleware, view, queries, template, no
network. The growth column is time at N over time at the first size: what "constant
time" has to keep near 1.

Everything happens in one transaction rolled back at the end (unless --keep)."""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_SIZES = (200, 10_000, 100_000)
# Seconds bench.data took to grow the workspace to each size (from the previous one).
BUILD_SECONDS: dict[int, float] = {}


def _production_like_env() -> None:
    """Production's settings for what a page costs (DEBUG off: cached templates, no query
    log). PORTFOLIO_TESTING keeps static files served from the app folders (no
    collectstatic manifest needed) and plain-HTTP cookies, neither of which is on a
    page's path."""
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("PORTFOLIO_TESTING", "true")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=os.environ.get("SIZES", ",".join(str(s) for s in DEFAULT_SIZES)),
        help="invoice counts to measure at, comma separated (env SIZES)",
    )
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per page first")
    _production_like_env()
    from bench.common import run_rolled_back

    run_rolled_back(parser, run)


def run(args, connection) -> str:
    sizes = sorted({int(s.replace("_", "")) for s in str(args.sizes).split(",") if s.strip()})
    return measure(sizes, requests=args.requests, warmup=args.warmup)


@dataclass
class Measurement:
    page: str
    size: int
    queries: int
    median_ms: float
    p90_ms: float
    status: int


PAGES = ("invoices page", "dashboard", "client page (biggest)", "invoice API, 1st page")


def _pages(bench) -> list[tuple[str, str]]:
    from django.urls import reverse

    slug = bench.workspace.slug
    urls = [
        reverse("invoicing:invoice_list", kwargs={"workspace": slug}),
        reverse("insights:dashboard", kwargs={"workspace": slug}),
        reverse(
            "engagements:client_detail",
            kwargs={"workspace": slug, "pk": bench.biggest_client.pk},
        ),
        reverse("invoicing_api:invoice-list", kwargs={"workspace": slug}),
    ]
    return list(zip(PAGES, urls, strict=True))


def time_page(client, url: str, *, requests: int, warmup: int) -> tuple[int, list[float], int]:
    """Queries of one request, the times of `requests` requests (ms) after `warmup`, and
    the status code."""
    from django.db import connection

    from bench.common import QueryCounter

    for _ in range(warmup):
        client.get(url)
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        response = client.get(url)
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    return counter.count, times, response.status_code


def measure_sizes(
    sizes: Sequence[int], *, requests: int = 20, warmup: int = 5, other_tenant: int = 200
) -> list[Measurement]:
    """Grow one workspace through `sizes` (and make the small second one), and measure
    every page at each size. Call inside a transaction the caller rolls back."""
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench.data import grow_to, make_workspace, small_workspace

    today = timezone.localdate()
    small_workspace(today=today, size=other_tenant)
    bench = make_workspace(label="pages", clients=50)
    client = Client()
    client.force_login(bench.owner)
    results = []
    for size in sizes:
        t0 = time.perf_counter()
        grow_to(bench, size, today=today)
        # What autovacuum would have done by now in production: statistics of the rows
        # just made (ANALYZE counts this transaction's own rows), so plans are the ones
        # a real workspace of this size gets, not guesses from empty tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        BUILD_SECONDS[size] = time.perf_counter() - t0
        for page, url in _pages(bench):
            queries, times, status = time_page(client, url, requests=requests, warmup=warmup)
            times.sort()
            p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
            results.append(Measurement(page, size, queries, statistics.median(times), p90, status))
    return results


def report(results: Sequence[Measurement]) -> str:
    """One table: a row per page and size, growth against the page's smallest size."""
    from bench.table import table

    first: dict[str, float] = {}
    rows = []
    for page in dict.fromkeys(m.page for m in results):
        for m in sorted((m for m in results if m.page == page), key=lambda m: m.size):
            base = first.setdefault(page, m.median_ms)
            rows.append(
                [
                    page,
                    m.size,
                    m.queries,
                    f"{m.median_ms:.1f} ms",
                    f"{m.p90_ms:.1f} ms",
                    f"{m.median_ms / base:.2f}×",
                    m.status,
                ]
            )
    return table(
        "Pages: server time as the workspace grows (median of requests, Client.get, DEBUG off)",
        ["page", "invoices", "queries", "median", "p90", "growth", "status"],
        rows,
    )


def measure(sizes: Sequence[int], *, requests: int = 20, warmup: int = 5) -> str:
    t0 = time.perf_counter()
    results = measure_sizes(sizes, requests=requests, warmup=warmup)
    took = time.perf_counter() - t0
    built = ", ".join(f"{size:,} in {BUILD_SECONDS[size]:.0f} s" for size in sorted(BUILD_SECONDS))
    return report(results) + (
        f"(data grown through the recurring run: {built}; all measured in {took:.0f} s;"
        " rolled back)\n"
    )


if __name__ == "__main__":
    main()
