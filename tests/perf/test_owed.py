"""What is owed (the invoice list's cards, the dashboard, the client page's balances) is
read from `OwedChange` rows, which the invoices' trigger appends in every writing
transaction and `owed_fold` folds to one per (client, currency, due date): the reads never
touch the invoices, their rows stay as few as the keys still owed, and the sums always
equal the open invoices' (also checked after every money test by `ledger_check`'s
`invoicing.owed_sums_match_invoices`)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from invoicing import client_panel, selectors
from invoicing.ledger_checks import owed_sums_match_invoices
from invoicing.models import Invoice, OwedChange
from invoicing.services.owed import owed_fold, owed_fold_all
from tests.factories import ClientFactory
from tests.perf.bulk import bulk_invoices

pytestmark = [pytest.mark.django_db, pytest.mark.ledger_unchecked]  # rows made in bulk


def _rows(workspace) -> int:
    with scopes_disabled():
        return OwedChange.objects.filter(workspace=workspace).count()


def _clean(workspace) -> bool:
    with scopes_disabled():
        return not list(owed_sums_match_invoices(workspace))


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
        cursor.execute("RESET enable_seqscan")
    return json.dumps(raw)


def test_the_owed_reads_never_touch_the_invoices(personas, history):
    today = timezone.localdate()
    with scopes_disabled():
        open_ = Invoice.objects.filter(
            workspace=personas.a, kind="invoice", status__in=["open", "partially_paid"]
        )
        usd = [i for i in open_ if i.currency == "USD"]
    for name, run in [
        ("owed_by_currency", lambda: selectors.owed_by_currency(today=today)),
        ("client balances", lambda: client_panel.client_invoices_panel(history[1])),
    ]:
        with workspace_scope(personas.a), CaptureQueriesContext(connection) as captured:
            result = run()
        (sql,) = [q["sql"] for q in captured.captured_queries if "SUM(" in q["sql"]]
        assert "invoicing_invoice" not in sql, name
        assert "owed_change_key" in _plan(sql), name
        if name == "owed_by_currency":
            by = {o.currency: o for o in result}
            assert by["USD"].count == len(usd)
            assert by["USD"].amount == sum((i.total - i.amount_paid for i in usd), Decimal(0))
            overdue = [i for i in usd if i.due_date < today]
            assert by["USD"].overdue_count == len(overdue) > 0
    assert _clean(None)


def test_folding_leaves_one_row_per_key_and_the_same_sums(personas, history):
    today = timezone.localdate()
    with workspace_scope(personas.a):
        before = selectors.owed_by_currency(today=today)
    # Pay some, part-pay others, void one: each statement appends its change.
    with scopes_disabled():
        open_ids = list(
            Invoice.objects.filter(workspace=personas.a, status="open").values_list("pk", flat=True)
        )
        for pk in open_ids[:20]:
            Invoice.objects.filter(pk=pk).update(
                status="paid", amount_paid=Invoice.objects.get(pk=pk).total
            )
        Invoice.objects.filter(pk__in=open_ids[20:30]).update(
            status="partially_paid", amount_paid=Decimal("5.00")
        )
        keys = (
            Invoice.objects.filter(
                workspace=personas.a, kind="invoice", status__in=["open", "partially_paid"]
            )
            .values_list("client_id", "currency", "due_date")
            .distinct()
            .count()
        )
    grown = _rows(personas.a)
    assert grown > keys
    assert owed_fold_all(slack=0) >= 1
    assert _rows(personas.a) == keys  # one row per key still owed; settled keys gone
    assert owed_fold(workspace_id=personas.a.pk) == keys  # twice: the same
    assert _rows(personas.b) > 0  # the other workspace's rows are its own
    with workspace_scope(personas.a):
        after = selectors.owed_by_currency(today=today)
    assert _clean(None)
    assert {o.currency for o in after} == {o.currency for o in before}
    assert sum(o.count for o in after) == sum(o.count for o in before) - 20


def test_a_deleted_workspaces_rows_are_swept_by_the_fold(personas):
    gone = Workspace.objects.create(name="Gone", slug="gone-owed", country="US")
    with scopes_disabled():
        client = ClientFactory(workspace=gone, currency="USD")
    bulk_invoices(gone, [client], 60)
    assert _rows(gone) > 0
    with scopes_disabled(), connection.cursor() as cursor:
        # As a workspace is erased (bench.recurring_workers): its invoices, whose trigger
        # appends the rows taking them back, then its clients and itself.
        for table in ("invoicing_invoice", "engagements_client"):
            cursor.execute(f"DELETE FROM {table} WHERE workspace_id = %s", [gone.pk])  # noqa: S608
        Workspace.objects.filter(pk=gone.pk).delete()
        assert OwedChange.objects.filter(workspace_id=gone.pk).exists()  # no FK holds them
        owed_fold_all()
        assert not OwedChange.objects.filter(workspace_id=gone.pk).exists()


STATUSES = ["draft", "open", "partially_paid", "paid", "void"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["insert", "status", "pay", "due", "client", "delete", "fold"]),
            st.integers(min_value=0, max_value=9),
            st.sampled_from(STATUSES),
            st.integers(min_value=0, max_value=500),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_any_sequence_of_writes_keeps_the_sums_exact(personas, ops):
    """Inserts, updates of any owed column, deletes and folds in any order: the owed rows
    add up to the open invoices after every step."""
    serial = itertools.count()
    with scopes_disabled():
        clients = [ClientFactory(workspace=personas.a, currency=c) for c in ("USD", "EUR")]
        today = timezone.localdate()
        for op, pick, status, n in ops:
            mine = list(Invoice.objects.filter(workspace=personas.a).order_by("pk"))
            target = mine[pick % len(mine)] if mine else None
            if op == "insert" or target is None:
                client = clients[pick % 2]
                Invoice.objects.create(
                    workspace=personas.a,
                    number=f"H-{next(serial)}",  # any status may follow
                    client=client,
                    currency=client.currency,
                    status=status,
                    kind="credit_note" if pick == 9 else "invoice",
                    total=Decimal(n),
                    subtotal=Decimal(n),
                    due_date=today + dt.timedelta(days=pick - 5),
                )
            elif op == "status":
                Invoice.objects.filter(pk=target.pk).update(status=status)
            elif op == "pay":
                Invoice.objects.filter(pk=target.pk).update(amount_paid=Decimal(n) / 2)
            elif op == "due":
                Invoice.objects.filter(pk=target.pk).update(
                    due_date=None if n % 7 == 0 else today + dt.timedelta(days=n % 40 - 20)
                )
            elif op == "client":
                other = clients[1] if target.client_id == clients[0].pk else clients[0]
                Invoice.objects.filter(pk=target.pk).update(client=other, currency=other.currency)
            elif op == "delete":
                Invoice.objects.filter(pk=target.pk).delete()
            else:
                owed_fold(workspace_id=personas.a.pk)
            assert _clean(personas.a), (op, pick, status, n)
        # Each example starts afresh (the transaction is the test's, not the example's).
        Invoice.objects.filter(workspace=personas.a).delete()
        OwedChange.objects.filter(workspace=personas.a).delete()
        for client in clients:
            client.delete()
