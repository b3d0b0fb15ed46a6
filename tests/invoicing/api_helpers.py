"""Plain helpers shared by the invoicing API tests (tests/invoicing/test_api_*.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.models import Invoice

TODAY = dt.date(2026, 11, 24)


def codes(response) -> set[str]:
    return {error["code"] for error in response.json()["errors"]}


def count(model, **lookup) -> int:
    with scopes_disabled():
        return model.objects.filter(**lookup).count()


def make_invoice(personas, client, price="1000", finalize=True, **kwargs) -> Invoice:
    with workspace_scope(personas.a):
        invoice = services.invoice_create_draft(
            workspace=personas.a, actor=personas.alice, client=client, **kwargs
        )
        services.invoice_line_save(
            invoice=invoice,
            actor=personas.alice,
            description="Consulting",
            quantity=Decimal(1),
            unit_price=Decimal(price),
        )
        if finalize:
            invoice = services.invoice_finalize(
                invoice=invoice, actor=personas.alice, issue_date=TODAY
            )
        return invoice
