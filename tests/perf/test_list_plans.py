"""Issue #12: every list reads its page off an index in its order, for one workspace, and
stops after the page; the aggregates every view shows read open invoices only. Checked on
the query plans PostgreSQL makes (EXPLAIN (FORMAT JSON), walked node by node): no Sort
over the workspace, no Seq Scan of the invoices."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from engagements.models import (
    Client,
    Engagement,
    Expense,
    Milestone,
    Outcome,
    Proposal,
    RevenueReport,
    TimeEntry,
)
from invoicing.models import ExchangeRate, Invoice, Receipt, RecurringSchedule
from invoicing.selectors import invoice_currencies
from payments.models import CardPayment, Payout

pytestmark = [pytest.mark.django_db, pytest.mark.ledger_unchecked]  # rows made in bulk

SORTS = {"Sort", "Incremental Sort"}
# The partial indexes over open invoices (status open or partly paid) only.
OPEN_ONLY = {"invoice_open_recent"}
INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _plan(sql: str, *, seqscan: bool = True) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        if not seqscan:
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
        cursor.execute("RESET enable_seqscan")
    plan = raw if isinstance(raw, list) else json.loads(raw)
    return list(_nodes(plan[0]["Plan"]))


def _indexes(nodes: list[dict[str, Any]]) -> set[str]:
    return {n["Index Name"] for n in nodes if n["Node Type"] in INDEX_SCANS}


def _seq_scans(nodes: list[dict[str, Any]]) -> set[str]:
    return {n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"}


# The invoice list's filters, and the indexes each one's page may be read from. A selective
# filter (drafts, credit notes, open invoices) must have its own; where most rows match
# (paid, a third in EUR, a tenth for one client) the planner may as well walk the default
# order and skip the few others: either way it stops after the page.
LIST_PAGES = {
    "": {"invoice_recent"},
    "?page=3": {"invoice_recent"},
    "?status=paid": {"invoice_status_recent", "invoice_recent"},
    "?status=draft": {"invoice_status_recent"},
    "?status=outstanding": {"invoice_open_recent"},
    "?status=overdue": {"invoice_open_recent"},
    "?kind=credit_note": {"invoice_credit_note_recent"},
    "?currency=EUR": {"invoice_currency_recent", "invoice_recent"},
    "?client={client}": {"invoice_client_recent", "invoice_recent"},
}


def test_invoice_list_pages_are_read_off_an_index_in_order(client, personas, history):
    """The page query the view actually runs, for each filter: one index scan in the
    list's order, stopped by the LIMIT; no Sort, no Seq Scan of the invoices."""
    client.force_login(personas.alice)
    base = reverse("invoicing:invoice_list", args=[personas.a.slug])
    for query, allowed in LIST_PAGES.items():
        url = base + query.format(client=history[1].pk)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        (page_sql,) = [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].startswith('SELECT "invoicing_invoice"."id"')
            and "ORDER BY" in q["sql"]
            and "LIMIT" in q["sql"]
        ]
        nodes = _plan(page_sql)
        assert not SORTS & {n["Node Type"] for n in nodes}, (query, nodes)
        used = {name for name in _indexes(nodes) if name.startswith("invoice_")}
        assert used and used <= allowed, (query, _indexes(nodes))
        assert "invoicing_invoice" not in _seq_scans(nodes), query


def _today():
    from django.utils import timezone

    return timezone.localdate()


def test_the_currency_filter_reads_one_index_entry_per_currency(personas, history):
    with CaptureQueriesContext(connection) as captured:
        assert invoice_currencies(workspace=personas.a) == ["EUR", "USD"]
    nodes = _plan(captured.captured_queries[0]["sql"])
    assert _indexes(nodes) == {"invoice_currency_recent"}
    assert not _seq_scans(nodes)
    # Only the workspace's own: the other's clients are USD.
    assert invoice_currencies(workspace=personas.b) == ["USD"]


# Every list (page or API) by its default ordering, and the index that must give it.
DEFAULT_ORDERINGS: list[tuple[type[Model], str]] = [
    (Invoice, "invoice_recent"),
    (Receipt, "receipt_by_date"),
    (RecurringSchedule, "schedule_by_next_run"),
    (ExchangeRate, "exchange_rate_recent"),
    (Client, "client_by_name"),
    (Engagement, "engagement_recent"),
    (TimeEntry, "time_entry_recent"),
    (Milestone, "milestone_by_due"),
    (Outcome, "outcome_in_order"),
    (RevenueReport, "revenue_report_recent"),
    (Expense, "expense_recent"),
    (Proposal, "proposal_recent"),
    (CardPayment, "card_payment_recent"),
    (Payout, "payments_pa_workspa_765de4_idx"),
]


@pytest.mark.parametrize(
    ("model", "index"), DEFAULT_ORDERINGS, ids=lambda v: getattr(v, "__name__", v)
)
def test_every_list_has_an_index_in_its_default_order(personas, model, index):
    """Structural, on empty tables: with sorting priced out of the planner's reach, a list
    whose default ordering an index gives plans without a Sort; one without such an index
    would still need its Sort (over every row of the workspace, in a big one)."""
    with scopes_disabled():
        sql, params = model.objects.filter(workspace=personas.a)[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
        cursor.execute("RESET enable_sort")
        cursor.execute("RESET enable_seqscan")
    plan = raw if isinstance(raw, list) else json.loads(raw)
    nodes = list(_nodes(plan[0]["Plan"]))
    assert not SORTS & {n["Node Type"] for n in nodes}, nodes
    assert index in _indexes(nodes), _indexes(nodes)
