"""API for the work an engagement records: time, milestones, outcomes, revenue reports,
expenses. Frozen once invoiced."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer, Serializer

from accounts.api.base import WorkspaceViewSet
from core.api.errors import WRITE_METHODS, refuse_change, service_errors
from core.api.parsers import JSONParser
from core.inputs import UNSET
from engagements import services
from engagements.api import filters
from engagements.api import serializers as s
from engagements.api.serializers import time_rows
from engagements.models import (
    BillingClaim,
    Engagement,
    Expense,
    Milestone,
    Outcome,
    RevenueReport,
    TimeEntry,
)
from engagements.receipts import receipt_response


def _invoiced(kind: str) -> Exists:
    return Exists(
        BillingClaim.objects.filter(kind=kind, source_id=OuterRef("pk"), released_at__isnull=True)
    )


class _EngagementRecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """A record on one engagement, written by `services.<kind>_save(engagement=…,
    <kind>=…)` and deleted by `services.record_delete`; frozen once invoiced. A PATCH
    passes on only the fields sent (the others are UNSET: unchanged)."""

    http_method_names = WRITE_METHODS
    claim_kind: str

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().annotate(invoiced=_invoiced(self.claim_kind))

    def save_record(self, *, engagement: Engagement, record: Any, data: Mapping[str, Any]) -> Any:
        """Call the kind's service: `record` is None on create."""
        raise NotImplementedError

    def transition(
        self,
        request: Request,
        body_serializer: type[Serializer[Any]],
        change: Callable[[Any, dict[str, Any]], Any],
    ) -> Response:
        """A state change on one record (deliver, accept): parse the body, call
        `change(record, body)` (the service), answer with the record."""
        body = body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            record = change(self.get_object(), body.validated_data)
        serializer_class = cast(type[Serializer[Any]], self.serializer_class)
        return Response(serializer_class(record).data)

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        with service_errors():
            serializer.instance = self.save_record(
                engagement=data["engagement"], record=None, data=data
            )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        record: Any = serializer.instance  # an update always has its instance
        data = dict(serializer.validated_data)
        refuse_change(record, data, "engagement")
        with service_errors():
            serializer.instance = self.save_record(
                engagement=record.engagement, record=record, data=data
            )

    def perform_destroy(self, instance: Any) -> None:
        with service_errors():
            services.record_delete(record=instance, kind=self.claim_kind, actor=self.request.user)


_written = extend_schema(responses=s.TimeEntryWrittenSerializer)


@extend_schema(tags=["time"])
@extend_schema_view(create=_written, partial_update=_written)
class TimeEntryViewSet(_EngagementRecordViewSet):
    """Time logged on engagements. Writes answer `weekly_cap_exceeded` so a client can
    warn when an hourly engagement's weekly cap is passed (the entry is saved anyway)."""

    model = TimeEntry
    serializer_class = s.TimeEntrySerializer
    filterset_class = filters.TimeEntryFilter
    ordering_fields = ["date", "minutes", "created_at"]
    claim_kind = BillingClaim.Kind.TIME

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action in ("create", "partial_update", "update"):
            return s.TimeEntryWrittenSerializer
        return super().get_serializer_class()

    # No docstring: the schema's description of the list stays the class's.
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # TimeEntrySerializer's rows built from values_list() (time_rows): one query.
        queryset = self.filter_queryset(self.get_queryset()).values_list(*time_rows.COLUMNS)
        page = self.paginate_queryset(queryset) or []  # every list pages (settings)
        return self.get_paginated_response(time_rows.time_entry_rows(page))

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        super().perform_create(serializer)
        self._flag_cap(cast(TimeEntry, serializer.instance))

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        entry: Any = serializer.instance  # an update always has its instance
        data = serializer.validated_data
        # The service moves an entry between engagements itself.
        with service_errors():
            serializer.instance = self.save_record(
                engagement=data.get("engagement", entry.engagement), record=entry, data=data
            )
        self._flag_cap(cast(TimeEntry, serializer.instance))

    def perform_destroy(self, instance: Any) -> None:
        with service_errors():
            services.time_entry_delete(entry=instance, actor=self.request.user)

    def save_record(self, *, engagement: Engagement, record: Any, data: Mapping[str, Any]) -> Any:
        return services.time_entry_save(
            engagement=engagement,
            actor=self.request.user,
            entry=record,
            date=data.get("date", UNSET),
            minutes=data.get("minutes", UNSET),
            description=data.get("description", UNSET),
            billable=data.get("billable", UNSET),
        )

    @staticmethod
    def _flag_cap(entry: TimeEntry) -> None:
        # Shown once in the answer (TimeEntryWrittenSerializer), never stored.
        setattr(  # noqa: B010 - an attribute of this answer, not of the model
            entry, "weekly_cap_exceeded", services.weekly_cap_exceeded(entry.engagement, entry.date)
        )


@extend_schema(tags=["fixed fee"])
class MilestoneViewSet(_EngagementRecordViewSet):
    """Fixed-fee milestones: pending → delivered → accepted (billable once accepted)."""

    model = Milestone
    serializer_class = s.MilestoneSerializer
    filterset_class = filters.MilestoneFilter
    ordering_fields = ["due_date", "amount"]
    claim_kind = BillingClaim.Kind.MILESTONE

    def save_record(self, *, engagement: Engagement, record: Any, data: Mapping[str, Any]) -> Any:
        return services.milestone_save(
            engagement=engagement,
            actor=self.request.user,
            milestone=record,
            title=data.get("title", UNSET),
            amount=data.get("amount", UNSET),
            due_date=data.get("due_date", UNSET),
            acceptance_criteria=data.get("acceptance_criteria", UNSET),
        )

    @extend_schema(request=s.MilestoneDeliverSerializer, responses=s.MilestoneSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.transition(
            request,
            s.MilestoneDeliverSerializer,
            lambda milestone, body: services.milestone_deliver(
                milestone=milestone, actor=self.request.user, on=body["on"]
            ),
        )

    @extend_schema(request=s.MilestoneAcceptSerializer, responses=s.MilestoneSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record the client's acceptance, on their word (who, and when). Repeating it
        changes nothing."""
        return self.transition(
            request,
            s.MilestoneAcceptSerializer,
            lambda milestone, body: services.milestone_accept(
                milestone=milestone,
                actor=self.request.user,
                on=body["on"],
                on_word_of=body["on_word_of"],
            ),
        )


@extend_schema(tags=["outcome bounties"])
class OutcomeViewSet(_EngagementRecordViewSet):
    """Outcome bounties: a fee owed once the outcome is accepted."""

    model = Outcome
    serializer_class = s.OutcomeSerializer
    filterset_class = filters.OutcomeFilter
    ordering_fields = ["accepted_at", "fee"]
    claim_kind = BillingClaim.Kind.OUTCOME

    def save_record(self, *, engagement: Engagement, record: Any, data: Mapping[str, Any]) -> Any:
        return services.outcome_save(
            engagement=engagement,
            actor=self.request.user,
            outcome=record,
            description=data.get("description", UNSET),
            fee=data.get("fee", UNSET),
            evidence_note=data.get("evidence_note", UNSET),
        )

    @extend_schema(request=s.OutcomeAcceptSerializer, responses=s.OutcomeSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record that the outcome was reached. Repeating it changes nothing."""
        return self.transition(
            request,
            s.OutcomeAcceptSerializer,
            lambda outcome, body: services.outcome_accept(
                outcome=outcome,
                actor=self.request.user,
                on=body["on"],
                evidence_note=body["evidence_note"],
            ),
        )


@extend_schema(tags=["revenue share"])
class RevenueReportViewSet(_EngagementRecordViewSet):
    """Revenue a client reports per period of a revenue-share engagement, with the share
    owed for it."""

    model = RevenueReport
    serializer_class = s.RevenueReportSerializer
    filterset_class = filters.RevenueReportFilter
    ordering_fields = ["period_start", "reported_at"]
    claim_kind = BillingClaim.Kind.REVENUE_SHARE

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("engagement")

    def save_record(self, *, engagement: Engagement, record: Any, data: Mapping[str, Any]) -> Any:
        return services.revenue_report_save(
            engagement=engagement,
            actor=self.request.user,
            report=record,
            period_start=data.get("period_start", UNSET),
            period_end=data.get("period_end", UNSET),
            revenue=data.get("revenue", UNSET),
            reported_by=data.get("reported_by", UNSET),
            reported_at=data.get("reported_at", UNSET),
            note=data.get("note", UNSET),
        )


@extend_schema(tags=["expenses"])
class ExpenseViewSet(_EngagementRecordViewSet):
    """Expenses on engagements. Send `multipart/form-data` to upload a receipt."""

    model = Expense
    serializer_class = s.ExpenseSerializer
    filterset_class = filters.ExpenseFilter
    ordering_fields = ["date", "amount", "created_at"]
    # JSON like every endpoint, or multipart with the receipt file.
    parser_classes = [JSONParser, MultiPartParser]
    claim_kind = BillingClaim.Kind.EXPENSE

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="The receipt file, typed by its content (PDF, PNG, JPEG, WebP or "
        "HEIC); 404 if the expense has none. The expense's `receipt` field links here.",
    )
    @action(detail=True, methods=["get"])
    def receipt(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        expense = self.get_object()
        if not expense.receipt:
            raise Http404("No receipt.")
        return receipt_response(expense.receipt)

    def save_record(self, *, engagement: Engagement, record: Any, data: Mapping[str, Any]) -> Any:
        receipt = data.get("receipt", UNSET)
        if receipt is None:
            receipt = ""  # cleared: the column stores an empty name, never NULL
        return services.expense_save(
            engagement=engagement,
            actor=self.request.user,
            expense=record,
            receipt=receipt,
            date=data.get("date", UNSET),
            amount=data.get("amount", UNSET),
            category=data.get("category", UNSET),
            description=data.get("description", UNSET),
            rebillable=data.get("rebillable", UNSET),
            markup_percent=data.get("markup_percent", UNSET),
        )
