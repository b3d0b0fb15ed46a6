"""API for proposals."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from core.api.errors import service_errors
from engagements import services
from engagements.api import filters
from engagements.api import serializers as s
from engagements.models import (
    Proposal,
)


@extend_schema(tags=["proposals"])
class ProposalViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    WorkspaceViewSet,
):
    """Proposals: each proposes an engagement (status `proposed`) that becomes active
    when the client accepts through the link `send` returns."""

    model = Proposal
    serializer_class = s.ProposalSerializer
    filterset_class = filters.ProposalFilter
    ordering_fields = ["created_at", "valid_until"]

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("engagement")

    @extend_schema(request=s.ProposalCreateSerializer, responses={201: s.ProposalSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.ProposalCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with service_errors():
            proposal = services.proposal_create(
                workspace=self.request.workspace,
                actor=self.request.user,
                client=data["client"],
                title=data["title"],
                scope=data["scope"],
                valid_until=data.get("valid_until"),
                **services.engagement_draft_from(data),
            )
        return Response(self.get_serializer(proposal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.ProposalSentSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Issue the client's link and mark the proposal sent. The link is in this answer
        only; sending again issues a new one and the earlier link stops working."""
        with service_errors():
            proposal, token = services.proposal_send(
                proposal=self.get_object(), actor=self.request.user
            )
        # The client's public page, /p/<token>/: the token is the credential.
        url = request.build_absolute_uri(reverse("engagements:proposal_public", args=[token]))
        proposal = self.get_queryset().get(pk=proposal.pk)
        return Response(
            s.ProposalSentSerializer({"url": url, "proposal": proposal}).data,
        )

    @extend_schema(request=None, responses=s.ProposalSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Withdraw the proposal: its link stops working and a still-proposed engagement
        ends."""
        with service_errors():
            proposal = services.proposal_withdraw(
                proposal=self.get_object(), actor=self.request.user
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)
