"""Issue #12: the invoices page, the dashboard and the client page issue the same queries
at 200 invoices and at 3,000 (none per row, none growing with the history), and the
invoice list's count stops at its cap ("10,000+", "page 3 of many") while its page
numbers keep working past it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from core import paginator
from invoicing.models import Invoice
from tests.factories import ClientFactory
from tests.perf.bulk import analyze, bulk_invoices

pytestmark = [pytest.mark.django_db, pytest.mark.ledger_unchecked]  # rows made in bulk


def _pages(slug: str, client_pk: int) -> dict[str, str]:
    invoices = reverse("invoicing:invoice_list", args=[slug])
    return {
        "invoices": invoices,
        "invoices, outstanding": invoices + "?status=outstanding&kind=invoice&currency=USD",
        "invoices, overdue": invoices + "?status=overdue",
        "invoices, paid": invoices + "?status=paid",
        "invoices, one client": invoices + f"?client={client_pk}",
        "invoices, credit notes": invoices + "?kind=credit_note",
        "invoices, page 3": invoices + "?page=3",
        "dashboard": reverse("insights:dashboard", args=[slug]),
        "client page": reverse("engagements:client_detail", args=[slug, client_pk]),
    }


# Exact query counts of each page, the same at any size. Every page has the middleware's
# four (workspace, session, user, membership) and the workspace switcher's list.
EXPECTED = {
    # + the currencies (an index skip scan), the client choices, the capped count, the
    # page with its clients, what is owed per currency (index-only, open invoices only)
    **dict.fromkeys(
        [
            "invoices",
            "invoices, outstanding",
            "invoices, overdue",
            "invoices, paid",
            "invoices, one client",
            "invoices, credit notes",
            "invoices, page 3",
        ],
        10,
    ),
    # + income (this year's receipts), owed, unbilled (time, milestones, outcomes, revenue
    # reports, expenses, their engagements), client count, member count, the Stripe
    # account, recent clients, the timer's engagements
    "dashboard": 18,
    # + the client, contacts, balances (index-only, the client's open invoices), the latest
    # invoices, the engagements
    "client page": 10,
}


def _queries(browser, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


def test_pages_issue_the_same_queries_at_200_and_3000_invoices(client, personas):
    with scopes_disabled():
        clients = [
            ClientFactory(workspace=personas.a, currency="EUR" if i % 3 == 0 else "USD")
            for i in range(10)
        ]
        other = [ClientFactory(workspace=personas.b)]
    bulk_invoices(personas.b, other, 200)  # another tenant's history, never read
    bulk_invoices(personas.a, clients, 200)
    analyze()
    personas.alice.last_workspace = personas.a  # the dashboard would write it once
    personas.alice.save(update_fields=["last_workspace"])
    client.force_login(personas.alice)
    pages = _pages(personas.a.slug, clients[1].pk)
    small = {name: _queries(client, url) for name, url in pages.items()}
    bulk_invoices(personas.a, clients, 2800)
    analyze()
    with scopes_disabled():
        assert Invoice.objects.filter(workspace=personas.a).count() == 3000
    large = {name: _queries(client, url) for name, url in pages.items()}
    counts = {name: (len(small[name]), len(large[name])) for name in pages}
    assert counts == {name: (n, n) for name, n in EXPECTED.items()}


def test_the_list_count_stops_at_its_cap_and_page_numbers_go_on(client, personas, monkeypatch):
    monkeypatch.setattr(paginator, "COUNT_CAP", 100)
    with scopes_disabled():
        clients = [ClientFactory(workspace=personas.a)]
    bulk_invoices(personas.a, clients, 300)
    client.force_login(personas.alice)
    url = reverse("invoicing:invoice_list", args=[personas.a.slug])

    with CaptureQueriesContext(connection) as captured:
        first = client.get(url)
    html = first.content.decode()
    assert "100+ documents" in html
    assert "Showing 1–50 of 100+" in html and "Page 1 of many" in html
    assert 'page=2" rel="next"' in html
    (count,) = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(*) FROM (")
    ]
    assert "LIMIT 101" in count  # never more than the cap + 1 rows counted

    fifth = client.get(url + "?page=5").content.decode()  # past the cap: rows 201–250
    assert "Showing 201–250 of many" in fifth and "Page 5 of many" in fifth
    assert 'page=6" rel="next"' in fifth and 'page=4" rel="prev"' in fifth
    last = client.get(url + "?page=6")
    assert "Showing 251–300 of many" in last.content.decode()
    assert not last.context["page"].has_next()
    assert [i.number for i in last.context["page"]][-1] == "IN-000000"  # the oldest
    assert client.get(url + "?page=7").context["page"].number == 1  # past the end

    # Under the cap, exactly as before: counted, "Page 2 of 6".
    monkeypatch.setattr(paginator, "COUNT_CAP", 1000)
    second = client.get(url + "?page=2").content.decode()
    assert "300 documents" in second and "Showing 51–100 of 300" in second
    assert "Page 2 of 6" in second
