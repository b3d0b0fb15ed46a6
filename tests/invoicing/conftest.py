"""Fixtures shared by the invoicing API tests (tests/invoicing/test_api_*.py): bob, a member
of workspace A with a token; Acme, A's client billed in USD; A's 20% VAT; charlie's client,
engagement, tax rate and open invoice in B; and an hourly engagement of Acme with 2 h of
unbilled time in November 2026. For the reminder, late-fee and recurring tests: workspace
A's scope."""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.models import TaxRate
from tests.factories import ClientFactory, EngagementFactory, TimeEntryFactory


@pytest.fixture
def bob(api_as, personas):
    return api_as(personas.bob)


@pytest.fixture
def acme(personas):
    return ClientFactory(workspace=personas.a, name="Acme", currency="USD")


@pytest.fixture
def vat(personas):
    with scopes_disabled():
        return TaxRate.objects.create(workspace=personas.a, name="VAT", percent=Decimal("20"))


@pytest.fixture
def theirs(personas):
    """Charlie's client, engagement, tax rate and open invoice: none usable in A."""
    client = ClientFactory(workspace=personas.b, currency="USD")
    engagement = EngagementFactory(client=client)
    with workspace_scope(personas.b):
        tax_rate = TaxRate.objects.create(workspace=personas.b, name="X", percent=Decimal(5))
        invoice = services.invoice_create_draft(
            workspace=personas.b, actor=personas.charlie, client=client
        )
        services.invoice_line_save(
            invoice=invoice,
            actor=personas.charlie,
            description="x",
            quantity=Decimal(1),
            unit_price=Decimal(5),
        )
        invoice = services.invoice_finalize(invoice=invoice, actor=personas.charlie)
    return {"client": client, "engagement": engagement, "tax_rate": tax_rate, "invoice": invoice}


@pytest.fixture
def hourly(acme):
    engagement = EngagementFactory(client=acme, hourly_rate=Decimal("100"))
    TimeEntryFactory(engagement=engagement, date=dt.date(2026, 11, 2), minutes=90)
    TimeEntryFactory(engagement=engagement, date=dt.date(2026, 11, 3), minutes=30)
    return engagement


@pytest.fixture
def scoped(personas):
    with workspace_scope(personas.a):
        yield personas
