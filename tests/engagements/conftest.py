"""Fixtures shared by the engagements tests. For the API tests (test_api_*.py): bob, a
member of workspace A with a token; Acme, A's client billed in EUR; an hourly engagement
capped at 10 h a week; and charlie's engagement in B, whose ids must not be usable in A.
For the billing tests (test_billing.py, test_retainers.py, test_claims.py): workspace A's
scope, and a client of A billed in USD."""

from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from tests.factories import ClientFactory, EngagementFactory


@pytest.fixture
def bob(api_as, personas):
    return api_as(personas.bob)


@pytest.fixture
def acme(personas):
    return ClientFactory(workspace=personas.a, name="Acme", currency="EUR")


@pytest.fixture
def hourly(acme):
    return EngagementFactory(client=acme, name="Acme hourly", weekly_hour_cap=Decimal("10"))


@pytest.fixture
def theirs(personas):
    """Charlie's client and engagement, whose ids must not be usable in A."""
    client = ClientFactory(workspace=personas.b)
    return EngagementFactory(client=client)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def scoped(personas):
    with workspace_scope(personas.a):
        yield personas


@pytest.fixture
def client_a(scoped):
    return ClientFactory(workspace=scoped.a, currency="USD")
