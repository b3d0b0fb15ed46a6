"""Reminder rules, the late fee policy and recurring schedules."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from core.api.errors import WRITE_METHODS, service_errors
from invoicing.api import serializers as s
from invoicing.api.views.base import InvoicingViewSet
from invoicing.models import LateFeePolicy, RecurringSchedule, ReminderRule
from invoicing.services import late_fees, recurring, reminders


@extend_schema(tags=["invoice settings"])
class ReminderRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    InvoicingViewSet,
):
    """When open invoices are reminded, relative to their due date. Each rule reminds an
    invoice at most once."""

    model = ReminderRule
    serializer_class = s.ReminderRuleSerializer
    ordering_fields = ["days_from_due"]
    http_method_names = WRITE_METHODS

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            data = serializer.validated_data
            serializer.instance = reminders.reminder_rule_save(
                workspace=self.workspace,
                actor=self.actor,
                days_from_due=data["days_from_due"],
                active=data.get("active", True),
            )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        rule = cast(ReminderRule, serializer.instance)  # an update has its instance
        data = serializer.validated_data
        with service_errors():
            serializer.instance = reminders.reminder_rule_save(
                workspace=self.workspace,
                actor=self.actor,
                rule=rule,
                days_from_due=data.get("days_from_due", rule.days_from_due),
                active=data.get("active", rule.active),
            )

    def perform_destroy(self, instance: Any) -> None:
        with service_errors():
            reminders.reminder_rule_delete(rule=instance, actor=self.actor)


@extend_schema(tags=["invoice settings"])
class LateFeePolicyViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, InvoicingViewSet):
    """The workspace's late-fee policy: GET reads it, POST sets it (owners and admins)."""

    model = LateFeePolicy
    serializer_class = s.LateFeePolicySerializer
    required_role = "manage"
    pagination_class = None
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(responses=s.LateFeePolicySerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = LateFeePolicy.objects.filter(workspace=self.workspace).first()
        policy = policy or LateFeePolicy(workspace=self.workspace)
        return Response(self.get_serializer(policy).data)

    @extend_schema(responses={200: s.LateFeePolicySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            data = body.validated_data
            policy = late_fees.late_fee_policy_save(
                workspace=self.workspace,
                actor=self.actor,
                kind=data["kind"],
                fixed_amount=data.get("fixed_amount"),
                annual_interest_percent=data.get("annual_interest_percent"),
                grace_days=data.get("grace_days", 0),
            )
        return Response(self.get_serializer(policy).data)


SCHEDULE_FIELDS = [
    "name",
    "client",
    "engagement",
    "interval",
    "every",
    "start_date",
    "end_date",
    "currency",
    "lines",
    "days_until_due",
    "auto_finalize",
    "auto_send",
]


@extend_schema(tags=["invoices"])
class RecurringScheduleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    InvoicingViewSet,
):
    """Recurring invoices: every period from the start date (to the end date, if any) an
    invoice is made from the template lines or the engagement's unbilled work, at most
    once per period. Deleting a schedule keeps the invoices it made."""

    model = RecurringSchedule
    serializer_class = s.RecurringScheduleSerializer
    ordering_fields = ["next_run", "name", "created_at"]
    http_method_names = WRITE_METHODS

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("client")

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            serializer.instance = recurring.recurring_schedule_save(
                workspace=self.workspace,
                actor=self.actor,
                **serializer.validated_data,
            )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        schedule = serializer.instance
        fields = {name: getattr(schedule, name) for name in SCHEDULE_FIELDS}
        fields.update(serializer.validated_data)
        with service_errors():
            serializer.instance = recurring.recurring_schedule_save(
                workspace=self.workspace,
                actor=self.actor,
                schedule=schedule,
                **fields,
            )

    def perform_destroy(self, instance: Any) -> None:
        with service_errors():
            recurring.recurring_schedule_delete(schedule=instance, actor=self.actor)

    def _set_active(self, request: Request, active: bool) -> Response:
        with service_errors():
            schedule = recurring.recurring_schedule_pause(
                schedule=self.get_object(),
                actor=self.actor,
                active=active,
                today=self.workspace.today(),
            )
        return Response(self.get_serializer(schedule).data)

    @extend_schema(request=None, responses=s.RecurringScheduleSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Stop making invoices until resumed."""
        return self._set_active(request, False)

    @extend_schema(request=None, responses=s.RecurringScheduleSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start again from the first period from today on (paused periods are skipped)."""
        return self._set_active(request, True)
