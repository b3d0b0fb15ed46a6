"""Serializers for engagements (one pay model and its terms), what is unbilled on one, and
retainer statements."""

from __future__ import annotations

from rest_framework import serializers

from accounts.api.base import WorkspaceSerializerMixin
from core.api.serializers import SaneDateField, StrictTypesMixin
from core.currencies import currency_choices
from core.money import minutes_to_hours
from engagements.api.serializers.fields import HoursField, MoneyField
from engagements.capacity import weekly_commitment
from engagements.models import (
    BillingClaim,
    Engagement,
    EngagementPause,
)
from engagements.pay_models import ALL_TERMS


class WeeklyCommitmentField(serializers.DecimalField):
    """Hours a week the engagement is expected to take (see capacity.weekly_commitment)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=6, decimal_places=2, read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return super().to_representation(weekly_commitment(value))


class EngagementPauseSerializer(StrictTypesMixin, serializers.ModelSerializer):
    class Meta:
        model = EngagementPause
        fields = ["start_date", "end_date"]
        read_only_fields = fields


class EngagementSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    status_on = SaneDateField(
        write_only=True,
        required=False,
        help_text=(
            "With a change of `status`: the first day of a pause, or the first day back "
            "from one (an end is dated by `end_date`, which ending requires). Billing "
            "follows these dates, never the status."
        ),
    )
    pauses = EngagementPauseSerializer(
        many=True,
        read_only=True,
        help_text="Dated pauses, inclusive; `end_date` null while it lasts.",
    )
    currency = serializers.ChoiceField(
        choices=currency_choices(),
        required=False,
        help_text="Defaults to the client's currency.",
    )
    weekly_commitment_hours = WeeklyCommitmentField(
        help_text=(
            "Hours a week this engagement takes: the estimate when given, else the hourly "
            "cap, else a retainer's included hours spread over the weeks of a month."
        )
    )

    class Meta:
        model = Engagement
        fields = [
            "id",
            "client",
            "name",
            "description",
            "pay_model",
            "status",
            "currency",
            "start_date",
            "end_date",
            "status_on",
            "pauses",
            "benefits_contribution_percent",
            "estimated_hours_per_week",
            "weekly_commitment_hours",
            *ALL_TERMS,  # the pay models' terms (engagements.pay_models)
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class UnbilledQuerySerializer(WorkspaceSerializerMixin, serializers.Serializer):
    as_of = SaneDateField(
        required=False, help_text="Billable on or before this day. Default: today."
    )
    period_start = SaneDateField(required=False)
    period_end = SaneDateField(required=False)

    def validate(self, attrs):
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": "The period ends before it starts."})
        return attrs


class UnbilledItemSerializer(serializers.Serializer):
    """One `engagements.billing.UnbilledItem`."""

    kind = serializers.ChoiceField(choices=BillingClaim.Kind.choices)
    description = serializers.CharField()
    date = SaneDateField(help_text="When it became billable, or its period's start.")
    quantity = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="Hours for time and overage, else 1."
    )
    unit_price = serializers.DecimalField(max_digits=None, decimal_places=None)
    amount = MoneyField()
    currency = serializers.CharField()
    source_id = serializers.IntegerField(
        allow_null=True, help_text="The time entry, milestone, outcome, report or expense."
    )
    period_start = SaneDateField(allow_null=True, help_text="For retainer periods.")
    minutes = serializers.IntegerField()
    extra = serializers.DictField(child=serializers.CharField(), help_text="Kind-specific.")


class UnbilledSerializer(serializers.Serializer):
    engagement = serializers.IntegerField()
    currency = serializers.CharField()
    as_of = SaneDateField()
    period_start = SaneDateField(allow_null=True)
    period_end = SaneDateField(allow_null=True)
    total = MoneyField()
    items = UnbilledItemSerializer(many=True)


class RetainerStatementsQuerySerializer(WorkspaceSerializerMixin, serializers.Serializer):
    until = SaneDateField(
        required=False, help_text="Statements for the periods up to this day. Default: today."
    )


class _StatementHoursField(HoursField):
    def __init__(self, minutes_attr: str, **kwargs):
        self.minutes_attr = minutes_attr
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        return super().to_representation(minutes_to_hours(getattr(value, self.minutes_attr)))


class RetainerStatementSerializer(serializers.Serializer):
    """One `engagements.billing.RetainerStatement`: minutes are exact, hours rounded."""

    period_start = SaneDateField()
    period_end = SaneDateField(help_text="Inclusive.")
    period_days = serializers.IntegerField()
    active_days = serializers.IntegerField(
        help_text="Days within the engagement's dates and in no pause: the fee and the "
        "included hours are pro rata of period_days."
    )
    included_minutes = serializers.IntegerField()
    rolled_in_minutes = serializers.IntegerField(help_text="Carried from earlier periods.")
    expired_minutes = serializers.IntegerField(help_text="Carried hours that expired.")
    used_minutes = serializers.IntegerField()
    overage_minutes = serializers.IntegerField()
    forfeited_minutes = serializers.IntegerField(help_text="Unused hours that lapse.")
    rolled_out_minutes = serializers.IntegerField(help_text="Carried into the next period.")
    included_hours = _StatementHoursField("included_minutes")
    used_hours = _StatementHoursField("used_minutes")
    rolled_in_hours = _StatementHoursField("rolled_in_minutes")
    rolled_out_hours = _StatementHoursField("rolled_out_minutes")
    overage_hours = _StatementHoursField("overage_minutes")
    fee = MoneyField()
    overage_amount = MoneyField()
    closed = serializers.BooleanField(help_text="The period has ended: its numbers are final.")
