"""Reminder rules, the late fee policy and recurring schedules (with template lines)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from accounts.api.base import WorkspaceSerializerMixin
from core.api.serializers import StrictTypesMixin
from core.currencies import currency_choices
from invoicing.models import LateFeePolicy, RecurringSchedule, ReminderRule


class ReminderRuleSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)  # type: ignore[assignment]

    class Meta:
        model = ReminderRule
        fields = ["id", "days_from_due", "active", "label"]
        read_only_fields = ["id"]
        extra_kwargs = {
            "days_from_due": {
                "help_text": "Days relative to the due date: negative before, 0 on the day, "
                "positive after. One rule per day."
            }
        }
        # One rule per day is checked by the service (a 400 on days_from_due).
        validators: list = []


@extend_schema_serializer(many=False)  # one policy per workspace, read as one object
class LateFeePolicySerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = LateFeePolicy
        fields = ["kind", "fixed_amount", "annual_interest_percent", "grace_days"]
        # POST sets the whole policy: its kind is what the rest depends on.
        extra_kwargs = {"kind": {"required": True}}


class ScheduleLineSerializer(StrictTypesMixin, serializers.Serializer):
    """A template line, for schedules that do not bill an engagement."""

    description = serializers.CharField(max_length=500)
    # The string defaults are what the schema shows and what the service parses.
    quantity = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        default="1",  # type: ignore[arg-type]
    )
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4)
    discount_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        default="0",  # type: ignore[arg-type]
        min_value=0,
        max_value=100,
    )
    tax_rate_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="One of the workspace's tax rates."
    )

    def to_internal_value(self, data: Any) -> Any:
        # The service stores Decimals as strings in the JSON column.
        value = super().to_internal_value(data)
        return {k: str(v) if k != "tax_rate_id" else v for k, v in value.items()}


class RecurringScheduleSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    currency = serializers.ChoiceField(
        choices=currency_choices(),
        required=False,
        help_text="Defaults to the engagement's, else the client's.",
    )
    lines = ScheduleLineSerializer(many=True, required=False)

    class Meta:
        model = RecurringSchedule
        fields = [
            "id",
            "name",
            "client",
            "engagement",
            "interval",
            "every",
            "start_date",
            "end_date",
            "next_run",
            "currency",
            "lines",
            "days_until_due",
            "auto_finalize",
            "auto_send",
            "active",
            "created_at",
        ]
        read_only_fields = ["id", "next_run", "active", "created_at"]
        extra_kwargs = {
            "engagement": {
                "help_text": "Bill this engagement's unbilled work each period (then no "
                "template lines)."
            },
            "days_until_due": {"help_text": "Default: the client's payment terms."},
            "active": {"help_text": "Change with `pause` and `resume`."},
        }
