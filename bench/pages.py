"""Server time and queries of the pages people open most, as a workspace grows: the
invoices page, the dashboard, the biggest client's page and the invoice API's first page,
at 200, 10,000 and 100,000 invoices (`--sizes`).

A workspace per size (bench.data: the recurring run's own set-based path, a sample paid
through the receipt service, the rest open and overdue), next to a small workspace of
200 invoices, so every read has other tenants' rows beside it. Each page is requested
through django.test.Client logged in as the workspace's owner, with production's
settings where they matter for speed (DEBUG off, so the cached template loader, no debug
query log); a few warm-up requests, then the median of `--requests`, the sizes'
requests interleaved so the machine's load falls on all of them alike.
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
# Seconds bench.data took to make each size's workspace.
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


def _one_request(client, url: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    response = client.get(url)
    return (time.perf_counter() - t0) * 1000, response.status_code


def _count_queries(client, url: str) -> int:
    from django.db import connection

    from bench.common import QueryCounter

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        client.get(url)
    return counter.count


def measure_sizes(
    sizes: Sequence[int], *, requests: int = 20, warmup: int = 5, other_tenant: int = 200
) -> list[Measurement]:
    """A workspace per size (and the small second one), then every page measured at all
    sizes with the requests interleaved (size A, B, C, A, B, C…), so a change in the
    machine's load while it runs falls on every size alike and the growth column is
    about the data, not the moment. Call inside a transaction the caller rolls back."""
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench.data import grow_to, make_workspace, small_workspace

    today = timezone.localdate()
    small_workspace(today=today, size=other_tenant)
    workspaces = {}
    for size in sizes:
        t0 = time.perf_counter()
        bench = make_workspace(label=f"n{size}", clients=50)
        grow_to(bench, size, today=today)
        BUILD_SECONDS[size] = time.perf_counter() - t0
        client = Client()
        client.force_login(bench.owner)
        workspaces[size] = (client, dict(_pages(bench)))
    # What autovacuum would have done by now in production: statistics of the rows just
    # made (ANALYZE counts this transaction's own rows), so plans are the ones a real
    # workspace of this size gets, not guesses from empty tables.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    results = []
    for page in PAGES:
        times: dict[int, list[float]] = {size: [] for size in sizes}
        statuses: dict[int, set[int]] = {size: set() for size in sizes}
        for round_ in range(warmup + requests):
            for size in sizes:
                client, urls = workspaces[size]
                took, status = _one_request(client, urls[page])
                statuses[size].add(status)
                if round_ >= warmup:
                    times[size].append(took)
        for size in sizes:
            client, urls = workspaces[size]
            queries = _count_queries(client, urls[page])
            ordered = sorted(times[size])
            p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
            status = max(statuses[size])  # any non-200 shows
            results.append(
                Measurement(page, size, queries, statistics.median(ordered), p90, status)
            )
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
    built = ", ".join(f"{size:,} in {BUILD_SECONDS[size]:.0f} s" for size in sorted(sizes))
    return report(results) + (
        f"(workspaces made through the recurring run: {built}; all measured in {took:.0f} s;"
        " rolled back)\n"
    )


if __name__ == "__main__":
    main()
