"""API lists page by keyset (core.api.pagination): a cursor pins the whole ordering with
the primary key last, so walking `next` (or `previous`) visits every row exactly once in
order, ties and NULLs included; a page reads no COUNT and no OFFSET, so its queries do not
grow with the list; a cursor that is not one is a 400 naming `cursor`."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from invoicing.models import Invoice
from tests.api import url
from tests.factories import ClientFactory

pytestmark = pytest.mark.ledger_unchecked  # invoices made in bulk, without postings

MOMENT = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def invoices(personas):
    """37 invoices with many ties: 4 creation times, 5 due dates and NULL, 3 totals,
    numbers with drafts' "" among them."""
    client = ClientFactory(workspace=personas.a, name="Acme", currency="USD")
    with scopes_disabled():
        made = Invoice.objects.bulk_create(
            Invoice(
                workspace=personas.a,
                client=client,
                currency="USD",
                status="open" if i % 3 else "draft",
                number=f"INV-{i % 11:03}-{i}" if i % 3 else "",
                total=Decimal(i % 3) * 10,
                due_date=None if i % 6 == 0 else dt.date(2026, 12, 1 + i % 5),
            )
            for i in range(37)
        )
        for i, invoice in enumerate(made):
            Invoice.objects.filter(pk=invoice.pk).update(
                created_at=MOMENT + dt.timedelta(minutes=i % 4)
            )
    return made


def _walk(client, first, key="next"):
    ids, link, pages = [], first, 0
    while link:
        response = client.get(link)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        page = [row["id"] for row in body["results"]]
        ids.extend(page if key == "next" else reversed(page))
        link, pages = body[key], pages + 1
        assert pages < 50
    return ids, pages


def _expected(ordering: list[str]) -> list[int]:
    with scopes_disabled():
        return list(Invoice.objects.order_by(*ordering).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("ordering", "by"),
    [
        (None, ["-created_at", "-pk"]),  # the default: the model's ordering
        ("created_at", ["created_at", "pk"]),
        ("due_date", ["due_date", "pk"]),  # NULLs last
        ("-due_date", ["-due_date", "-pk"]),  # NULLs first
        ("-total,due_date", ["-total", "due_date", "-pk"]),  # mixed directions
        ("number", ["number", "pk"]),
    ],
)
def test_next_and_previous_visit_every_row_once_in_order(api_as, personas, invoices, ordering, by):
    client = api_as(personas.alice)
    query = f"?page_size=5{'&ordering=' + ordering if ordering else ''}"
    forward, pages = _walk(client, url("invoices") + query)
    assert forward == _expected(by) and pages == 8
    # From the last page back to the first, through `previous`.
    last = client.get(url("invoices") + query)
    while last.json()["next"]:
        last = client.get(last.json()["next"])
    assert last.json()["previous"] is not None
    backward, _ = _walk(client, last.json()["previous"], key="previous")
    assert list(reversed(backward)) + [r["id"] for r in last.json()["results"]] == forward


def test_a_page_is_one_query_without_count_or_offset(
    api_as, personas, invoices, django_assert_num_queries
):
    client = api_as(personas.alice)
    second = client.get(url("invoices"), {"page_size": 5}).json()["next"]
    # workspace, token (its last_used was just written), membership, the page (client
    # joined)
    with django_assert_num_queries(4), CaptureQueriesContext(connection) as queries:
        body = client.get(second).json()
    page = queries.captured_queries[-1]["sql"]
    assert "COUNT(" not in page.upper() and "OFFSET" not in page.upper(), page
    assert "LIMIT 6" in page and len(body["results"]) == 5
    # The default ordering's position as one row comparison: a range of the list's index.
    assert '("invoicing_invoice"."created_at", "invoicing_invoice"."id") <' in page, page


@pytest.mark.parametrize("rows", [20, 600])
def test_list_query_count_is_the_same_at_any_size(
    api_as, personas, django_assert_num_queries, rows
):
    client_row = ClientFactory(workspace=personas.a, name="Acme", currency="USD")
    with scopes_disabled():
        Invoice.objects.bulk_create(
            Invoice(workspace=personas.a, client=client_row, currency="USD", number=f"N{i}")
            for i in range(rows)
        )
    client = api_as(personas.alice)
    client.get("/api/v1/me/")  # the token's last_used is written once a minute, here
    # workspace, token, membership, the page (client joined): the same on a deep page
    with django_assert_num_queries(4):
        first = client.get(url("invoices"), {"page_size": 10}).json()
    with django_assert_num_queries(4):
        client.get(first["next"])


def _cursor(body) -> str:
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


ORDER = ["-created_at", "-pk"]
NOW = "2026-11-02T09:30:00+00:00"


@pytest.mark.parametrize(
    ("ordering", "cursor"),
    [
        ("", "garbage"),
        ("", "!!!!"),
        ("", ""),
        ("", _cursor(b"\xff\xfe not json")),
        ("", _cursor([1, 2])),
        ("", _cursor({"o": ORDER})),
        ("", _cursor({"o": ["created_at", "pk"], "p": [NOW, 1]})),  # another ordering's
        ("created_at", _cursor({"o": ORDER, "p": [NOW, 1]})),  # … either way round
        ("", _cursor({"o": ORDER, "p": [NOW]})),
        ("", _cursor({"o": ORDER, "p": [NOW, 1, 2]})),
        ("", _cursor({"o": ORDER, "p": ["yesterday", 1]})),
        ("", _cursor({"o": ORDER, "p": ["2026-11-02T09:30:00", 1]})),  # no zone
        ("", _cursor({"o": ORDER, "p": [NOW, "one"]})),
        ("", _cursor({"o": ORDER, "p": [NOW, 2**70]})),
        ("", _cursor({"o": ORDER, "p": [NOW, 1.5]})),
        ("", _cursor({"o": ORDER, "p": [NOW, [1]]})),
        ("", _cursor({"o": ORDER, "p": [None, 1]})),  # created_at is never NULL
        ("", _cursor({"o": ORDER, "p": [NOW, 1], "r": 7})),
        ("number", _cursor({"o": ["number", "pk"], "p": ["a\x00b", 1]})),
        ("total", _cursor({"o": ["total", "pk"], "p": ["1e999", 1]})),
        ("total", _cursor({"o": ["total", "pk"], "p": ["NaN", 1]})),
        ("due_date", _cursor({"o": ["due_date", "pk"], "p": ["2026-02-30", 1]})),
    ],
)
def test_a_cursor_that_is_not_one_is_a_400_naming_cursor(api_as, personas, ordering, cursor):
    query = {"cursor": cursor, **({"ordering": ordering} if ordering else {})}
    response = api_as(personas.alice).get(url("invoices"), query)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [(e["attr"], e["code"]) for e in errors] == [("cursor", "invalid")]


def test_a_forged_cursor_only_moves_within_the_workspace(api_as, personas, invoices):
    """A cursor is a position, not a key: any well-formed one pages the caller's own
    rows, from that position on."""
    later = timezone.now().isoformat()
    cursor = _cursor({"o": ORDER, "p": [later, 2**62]})
    body = api_as(personas.alice).get(url("invoices"), {"cursor": cursor, "page_size": 500})
    assert [r["id"] for r in body.json()["results"]] == _expected(ORDER)
    other = api_as(personas.charlie).get(url("invoices"), {"cursor": cursor})
    assert other.status_code == 404


def test_the_schema_documents_cursor_pages():
    from tests.openapi import served_schema

    schema = served_schema()  # generated once per session, shared with the row tests
    operation = schema["paths"]["/api/v1/workspaces/{workspace}/invoices/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"cursor", "page_size"} <= names and "page" not in names
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert page["required"] == ["next", "previous", "results"] and "count" not in page["properties"]
    errors = [
        schema
        for name, schema in schema["components"]["schemas"].items()
        if name.startswith("WorkspacesInvoicesList") and name.endswith("ErrorComponent")
    ]
    attrs = {a for e in errors for a in e["properties"]["attr"].get("enum", [])}
    assert {"cursor", "page_size"} <= attrs


@pytest.mark.parametrize("currency", ["USD", "JPY", "KWD", "EUR", "CLF"])
def test_list_amounts_are_formatted_as_quantize_formats_them(currency):
    """core.api.rows.AmountText cuts str() short where rounding changes nothing, else
    quantizes: the same text as the serializers' `quantize` either way."""
    from core.api.rows import AmountText
    from core.money import quantize

    amount = AmountText()
    stored = ["0.000", "1200.500", "10.005", "-12.500", "-0.005", "99.995", "1500.000"]
    stored += ["999999999999999.999", "0.001", "7.250", "3", "2.5", "1E+2", "0.0000"]
    for text in stored:
        value = Decimal(text)
        assert amount(value, currency) == f"{quantize(value, currency):f}", (text, currency)
    assert amount(None, currency) is None
