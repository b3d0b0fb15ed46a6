"""Payments (receipts: money received, in full), where each went (allocations), their
reversal, and client credit."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.api.base import WorkspaceSerializerMixin
from core.api.serializers import SaneDateField
from core.money import quantize
from invoicing.api.serializers.fields import CurrencyAmountField
from invoicing.models import MANUAL_METHODS, Allocation, Invoice, Receipt


class AllocationSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    amount = CurrencyAmountField(help_text="Signed: a reversal or credit moved off is negative.")

    class Meta:
        model = Allocation
        fields = ["id", "kind", "invoice", "amount", "currency", "created_at"]
        read_only_fields = fields
        extra_kwargs = {
            "invoice": {"help_text": "The invoice it went to; null: the client's credit."}
        }


class PaymentSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    amount = CurrencyAmountField(
        help_text="Everything received (negative for a reversal). Where it went is in "
        "`allocations`: to the invoice, and beyond what was due to the client's credit."
    )
    base_amount = CurrencyAmountField(
        currency="workspace.base_currency",
        allow_null=True,
        help_text="In the workspace's base currency at the rate of the payment date; null "
        "when no rate was stored for that day.",
    )
    reversed = serializers.BooleanField(
        read_only=True, default=False, help_text="A later entry reverses this payment."
    )
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "client",
            "invoice",
            "amount",
            "currency",
            "received_on",
            "method",
            "reference",
            "reverses",
            "reversed",
            "allocations",
            "rate_to_base",
            "base_amount",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"invoice": {"help_text": "The invoice it was recorded against."}}


class PaymentCreateSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    invoice = serializers.PrimaryKeyRelatedField(
        queryset=Invoice.objects.none(), help_text="An open or partly paid invoice."
    )
    amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=3,
        help_text="What was received, in the invoice's currency. More than is due becomes "
        "the client's credit.",
    )
    received_on = SaneDateField()
    method = serializers.ChoiceField(choices=MANUAL_METHODS)
    reference = serializers.CharField(max_length=120, required=False, default="")


class PaymentRecordedSerializer(PaymentSerializer):
    applied = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        read_only=True,
        help_text="The part applied to the invoice.",
    )
    to_credit = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        read_only=True,
        help_text="The part of the amount received beyond what was due, added to the "
        "client's credit in this currency.",
    )

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "applied", "to_credit"]
        read_only_fields = fields


class PaymentReverseSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ClientCreditSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    """A client's credit balance in one currency (what its allocations to no invoice sum to)."""

    client = serializers.IntegerField()
    currency = serializers.CharField()
    balance = serializers.DecimalField(max_digits=None, decimal_places=None)

    def to_representation(self, instance: Any) -> Any:
        return {
            "client": instance["client"],
            "currency": instance["currency"],
            "balance": str(quantize(instance["balance"], instance["currency"])),
        }
