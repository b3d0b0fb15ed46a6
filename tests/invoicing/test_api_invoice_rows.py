"""The invoice list's rows are built from `values()` (invoicing.api.serializers.
invoice_rows), not by InvoiceSerializer: they must be exactly what the serializer gives for
the same invoices, on every kind of invoice (draft, open, partly paid, overdue, void,
written off, credit note, a 0-decimal currency, a link issued or revoked), in the
workspace's time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.renderers import JSONRenderer

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.api.serializers import InvoiceSerializer
from invoicing.models import Invoice
from tests.api import url
from tests.factories import ClientFactory
from tests.invoicing.api_helpers import TODAY, make_invoice


def _variety(personas, acme) -> None:
    alice, ws = personas.alice, personas.a
    yen = ClientFactory(workspace=ws, name="Tōkyō K.K. — 株式会社", currency="JPY")
    make_invoice(personas, acme, finalize=False, notes="Draft: no number, no dates\u2028yet")
    make_invoice(personas, acme, price="10.005")  # rounds half up to 10.01
    overdue = make_invoice(
        personas, acme, price="99.995", issue_date=dt.date(2026, 9, 1), due_date=TODAY
    )
    partly = make_invoice(personas, acme, price="1000", due_date=dt.date(2099, 1, 1))
    make_invoice(personas, yen, price="1500.5")  # JPY: "1501"
    void = make_invoice(personas, acme, price="5")
    written_off = make_invoice(personas, acme, price="7.5")
    credited = make_invoice(personas, acme, price="300")
    linked = make_invoice(personas, acme, price="1")
    revoked = make_invoice(personas, acme, price="2")
    with workspace_scope(ws):
        services.receipt_record(
            invoice=partly,
            actor=alice,
            amount=Decimal("250.505"),
            received_on=TODAY,
            method="bank_transfer",
        )
        services.receipt_record(
            invoice=overdue, actor=alice, amount=Decimal("10"), received_on=TODAY, method="cash"
        )
        services.invoice_void(invoice=void, actor=alice, reason="typo")
        services.invoice_mark_uncollectible(invoice=written_off, actor=alice)
        services.credit_note_create(invoice=credited, actor=alice, amount=None, reason="refund")
        services.invoice_link_issue(invoice=linked, actor=alice)
        services.invoice_link_issue(invoice=revoked, actor=alice)
        services.invoice_link_revoke(invoice=revoked, actor=alice)


def _rendered(rows) -> bytes:
    return bytes(JSONRenderer().render(rows))


def test_list_rows_are_the_serializers_rows(api_as, personas, acme):
    ws = personas.a
    ws.timezone = "Asia/Tokyo"  # datetimes are rendered in the workspace's zone
    ws.save(update_fields=["timezone"])
    _variety(personas, acme)

    body = api_as(personas.alice).get(url("invoices"), {"page_size": 500}).json()
    zone = zoneinfo.ZoneInfo(ws.timezone)
    with scopes_disabled(), timezone.override(zone):
        invoices = Invoice.objects.filter(workspace=ws).select_related("client")
        expected = InvoiceSerializer(
            invoices.order_by("-created_at", "-pk"), many=True, context={"today": ws.today()}
        ).data
    kinds = {(row["kind"], row["status"], row["currency"]) for row in body["results"]}
    assert {("credit_note", "paid", "USD"), ("invoice", "draft", "USD")} <= kinds
    assert {("invoice", "void", "USD"), ("invoice", "uncollectible", "USD")} <= kinds
    assert ("invoice", "partially_paid", "USD") in kinds and ("invoice", "open", "JPY") in kinds
    assert any(row["overdue"] for row in body["results"])
    assert {row["link_active"] for row in body["results"]} == {True, False}
    assert any(row["created_at"].endswith("+09:00") for row in body["results"])
    assert len(body["results"]) == len(expected) == 11
    # Same values and the same types: rendered by the same encoder, byte for byte.
    assert _rendered(body["results"]) == _rendered(expected)
    assert body["results"] == [dict(row) for row in expected]


def test_the_list_matches_its_schema(api_as, personas, acme):
    from tests.openapi import check_list_page

    _variety(personas, acme)
    client = api_as(personas.alice)
    body = client.get(url("invoices"), {"page_size": 4}).json()
    assert body["next"] and body["previous"] is None
    check_list_page("/api/v1/workspaces/{workspace}/invoices/", body)
    check_list_page("/api/v1/workspaces/{workspace}/invoices/", client.get(body["next"]).json())
