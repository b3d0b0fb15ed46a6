"""Payments and client credit: append-only, created and reversed, never edited or
deleted."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Sum
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import service_errors
from core.money import quantize
from invoicing import services
from invoicing.api import filters
from invoicing.api import serializers as s
from invoicing.api.serializers import payment_rows
from invoicing.api.views.base import InvoicingViewSet
from invoicing.models import Allocation, Receipt

APPEND_ONLY_METHODS = ["get", "post", "head", "options"]


def with_reversed(queryset: QuerySet[Receipt]) -> QuerySet[Receipt]:
    """Receipts with `reversed` (a later entry reverses this one) and their allocations."""
    return (
        queryset.annotate(reversed=Exists(Receipt.objects.filter(reverses=OuterRef("pk"))))
        .select_related("workspace")
        .prefetch_related(Prefetch("allocations", queryset=Allocation.objects.order_by("pk")))
    )


@extend_schema(tags=["payments"])
class PaymentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, InvoicingViewSet
):
    """Money received (receipts), recorded by hand against an invoice: the whole amount,
    and in `allocations` where it went (the invoice, the rest to the client's credit).
    Append-only: a mistake is undone with `reverse`, which adds a negative receipt that
    reverses every allocation made from it; nothing is edited or deleted."""

    model = Receipt
    serializer_class = s.PaymentSerializer
    filterset_class = filters.PaymentFilter
    ordering_fields = ["received_on", "created_at", "amount"]
    http_method_names = APPEND_ONLY_METHODS

    def get_queryset(self) -> QuerySet[Any]:
        if self.action == "list":  # rows from values_list(): see `list`
            return super().get_queryset()
        return with_reversed(super().get_queryset())

    # No docstring: the schema's description of the list stays the class's.
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # PaymentSerializer's rows built from values_list() (payment_rows), as the invoice
        # list does: two queries per page (receipts, then the page's allocations).
        queryset = payment_rows.payment_values(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(queryset) or []  # every list pages (settings)
        return self.get_paginated_response(payment_rows.payment_rows(page))

    @extend_schema(request=s.PaymentCreateSerializer, responses={201: s.PaymentRecordedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a payment. Partial payments leave the invoice partly paid; beyond what is
        due, the rest becomes the client's credit (`to_credit`)."""
        body = s.PaymentCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        invoice = data.pop("invoice")
        with service_errors():
            receipt = services.receipt_record(
                invoice=invoice,
                actor=self.actor,
                amount=data["amount"],
                received_on=data["received_on"],
                method=data["method"],
                reference=data["reference"],
            )
        receipt = self.get_queryset().get(pk=receipt.pk)
        applied = sum(a.amount for a in receipt.allocations.all() if a.invoice_id == invoice.pk)
        receipt.applied = quantize(applied, invoice.currency)
        receipt.to_credit = quantize(receipt.amount - applied, invoice.currency)
        return Response(s.PaymentRecordedSerializer(receipt).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PaymentReverseSerializer, responses={201: s.PaymentSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Undo a payment recorded by mistake (a bounced transfer): a negative receipt that
        points at it and reverses each of its allocations, including its credit already
        applied to other invoices (they reopen by that amount); paid amounts and statuses
        follow."""
        body = s.PaymentReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            reversal = services.receipt_reverse(
                receipt=self.get_object(), actor=self.actor, reason=body.validated_data["reason"]
            )
        return Response(
            s.PaymentSerializer(self.get_queryset().get(pk=reversal.pk)).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=["payments"])
class ClientCreditViewSet(mixins.ListModelMixin, InvoicingViewSet):
    """Clients' credit balances per currency (from overpayments and credit notes on paid
    invoices, less credit applied). Filter by `client`. Zero balances are left out."""

    model = Allocation
    serializer_class = s.ClientCreditSerializer
    filterset_class = filters.ClientCreditFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = None
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        balances: QuerySet[Any] = (
            super()
            .get_queryset()
            .filter(invoice__isnull=True)
            .values("client", "currency")
            .annotate(balance=Sum("amount"))
            .exclude(balance=0)
            .order_by("client", "currency")
        )
        return balances
