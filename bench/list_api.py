"""How fast the API lists invoices, next to its floor: the first page (and a deep one) of
`GET /api/v1/workspaces/<ws>/invoices/` against the same rows fetched with `values()` and
written by orjson in a bare Django view behind the same token check and membership lookup
(no DRF). Both go through Django's test Client and the whole middleware stack, in the same
run, request by request in turn, and the medians compared, so the ratio holds on a
loaded machine.

N invoices are made in one workspace with `bulk_create` (the list needs no lines), in one
transaction rolled back at the end (unless --keep)."""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from bench.common import QueryCounter, run_rolled_back
from bench.table import table

FLOOR = "floor-invoices"


def floor_view(request: Any, workspace: str) -> Any:
    """The least work that answers the same page: the token and the membership checked as
    the API checks them, one values() query, orjson. No DRF, no field formatting."""
    import orjson
    from django.http import HttpResponse, JsonResponse

    from accounts.api.authentication import BearerTokenAuthentication
    from core.tenancy import membership_for
    from invoicing.api.serializers.invoice_rows import COLUMNS
    from invoicing.models import Invoice

    user, _ = BearerTokenAuthentication().authenticate(request) or (None, None)
    if user is None or membership_for(user, request.tenant) is None:
        return JsonResponse({"detail": "not found"}, status=404)
    size = int(request.GET.get("page_size", 50))
    queryset = Invoice.objects.filter(workspace=request.tenant).order_by("-created_at", "-id")
    if "before" in request.GET:  # a deep page: the plain row comparison of a keyset
        created_at, pk = request.GET["before"].rsplit(",", 1)
        where = ["(invoicing_invoice.created_at, invoicing_invoice.id) < (%s, %s)"]
        queryset = queryset.extra(where=where, params=[created_at, int(pk)])  # noqa: S610
    rows = list(queryset.values(*COLUMNS)[: size + 1])
    body = {"next": None, "previous": None, "results": rows[:size]}
    return HttpResponse(orjson.dumps(body, default=str), content_type="application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="invoices in the workspace")
    parser.add_argument("--seconds", type=float, default=6.0, help="per page measured")
    run_rolled_back(parser, run)


def _setup(n: int) -> tuple[Any, str]:
    from accounts import services as account_services
    from accounts.models import Membership, User, Workspace
    from accounts.tenancy import workspace_scope
    from engagements.models import Client
    from invoicing.models import Invoice

    slug = f"bench-{uuid.uuid4().hex[:8]}"
    workspace = Workspace.objects.create(name=f"Bench {slug}", slug=slug, country="US")
    user = User.objects.create_user(email=f"{slug}@bench.example", password=None)
    Membership.objects.create(workspace=workspace, user=user, role="owner")
    _, key = account_services.api_token_create(user=user, name="bench")
    with workspace_scope(workspace):
        clients = Client.objects.bulk_create(
            Client(workspace=workspace, name=f"Client {i}", currency="EUR")
            for i in range(max(1, n // 50))
        )
        Invoice.objects.bulk_create(
            (
                Invoice(
                    workspace=workspace,
                    client=clients[i % len(clients)],
                    currency="EUR",
                    status="open",
                    number=f"INV-{i + 1:06}",
                    notes="Thank you for your business.",
                    subtotal=Decimal("1000.000") + i % 97,
                    tax_total=Decimal("200.000"),
                    total=Decimal("1200.000") + i % 97,
                    amount_paid=Decimal("100.000") * (i % 3),
                    issue_date=None,
                )
                for i in range(n)
            ),
            batch_size=2000,
        )
    return workspace, key


def _position(workspace: Any, index: int) -> str:
    """The position (created_at, id) of the invoice at `index`: where page 2 starts."""
    from accounts.tenancy import workspace_scope
    from invoicing.models import Invoice

    with workspace_scope(workspace):
        row = Invoice.objects.order_by("-created_at", "-id").values("created_at", "id")[index]
    return quote(f"{row['created_at'].isoformat()},{row['id']}")


def _ensure_list_index(connection: Any) -> bool:
    """The list's index, `(workspace_id, created_at DESC, id DESC)`, made inside the
    rolled-back run when the schema does not have it yet (it comes with the indexes
    migration of issue #12); True when it was made here."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'invoicing_invoice'")
        definitions = [row[0].replace('"', "") for row in cursor.fetchall()]
        if any("(workspace_id, created_at DESC, id DESC)" in d for d in definitions):
            return False
        cursor.execute(
            "CREATE INDEX bench_invoice_list ON invoicing_invoice "
            "(workspace_id, created_at DESC, id DESC)"
        )
        return True


def _paired(client: Any, urls: tuple[str, str], headers: dict[str, str], seconds: float) -> Any:
    """Median seconds per request of each URL, requested alternately for `seconds` (so a
    busy machine slows both alike), and the queries of one request of each."""
    from django.db import connection

    counts = []
    for url in urls:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        counts.append(counter.count)
    times: tuple[list[float], list[float]] = ([], [])
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times[0]) < 5:
        for i, url in enumerate(urls):
            t0 = time.perf_counter()
            client.get(url, headers=headers)
            times[i].append(time.perf_counter() - t0)
    return statistics.median(times[0]), statistics.median(times[1]), counts, len(times[0])


def run(args: argparse.Namespace, connection: Any) -> str:
    from django.test import Client
    from django.test.utils import override_settings

    t0 = time.perf_counter()
    made_index = _ensure_list_index(connection)  # before the rows: no pending FK checks
    workspace, key = _setup(args.n)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE invoicing_invoice")
    setup_s = time.perf_counter() - t0
    headers = {"authorization": f"Bearer {key}"}
    base = f"/api/v1/workspaces/{workspace.slug}"
    client = Client()
    rows = []
    with override_settings(ROOT_URLCONF="bench.list_api_urls", ALLOWED_HOSTS=["*"]):
        # Warm: the token's last_used write, connection setup, URL resolver, imports.
        client.get(f"{base}/invoices/", headers=headers)
        size = min(500, args.n // 2)  # page 2 exists however few invoices there are
        deep = client.get(f"{base}/invoices/?page_size={size}", headers=headers).json()["next"]
        after = _position(workspace, size - 1)
        cases = [
            ("first page, 50", "?page_size=50", "?page_size=50"),
            ("first page, 500", "?page_size=500", "?page_size=500"),
            (
                f"page 2, {size} (cursor)",
                deep.split("?", 1)[1],
                f"?page_size={size}&before={after}",
            ),
        ]
        for name, api_query, floor_query in cases:
            query = api_query if api_query.startswith("?") else "?" + api_query
            urls = (f"{base}/invoices/{query}", f"{base}/{FLOOR}/{floor_query}")
            api_s, floor_s, (api_q, floor_q), pairs = _paired(client, urls, headers, args.seconds)
            rows.append(
                [
                    name,
                    round(1 / api_s, 1),
                    round(1 / floor_s, 1),
                    f"{100 * floor_s / api_s:.0f} %",
                    api_q,
                    floor_q,
                    pairs,
                ]
            )
    title = (
        f"list API vs values()+orjson floor: {args.n:,} invoices in one workspace "
        f"(setup {setup_s:.1f} s; Django test Client, median of requests paired for "
        f"{args.seconds} s"
        f"{'; list index made for the run' if made_index else ''})"
    )
    headers_row = [
        "page",
        "API req/s",
        "floor req/s",
        "% of floor",
        "API queries",
        "floor queries",
        "pairs",
    ]
    return table(title, headers_row, rows)


if __name__ == "__main__":
    main()
