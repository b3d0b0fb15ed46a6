"""Tax rates and exchange rates (typed in or imported from CSV)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from core.api.errors import service_errors
from invoicing import rates_csv, services
from invoicing.api import filters
from invoicing.api import serializers as s
from invoicing.api.views.base import InvoicingViewSet
from invoicing.api.views.payments import APPEND_ONLY_METHODS
from invoicing.models import ExchangeRate, TaxRate


@extend_schema(tags=["invoice settings"])
class TaxRateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    InvoicingViewSet,
):
    """The workspace's tax rates, inclusive or exclusive. Rates are not deleted (issued
    invoices name them): PATCH `archived: true` to retire one. A changed rate applies to
    drafts from their next edit; finalised invoices keep the tax they were issued with."""

    model = TaxRate
    serializer_class = s.TaxRateSerializer
    filterset_class = filters.TaxRateFilter
    ordering_fields = ["name", "percent"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        archived = data.pop("archived", False)
        with service_errors(), transaction.atomic():
            tax_rate = services.tax_rate_save(
                workspace=self.workspace,
                actor=self.actor,
                name=data["name"],
                percent=data["percent"],
                inclusive=data.get("inclusive", False),
            )
            if archived:
                tax_rate = services.tax_rate_archive(tax_rate=tax_rate, actor=self.actor)
        serializer.instance = tax_rate

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        tax_rate = cast(TaxRate, serializer.instance)  # an update has its instance
        data = dict(serializer.validated_data)
        archived = data.pop("archived", None)
        with service_errors(), transaction.atomic():
            if data:
                tax_rate = services.tax_rate_save(
                    workspace=self.workspace,
                    actor=self.actor,
                    tax_rate=tax_rate,
                    name=data.get("name", tax_rate.name),
                    percent=data.get("percent", tax_rate.percent),
                    inclusive=data.get("inclusive", tax_rate.inclusive),
                )
            if archived is not None:
                tax_rate = services.tax_rate_archive(
                    tax_rate=tax_rate, actor=self.actor, archived=archived
                )
        serializer.instance = tax_rate


@extend_schema(tags=["invoice settings"])
class ExchangeRateViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, InvoicingViewSet):
    """Exchange rates to the workspace's base currency, one per currency and day. A
    payment takes the latest rate on or before its date for base-currency reports.
    Posting a currency and day that exist replaces that day's rate."""

    model = ExchangeRate
    serializer_class = s.ExchangeRateSerializer
    filterset_class = filters.ExchangeRateFilter
    ordering_fields = ["date", "currency"]
    http_method_names = APPEND_ONLY_METHODS

    @extend_schema(
        request={"multipart/form-data": s.RatesImportSerializer},
        responses={200: {"type": "object", "properties": {"imported": {"type": "integer"}}}},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser],
    )
    def import_csv(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Import rates from CSV (date, currency, rate): every row or none; the errors
        name their rows."""
        body = s.RatesImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            count = rates_csv.exchange_rates_import(
                workspace=self.workspace,
                actor=self.actor,
                content=body.validated_data["file"].read(),
            )
        return Response({"imported": count})

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        with service_errors():
            serializer.instance = services.exchange_rate_save(
                workspace=self.workspace,
                actor=self.actor,
                currency=data["currency"],
                date=data["date"],
                rate=Decimal(data["rate"]),
            )
