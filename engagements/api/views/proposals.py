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
from core.inputs import UNSET
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
    when the client accepts through the link `send` emails them. A draft can be changed
    (PATCH); a sent one is what the client read and cannot."""

    model = Proposal
    serializer_class = s.ProposalSerializer
    filterset_class = filters.ProposalFilter
    ordering_fields = ["created_at", "valid_until"]
    http_method_names = ["get", "post", "patch", "head", "options"]

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

    @extend_schema(
        summary="Change a draft proposal",
        description=(
            "Change a draft's title, scope, validity, client or the proposed engagement's "
            "terms; only what is sent changes. A proposal already sent is refused (400)."
        ),
        request=s.ProposalUpdateSerializer,
        responses=s.ProposalSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        proposal = self.get_object()
        body = s.ProposalUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with service_errors():
            services.proposal_update(
                proposal=proposal,
                actor=self.request.user,
                client=data.get("client", UNSET),
                title=data.get("title", UNSET),
                scope=data.get("scope", UNSET),
                valid_until=data.get("valid_until", UNSET),
                **services.engagement_draft_from(data),
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)

    @extend_schema(request=s.ProposalSendSerializer, responses=s.ProposalSentSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Email the proposal to the client (the client's address unless `to` is given)
        with its link, and mark it sent. Sending again emails the same link unless
        `new_link` is true, which turns the earlier link off. A fixed fee needs its
        milestones and a bounty its outcomes first: they are the price."""
        body = s.ProposalSendSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with service_errors():
            proposal, token = services.proposal_send(
                proposal=self.get_object(),
                actor=self.request.user,
                to=data.get("to") or None,
                message=data.get("message", ""),
                new_link=data.get("new_link", False),
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
