"""API for engagements, what is unbilled on one, and retainer statements."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.api.base import WorkspaceViewSet
from core.api.errors import service_errors
from core.inputs import UNSET
from engagements import billing, services
from engagements.api import filters
from engagements.api import serializers as s
from engagements.models import (
    Engagement,
    PayModel,
)


@extend_schema(tags=["engagements"])
class EngagementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    WorkspaceViewSet,
):
    """Engagements under one pay model each, with the terms of that model. Terms that
    decided an invoice are frozen once it exists: end the engagement and start a new one.
    Engagements are not deleted; set `status` to `ended` with its `end_date`. Pausing
    and resuming are dated too: send `status` with `status_on`. A change reaching into an
    invoiced period is refused (400, naming the invoice)."""

    model = Engagement
    serializer_class = s.EngagementSerializer
    filterset_class = filters.EngagementFilter
    ordering_fields = ["start_date", "name", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Engagement]:
        return super().get_queryset().prefetch_related("pauses")

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        with service_errors():
            serializer.instance = services.engagement_create(
                workspace=self.request.workspace,
                actor=self.request.user,
                client=data["client"],
                **services.engagement_fields_from(data),
            )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        data = serializer.validated_data  # a PATCH: only what was sent
        with service_errors():
            serializer.instance = services.engagement_update(
                engagement=cast(Engagement, serializer.instance),
                actor=self.request.user,
                client=data.get("client", UNSET),
                status_on=data.get("status_on", UNSET),
                **services.engagement_fields_from(data),
            )

    @extend_schema(parameters=[s.UnbilledQuerySerializer], responses=s.UnbilledSerializer)
    @action(detail=True, methods=["get"])
    def unbilled(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """What is billable and not yet invoiced, up to `as_of` and within the period when
        given: the items an invoice would take, and their total."""
        engagement = self.get_object()
        query = s.UnbilledQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or self.request.workspace.today()
        start = query.validated_data.get("period_start")
        end = query.validated_data.get("period_end")
        items = billing.unbilled_items(engagement, as_of=as_of, period_start=start, period_end=end)
        body = {
            "engagement": engagement.pk,
            "currency": engagement.currency,
            "as_of": as_of,
            "period_start": start,
            "period_end": end,
            "total": billing.unbilled_total(items, engagement.currency),
            "items": items,
        }
        return Response(s.UnbilledSerializer(body).data)

    @extend_schema(
        parameters=[s.RetainerStatementsQuerySerializer],
        responses={
            200: s.RetainerStatementSerializer(many=True),
            400: OpenApiResponse(description="Not a retainer, or a bad date."),
        },
    )
    @action(detail=True, methods=["get"], url_path="retainer-statements")
    def retainer_statements(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One statement per retainer period up to `until`: included, used, rolled over,
        expired, forfeited and overage hours, the fee and the overage amount."""
        engagement = self.get_object()
        if engagement.pay_model != PayModel.RETAINER:
            raise exceptions.ValidationError(
                {"non_field_errors": ["Statements are for retainer engagements only."]}
            )
        query = s.RetainerStatementsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        until = query.validated_data.get("until") or self.request.workspace.today()
        statements = billing.retainer_statements(engagement, until)
        return Response(s.RetainerStatementSerializer(statements, many=True).data)
