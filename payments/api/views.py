"""Card payments (read, and refund), payouts (list, request) and the Stripe account's
status. Stripe errors are answered as 4xx with a message, never a 500: a workspace
without an account, or Stripe out of reach, is the caller's to retry."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.models import User, Workspace
from accounts.tenancy import WorkspaceRequest
from core.api.errors import service_errors
from payments import services, stripe_api
from payments.api import filters
from payments.api import serializers as s
from payments.models import CardDispute, CardPayment, CardRefund, Payout, StripeAccount
from payments.selectors import balance_forget, stripe_account_of


class StripeUnavailable(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Stripe could not be reached or refused the request; nothing was changed."
    default_code = "stripe_unavailable"


@contextmanager
def stripe_errors() -> Iterator[None]:
    """A service's ValidationError is a 400; a Stripe error it did not turn into one is a
    409 with a message (the request may be retried), never a 500."""
    with service_errors():
        try:
            yield
        except stripe_api.StripeError as exc:
            raise StripeUnavailable(
                getattr(exc, "user_message", None) or StripeUnavailable.default_detail
            ) from exc


class PaymentsViewSet(WorkspaceViewSet):
    @property
    def workspace(self) -> Workspace:
        return cast(WorkspaceRequest, self.request).workspace

    @property
    def actor(self) -> User:
        return cast(WorkspaceRequest, self.request).user


@extend_schema(tags=["card payments"])
class CardPaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PaymentsViewSet):
    """Card payments of the workspace's invoices, as Stripe last reported them, with their
    split (processing fee, benefits share, what landed), refunds and disputes. Filter by
    `invoice`. Made by clients on the invoice link; refunded here."""

    model = CardPayment
    serializer_class = s.CardPaymentSerializer
    filterset_class = filters.CardPaymentFilter
    ordering_fields = ["created_at", "amount"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch(
                    "refunds",
                    queryset=CardRefund.objects.select_related("payment").order_by(
                        "created_at", "pk"
                    ),
                ),
                Prefetch(
                    "disputes",
                    queryset=CardDispute.objects.select_related("payment").order_by(
                        "created_at", "pk"
                    ),
                ),
            )
            .order_by("-created_at", "-pk")
        )

    @extend_schema(request=s.CardRefundCreateSerializer, responses={201: s.CardRefundSerializer})
    @action(detail=True, methods=["post"])
    def refund(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Refund part (`amount`) or all of a succeeded card payment to the card. The
        invoice reopens by the amount refunded (a negative receipt)."""
        payment = self.get_object()
        body = s.CardRefundCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with stripe_errors():
            refund = services.card_refund_create(
                payment=payment,
                actor=self.actor,
                amount=body.validated_data.get("amount"),
                reason=body.validated_data.get("reason", ""),
            )
        refund = CardRefund.objects.select_related("payment").get(pk=refund.pk)
        return Response(s.CardRefundSerializer(refund).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payouts"])
class PayoutViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, PaymentsViewSet):
    """Payouts from the connected account's Stripe balance to the bank, newest first.
    POST requests one (owners and admins) from what is available."""

    model = Payout
    serializer_class = s.PayoutSerializer
    required_role = "manage"
    ordering_fields = ["created_at", "amount"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().order_by("-created_at", "-pk")

    @extend_schema(request=s.PayoutCreateSerializer, responses={201: s.PayoutSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.PayoutCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with stripe_errors():
            payout = services.payout_request(
                workspace=self.workspace,
                actor=self.actor,
                amount=body.validated_data["amount"],
                currency=body.validated_data["currency"],
            )
        account = stripe_account_of(self.workspace)
        if account is not None:
            balance_forget(account)
        return Response(s.PayoutSerializer(payout).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payouts"])
class StripeAccountViewSet(mixins.ListModelMixin, PaymentsViewSet):
    """The workspace's connected Stripe account as last synced: whether it can take card
    payments and receive payouts, and what Stripe still needs. Onboarding happens on the
    payments settings page."""

    model = StripeAccount
    serializer_class = s.StripeAccountSerializer
    pagination_class = None
    filter_backends: list[Any] = []
    http_method_names = ["get", "head", "options"]

    @extend_schema(summary="Get the Stripe account's status", responses=s.StripeAccountSerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # `.data` of a serializer without an instance is its initial data: represent
        # "no account yet" explicitly.
        account = stripe_account_of(self.workspace)
        return Response(s.StripeAccountSerializer().to_representation(account))
