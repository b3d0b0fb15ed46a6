"""Serializers for capacity: availability, blocked time, and the weeks computed from them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.base import WorkspaceSerializerMixin
from core.api.serializers import SaneDateField, StrictTypesMixin
from engagements.api.serializers.fields import HoursField
from engagements.models import (
    Availability,
    BlockedTime,
)


class AvailabilitySerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Availability
        fields = ["id", "user", "effective_from", *Availability.WEEKDAYS]
        read_only_fields = ["id", "user"]
        extra_kwargs = {
            "effective_from": {
                "help_text": (
                    "From this day on. The same day again replaces that row; a later day "
                    "adds one, so earlier weeks keep the capacity they had."
                )
            },
            **{
                day: {"min_value": 0, "max_value": 24, "help_text": "Hours."}
                for day in Availability.WEEKDAYS
            },
        }
        # One row per day is the service's upsert, not a uniqueness error.
        validators: list = []


class BlockedTimeSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        help_text="For recurring blocks: 0 (Monday) … 6 (Sunday).",
    )

    class Meta:
        model = BlockedTime
        fields = [
            "id",
            "user",
            "title",
            "kind",
            "start_date",
            "end_date",
            "recurring",
            "weekdays",
            "hours_per_day",
        ]
        read_only_fields = ["id", "user"]


class CapacityQuerySerializer(WorkspaceSerializerMixin, serializers.Serializer):
    start = SaneDateField(
        required=False, help_text="A day in the first week (weeks start Monday). Default: today."
    )
    weeks = serializers.IntegerField(required=False, default=12, min_value=1, max_value=52)


class CommitmentSerializer(StrictTypesMixin, serializers.Serializer):
    name = serializers.CharField()
    hours = HoursField()


class CapacityWeekSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    """One `engagements.capacity.Week` of the caller."""

    start = SaneDateField(help_text="Monday.")
    end = SaneDateField(help_text="Sunday.")
    available = HoursField(help_text="Availability minus blocked time.")
    blocked = HoursField()
    committed = HoursField(help_text="Active engagements.")
    pipeline = HoursField(help_text="Proposed engagements.")
    logged = HoursField()
    free = HoursField(help_text="available − committed; negative when over-committed.")
    over_committed = serializers.BooleanField()
    over_with_pipeline = serializers.BooleanField()
    engagements = serializers.SerializerMethodField()

    @extend_schema_field(CommitmentSerializer(many=True))
    def get_engagements(self, week):
        return CommitmentSerializer(
            [{"name": name, "hours": hours} for name, hours in week.engagements], many=True
        ).data
