"""What the plan tests of tests/perf share: a workspace with history, made in bulk."""

import pytest
from django_scopes import scopes_disabled

from tests.factories import ClientFactory
from tests.perf.bulk import analyze, bulk_invoices


@pytest.fixture
def history(personas):
    """3,000 invoices and credit notes in one workspace, 300 in another, with statistics."""
    with scopes_disabled():
        clients = [
            ClientFactory(workspace=personas.a, currency="EUR" if i % 3 == 0 else "USD")
            for i in range(10)
        ]
        other = [ClientFactory(workspace=personas.b)]
    bulk_invoices(personas.a, clients, 3000)
    bulk_invoices(personas.b, other, 300)
    analyze()
    return clients
