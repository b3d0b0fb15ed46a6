"""Two workspaces for the ledger tests, and a few postings' legs in the shape invoicing
will post them: an invoice finalised (receivable against revenue and tax) and paid."""

import datetime as dt
from decimal import Decimal

import pytest

from ledger.posting import Leg
from tests.factories import WorkspaceFactory

DAY = dt.date(2026, 11, 30)


@pytest.fixture
def ledger_checks_in_force():
    """The ledger tested alone: its own checks only. Other apps' checks (invoicing's
    compare invoices with receivables) would see these tests' made-up documents, such as
    "invoice:1" with no invoice behind it, as the inconsistencies they are."""
    from ledger.checks import register_check, registered_checks, unregister_check

    # Apps register theirs as "<app>.<check>"; the ledger's own, and a test's, have no dot.
    others = {name: check for name, check in registered_checks().items() if "." in name}
    for name in others:
        unregister_check(name)
    yield
    for name, check in others.items():
        register_check(name, check)


@pytest.fixture
def ws(db):
    return WorkspaceFactory(slug="ledger-a")


@pytest.fixture
def other(db):
    return WorkspaceFactory(slug="ledger-b")


def finalize_legs(
    net: str, tax: str, currency: str = "USD", client: int = 1, invoice: int = 1
) -> list[Leg]:
    """An invoice finalised: the client owes net + tax (receivable, debit), earned as
    revenue and owed as tax (credits)."""
    net_d, tax_d = Decimal(net), Decimal(tax)
    return [
        Leg(
            "receivable",
            net_d + tax_d,
            currency,
            party=f"client:{client}",
            document=f"invoice:{invoice}",
        ),
        Leg("revenue", -net_d, currency, document=f"invoice:{invoice}"),
        Leg("tax_payable", -tax_d, currency, document=f"invoice:{invoice}"),
    ]


def receipt_legs(amount: str, currency: str = "USD", client: int = 1, invoice: int = 1):
    """Money received by hand and applied to the invoice."""
    value = Decimal(amount)
    return [
        Leg("cash", value, currency, document=f"receipt:{invoice}"),
        Leg(
            "receivable", -value, currency, party=f"client:{client}", document=f"invoice:{invoice}"
        ),
    ]
