"""Card payments with their refunds and disputes, payouts, and the Stripe account's
status. Amounts are strings in the currency's minor unit."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.api.base import WorkspaceSerializerMixin
from core.currencies import CURRENCY_CHOICES
from invoicing.api.serializers.fields import CurrencyAmountField
from payments.models import CardDispute, CardPayment, CardRefund, Payout, StripeAccount
from payments.selectors import account_state


class CardRefundSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    amount = CurrencyAmountField(currency="payment.currency")

    class Meta:
        model = CardRefund
        fields = ["id", "payment", "refund_id", "amount", "reason", "status", "created_at"]
        read_only_fields = fields


class CardDisputeSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    amount = CurrencyAmountField(currency="payment.currency")
    outcome = serializers.CharField(read_only=True, help_text='"Won", "Lost", or "" while open.')

    class Meta:
        model = CardDispute
        fields = [
            "id",
            "dispute_id",
            "amount",
            "reason",
            "status",
            "evidence_due_by",
            "outcome",
            "created_at",
        ]
        read_only_fields = fields


class CardPaymentSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    amount = CurrencyAmountField(help_text="What the client was asked to pay.")
    processing_fee = CurrencyAmountField()
    benefits_share = CurrencyAmountField()
    landed = CurrencyAmountField(
        help_text="What reaches the connected account: amount − benefits share − fee."
    )
    refunds = CardRefundSerializer(many=True, read_only=True)
    disputes = CardDisputeSerializer(many=True, read_only=True)

    class Meta:
        model = CardPayment
        fields = [
            "id",
            "invoice",
            "client",
            "origin",
            "status",
            "amount",
            "currency",
            "processing_fee",
            "benefits_share",
            "landed",
            "failure_code",
            "failure_message",
            "refunds",
            "disputes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CardRefundCreateSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=3,
        required=False,
        allow_null=True,
        help_text="In the payment's currency; left out or null: everything not refunded yet.",
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PayoutSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    amount = CurrencyAmountField()

    class Meta:
        model = Payout
        fields = [
            "id",
            "payout_id",
            "amount",
            "currency",
            "status",
            "arrival_date",
            "failure_code",
            "failure_message",
            "created_at",
        ]
        read_only_fields = fields


class PayoutCreateSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=3, help_text="At most what is available in `currency`."
    )
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)


@extend_schema_serializer(many=False)  # one account per workspace, read as one object
class StripeAccountSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    """The workspace's connected account as last synced (no Stripe call)."""

    state = serializers.ChoiceField(
        choices=["not_connected", "pending", "enabled"],
        read_only=True,
        help_text="not_connected: no account yet; pending: Stripe needs details or is "
        "checking them; enabled: charges and payouts enabled.",
    )
    account_id = serializers.CharField(read_only=True, allow_null=True)
    details_submitted = serializers.BooleanField(read_only=True)
    charges_enabled = serializers.BooleanField(read_only=True)
    payouts_enabled = serializers.BooleanField(read_only=True)
    requirements_due = serializers.SerializerMethodField()
    synced_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_requirements_due(self, account: StripeAccount | None) -> list[str]:
        return list(account.requirements_due) if account is not None else []

    def to_representation(self, instance: Any) -> Any:
        account: StripeAccount | None = instance
        return {
            "state": account_state(account),
            "account_id": account.account_id if account else None,
            "details_submitted": bool(account and account.details_submitted),
            "charges_enabled": bool(account and account.charges_enabled),
            "payouts_enabled": bool(account and account.payouts_enabled),
            "requirements_due": self.get_requirements_due(account),
            "synced_at": serializers.DateTimeField().to_representation(account.synced_at)
            if account and account.synced_at
            else None,
        }
