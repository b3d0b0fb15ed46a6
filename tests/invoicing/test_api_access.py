"""The invoicing API across workspaces and roles: related ids of another workspace are
refused as "does not exist", client credit is per workspace, and accountants are
read-only. (Cross-tenant 404s for every route are in tests/test_cross_tenant.py.)"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.models import Allocation, ExchangeRate, Invoice, InvoiceLine, Receipt, TaxRate
from tests.api import attrs, url
from tests.invoicing.api_helpers import TODAY, codes, make_invoice


# --- Cross-workspace ids -------------------------------------------------------------------
def test_related_ids_of_another_workspace_do_not_exist(bob, acme, personas, theirs):
    draft = make_invoice(personas, acme, finalize=False)
    line = {"description": "x", "quantity": "1", "unit_price": "1"}
    cases = [
        ("invoices", {"client": theirs["client"].pk}, "client"),
        ("invoice-lines", {**line, "invoice": theirs["invoice"].pk}, "invoice"),
        (
            "invoice-lines",
            {**line, "invoice": draft.pk, "tax_rate": theirs["tax_rate"].pk},
            "tax_rate",
        ),
        (
            "payments",
            {
                "invoice": theirs["invoice"].pk,
                "amount": "1",
                "received_on": "2026-11-25",
                "method": "cash",
            },
            "invoice",
        ),
        (
            f"invoices/{draft.pk}/add-unbilled",
            {"engagement": theirs["engagement"].pk},
            "engagement",
        ),
    ]
    for resource, body, field in cases:
        response = bob.post(url(resource), body, format="json")
        assert attrs(response) == {field}, resource
        assert codes(response) == {"does_not_exist"}
    with scopes_disabled():
        assert Invoice.objects.count() == 2  # charlie's and the draft
        assert InvoiceLine.objects.filter(invoice=draft).count() == 1
        assert not Receipt.objects.exists()
    # Patching in another workspace's tax rate is refused the same way.
    with scopes_disabled():
        mine = draft.lines.get()
    moved = bob.patch(url("invoice-lines", mine.pk), {"tax_rate": theirs["tax_rate"].pk})
    assert attrs(moved) == {"tax_rate"}


def test_client_credit_is_per_workspace(bob, acme, personas, theirs):
    from accounts.tenancy import workspace_scope
    from invoicing import services

    with workspace_scope(personas.b):
        invoice = services.invoice_create_draft(
            workspace=personas.b, actor=personas.charlie, client=theirs["client"]
        )
        services.invoice_line_save(
            invoice=invoice, actor=personas.charlie, description="x", unit_price=Decimal(5)
        )
        invoice = services.invoice_finalize(invoice=invoice, actor=personas.charlie)
        services.receipt_record(
            invoice=invoice,
            actor=personas.charlie,
            amount=Decimal(10),
            received_on=invoice.issue_date,
            method="cash",
        )
        assert services.client_credit_balance(client=theirs["client"], currency="USD") == 5
    assert bob.get(url("client-credit")).json() == []
    assert bob.get(url("client-credit"), {"client": theirs["client"].pk}).json() == []


# --- Accountants ---------------------------------------------------------------------------
@pytest.fixture
def records(personas, acme, vat):
    invoice = make_invoice(personas, acme)
    draft = make_invoice(personas, acme, finalize=False)
    with workspace_scope(personas.a):
        payment = services.receipt_record(
            invoice=invoice,
            actor=personas.alice,
            amount=Decimal(1),
            received_on=TODAY,
            method="cash",
        )
        line = draft.lines.get()
    return {"invoice": invoice, "draft": draft, "payment": payment, "line": line, "vat": vat}


ACCOUNTANT_WRITES = [
    ("post", "invoices", None, None),
    ("patch", "invoices", "draft", None),
    ("delete", "invoices", "draft", None),
    ("post", "invoices", "draft", "finalize"),
    ("post", "invoices", "draft", "add-unbilled"),
    ("post", "invoices", "invoice", "void"),
    ("post", "invoices", "invoice", "mark-uncollectible"),
    ("post", "invoices", "invoice", "apply-credit"),
    ("post", "invoices", "invoice", "credit-notes"),
    ("post", "invoices", "invoice", "link"),
    ("delete", "invoices", "invoice", "link"),
    ("post", "invoice-lines", None, None),
    ("patch", "invoice-lines", "line", None),
    ("delete", "invoice-lines", "line", None),
    ("post", "payments", None, None),
    ("post", "payments", "payment", "reverse"),
    ("post", "tax-rates", None, None),
    ("patch", "tax-rates", "vat", None),
    ("post", "exchange-rates", None, None),
    ("post", "reminder-rules", None, None),
    ("post", "recurring-schedules", None, None),
]


@pytest.mark.parametrize(("method", "resource", "obj", "action"), ACCOUNTANT_WRITES)
def test_accountant_is_read_only(api_as, personas, records, method, resource, obj, action):
    andy = api_as(personas.andy)
    pk = records[obj].pk if obj else None
    models = (Invoice, InvoiceLine, Receipt, TaxRate, ExchangeRate, Allocation)
    with scopes_disabled():
        before = {m: m.objects.count() for m in models}
    response = getattr(andy, method)(url(resource, pk, action), {"name": "x"}, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["errors"][0]["code"] == "permission_denied"
    with scopes_disabled():
        assert {m: m.objects.count() for m in models} == before
        assert Invoice.objects.get(pk=records["draft"].pk).status == "draft"
        assert Invoice.objects.get(pk=records["invoice"].pk).token_hash is None
    assert andy.get(url(resource, pk) if obj else url(resource)).status_code == 200


def test_accountant_reads_credit_and_rates(api_as, personas, records):
    andy = api_as(personas.andy)
    for resource in ("client-credit", "exchange-rates", "tax-rates", "payments", "invoice-lines"):
        assert andy.get(url(resource)).status_code == 200, resource
