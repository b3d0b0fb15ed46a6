"""API for capacity: your availability, blocked time, and weeks."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.api.base import WorkspaceViewSet
from core.api.errors import WRITE_METHODS, service_errors
from core.inputs import UNSET
from engagements import services
from engagements.api import filters
from engagements.api import serializers as s
from engagements.capacity import capacity_weeks
from engagements.models import (
    Availability,
    BlockedTime,
)


class _OwnRowsViewSet(WorkspaceViewSet):
    """Capacity is personal: each person sees and edits only their own rows."""

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return queryset.filter(user=self.request.user)


@extend_schema(tags=["capacity"])
class AvailabilityViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, _OwnRowsViewSet):
    """Your hours per weekday, from a date on. POST with the same `effective_from` edits
    that row; a later date adds one, so earlier weeks keep the capacity they had."""

    model = Availability
    serializer_class = s.AvailabilitySerializer
    ordering_fields = ["effective_from"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        effective_from = data.pop("effective_from")
        with service_errors():
            serializer.instance = services.availability_set(
                workspace=self.request.workspace,
                user=self.request.user,
                actor=self.request.user,
                effective_from=effective_from,
                hours=data,
            )


@extend_schema(tags=["capacity"])
class BlockedTimeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    _OwnRowsViewSet,
):
    """Your time that is not for client work (caregiving, time off): one-off date ranges,
    or recurring on some weekdays."""

    model = BlockedTime
    serializer_class = s.BlockedTimeSerializer
    filterset_class = filters.BlockedTimeFilter
    ordering_fields = ["start_date"]
    http_method_names = WRITE_METHODS

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            serializer.instance = services.blocked_time_save(
                workspace=self.request.workspace,
                user=self.request.user,
                actor=self.request.user,
                title=serializer.validated_data.get("title", UNSET),
                kind=serializer.validated_data.get("kind", UNSET),
                start_date=serializer.validated_data.get("start_date", UNSET),
                end_date=serializer.validated_data.get("end_date", UNSET),
                hours_per_day=serializer.validated_data.get("hours_per_day", UNSET),
                recurring=serializer.validated_data.get("recurring", UNSET),
                weekdays=serializer.validated_data.get("weekdays", UNSET),
            )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        blocked: Any = serializer.instance  # an update always has its instance
        with service_errors():
            serializer.instance = services.blocked_time_save(
                workspace=self.request.workspace,
                user=blocked.user,
                actor=self.request.user,
                blocked=blocked,
                title=serializer.validated_data.get("title", UNSET),
                kind=serializer.validated_data.get("kind", UNSET),
                start_date=serializer.validated_data.get("start_date", UNSET),
                end_date=serializer.validated_data.get("end_date", UNSET),
                hours_per_day=serializer.validated_data.get("hours_per_day", UNSET),
                recurring=serializer.validated_data.get("recurring", UNSET),
                weekdays=serializer.validated_data.get("weekdays", UNSET),
            )

    def perform_destroy(self, instance: Any) -> None:
        services.blocked_time_delete(blocked=instance, actor=self.request.user)


@extend_schema(tags=["capacity"])
class CapacityViewSet(mixins.ListModelMixin, WorkspaceViewSet):
    """Your weeks: hours available (availability minus blocked time) against hours
    committed by active engagements, the pipeline of proposed ones, and hours logged."""

    model = Availability  # for the base class; the answer is computed, not a queryset
    serializer_class = s.CapacityWeekSerializer
    filter_backends: list = []
    pagination_class = None
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        parameters=[s.CapacityQuerySerializer], responses=s.CapacityWeekSerializer(many=True)
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = s.CapacityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data.get("start") or self.request.workspace.today()
        weeks = capacity_weeks(
            user=self.request.user, start=start, weeks=query.validated_data["weeks"]
        )
        return Response(self.get_serializer(weeks, many=True).data)
