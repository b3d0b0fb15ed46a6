"""The payment list's rows are built from `values_list()` (invoicing.api.serializers.
payment_rows), not by PaymentSerializer: they must be exactly what the serializer gives for
the same payments (partial, overpaid with an allocation to credit, reversed and its
reversal, in a 0-decimal currency, with and without a base-currency rate), and match the
schema."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.renderers import JSONRenderer

from accounts.tenancy import workspace_scope
from invoicing import services
from invoicing.api.serializers import PaymentSerializer
from invoicing.api.views.payments import with_reversed
from invoicing.models import ExchangeRate, Receipt
from tests.api import url
from tests.factories import ClientFactory
from tests.invoicing.api_helpers import TODAY, make_invoice
from tests.openapi import check_list_page


def test_list_rows_are_the_serializers_rows(api_as, personas, acme):
    alice, ws = personas.alice, personas.a
    ws.timezone = "America/New_York"
    ws.save(update_fields=["timezone"])
    yen = ClientFactory(workspace=ws, name="K.K.", currency="JPY")
    later = TODAY + dt.timedelta(days=2)
    with scopes_disabled():  # yen: no rate on TODAY, one from the day after
        ExchangeRate.objects.create(
            workspace=ws, date=TODAY + dt.timedelta(days=1), currency="JPY", rate="0.0066"
        )
    first, second = make_invoice(personas, acme, price="1000"), make_invoice(personas, yen)
    with workspace_scope(ws):
        pay = {"actor": alice, "received_on": TODAY, "method": "bank_transfer"}
        services.receipt_record(invoice=first, amount=Decimal("400.5"), **pay)
        over = services.receipt_record(invoice=first, amount=Decimal("700"), **pay)
        services.receipt_reverse(receipt=over, actor=alice, reason="bounced")
        services.receipt_record(invoice=second, amount=Decimal("999"), **pay)
        services.receipt_record(
            invoice=second, amount=Decimal("1"), **{**pay, "received_on": later}
        )

    client = api_as(alice)
    body = client.get(url("payments"), {"page_size": 500}).json()
    with scopes_disabled(), timezone.override(zoneinfo.ZoneInfo(ws.timezone)):
        receipts = with_reversed(Receipt.objects.filter(workspace=ws)).order_by("received_on", "pk")
        expected = PaymentSerializer(receipts, many=True).data
    assert len(body["results"]) == len(expected) == 5
    assert {row["reversed"] for row in body["results"]} == {True, False}
    assert any(len(row["allocations"]) > 1 for row in body["results"])
    assert {row["base_amount"] is None for row in body["results"]} == {True, False}
    assert any(row["rate_to_base"] == "0.0066000000" for row in body["results"])
    assert bytes(JSONRenderer().render(body["results"])) == bytes(JSONRenderer().render(expected))
    page = client.get(url("payments"), {"page_size": 3}).json()
    check_list_page("/api/v1/workspaces/{workspace}/payments/", page)
    check_list_page("/api/v1/workspaces/{workspace}/payments/", client.get(page["next"]).json())
