"""Invoices and their lines: drafts, the actions on an invoice (finalise, void, credit,
link, send, PDF, late fee)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from core.api.errors import WRITE_METHODS, refuse_change, service_errors
from core.inputs import UNSET
from core.money import quantize
from invoicing import delivery, pdf, services
from invoicing.api import filters
from invoicing.api import serializers as s
from invoicing.api.serializers import invoice_rows
from invoicing.api.views.base import InvoicingViewSet
from invoicing.api.views.payments import with_reversed
from invoicing.models import Invoice, InvoiceEvent, InvoiceLine, Receipt
from invoicing.services import late_fees


@extend_schema(tags=["invoices"])
class InvoiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    InvoicingViewSet,
):
    """Invoices and credit notes. A draft is created, edited (header here, lines at
    `invoice-lines/` or from unbilled work with `add-unbilled`), then finalised: it takes
    its number and its content freezes; after that it changes only through credit notes,
    payments, voiding or writing off. Only drafts are deleted."""

    model = Invoice
    serializer_class = s.InvoiceSerializer
    filterset_class = filters.InvoiceFilter
    ordering_fields = ["created_at", "issue_date", "due_date", "number", "total"]
    http_method_names = WRITE_METHODS

    def get_queryset(self) -> QuerySet[Any]:
        if self.action == "list":  # rows from values(): see `list`
            return super().get_queryset()
        queryset = super().get_queryset().select_related("client")
        # One invoice: its lines, payments, credit notes and timeline in one query each.
        return queryset.prefetch_related(
            "lines",
            Prefetch("receipts", queryset=with_reversed(Receipt.objects.order_by("pk"))),
            Prefetch("credit_notes", queryset=Invoice.objects.order_by("pk")),
            Prefetch("events", queryset=InvoiceEvent.objects.select_related("actor")),
        )

    # No docstring: the schema's description of the list stays the class's.
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The rows are InvoiceSerializer's, built from values_list() (invoice_rows): this is the
        # API's busiest read, and the serializer's per-field machinery was most of its
        # time. One query per page, the client's name joined in.
        queryset = self.filter_queryset(self.get_queryset())
        queryset = queryset.values_list(*invoice_rows.COLUMNS)
        page = self.paginate_queryset(queryset) or []  # every list pages (settings)
        today = self.workspace.today()
        return self.get_paginated_response(invoice_rows.invoice_rows(page, today=today))

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return s.InvoiceSerializer
        return s.InvoiceDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        workspace = getattr(self.request, "workspace", None)
        if workspace is not None:
            context["today"] = workspace.today()
        return context

    def _render(self, invoice: Invoice, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=invoice.pk)
        return Response(
            s.InvoiceDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=code,
        )

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            data = serializer.validated_data
            invoice = services.invoice_create_draft(
                workspace=self.workspace,
                actor=self.actor,
                client=data["client"],
                currency=data.get("currency", ""),
                notes=data.get("notes", ""),
                terms=data.get("terms", ""),
                issue_date=data.get("issue_date"),
                due_date=data.get("due_date"),
            )
        serializer.instance = self.get_queryset().get(pk=invoice.pk)

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        draft = cast(Invoice, serializer.instance)  # an update has its instance
        data = dict(serializer.validated_data)
        refuse_change(draft, data, "client")
        with service_errors():
            invoice = services.invoice_update_draft(
                invoice=draft,
                actor=self.actor,
                client=data.get("client", UNSET),
                currency=data.get("currency", UNSET),
                issue_date=data.get("issue_date", UNSET),
                due_date=data.get("due_date", UNSET),
                notes=data.get("notes", UNSET),
                terms=data.get("terms", UNSET),
            )
        serializer.instance = self.get_queryset().get(pk=invoice.pk)

    def perform_destroy(self, instance: Any) -> None:
        with service_errors():
            services.invoice_draft_delete(invoice=instance, actor=self.actor)

    def _transition(
        self,
        request: Request,
        body_serializer: type[BaseSerializer[Any]],
        service: Callable[..., Invoice],
        code: int = status.HTTP_200_OK,
    ) -> Response:
        """A state change on one invoice: parse the body, call the service with the
        invoice and the acting user, answer with the invoice as it is now."""
        body = body_serializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        with service_errors():
            result = service(invoice=self.get_object(), actor=self.actor, **body.validated_data)
        return self._render(result, code)

    @extend_schema(
        request=s.AddUnbilledSerializer,
        responses={200: s.InvoiceDetailSerializer, 400: OpenApiResponse(description="Refused.")},
    )
    @action(detail=True, methods=["post"], url_path="add-unbilled")
    def add_unbilled(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Bill an engagement's unbilled work on this draft: the items are claimed (no
        other invoice can bill them until this one is deleted or voided) and added as
        grouped lines, with the benefits contribution as its own line when the engagement
        has one."""
        body = s.AddUnbilledSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.setdefault("as_of", self.workspace.today())
        invoice = self.get_object()
        with service_errors():
            services.invoice_add_unbilled(
                invoice=invoice,
                actor=self.actor,
                engagement=data["engagement"],
                as_of=data["as_of"],
                period_start=data.get("period_start"),
                period_end=data.get("period_end"),
                tax_rate=data.get("tax_rate"),
            )
        return self._render(invoice)

    @extend_schema(request=s.FinalizeSerializer, responses=s.InvoiceDetailSerializer)
    @action(detail=True, methods=["post"])
    def finalize(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Assign the next number of the workspace's series and freeze the content; the
        due date follows the client's (or workspace's) payment terms when empty.
        Finalising a finalised invoice changes nothing."""
        return self._transition(request, s.FinalizeSerializer, services.invoice_finalize)

    @extend_schema(request=s.VoidSerializer, responses=s.InvoiceDetailSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Void an unpaid finalised invoice: its number stays used, its billable work
        becomes unbilled again. Repeating it changes nothing."""
        return self._transition(request, s.VoidSerializer, services.invoice_void)

    @extend_schema(request=None, responses=s.InvoiceDetailSerializer)
    @action(detail=True, methods=["post"], url_path="mark-uncollectible")
    def mark_uncollectible(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Write off an open invoice the client will not pay."""
        with service_errors():
            invoice = services.invoice_mark_uncollectible(
                invoice=self.get_object(), actor=self.actor
            )
        return self._render(invoice)

    @extend_schema(request=None, responses=s.CreditAppliedSerializer)
    @action(detail=True, methods=["post"], url_path="apply-credit")
    def apply_credit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Pay as much of the invoice as the client's credit in its currency covers."""
        invoice = self.get_object()
        with service_errors():
            applied = services.client_credit_apply(invoice=invoice, actor=self.actor)
        fresh = self.get_queryset().get(pk=invoice.pk)
        body = {"applied": quantize(applied, invoice.currency), "invoice": fresh}
        return Response(s.CreditAppliedSerializer(body, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=s.CreditAppliedSerializer)
    @action(detail=True, methods=["post"], url_path="unapply-credit")
    def unapply_credit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Undo credit applied to this invoice by mistake: it goes back to the client's
        credit. `applied` is the amount given back (negative), 0 when none was applied."""
        invoice = self.get_object()
        with service_errors():
            given_back = services.client_credit_unapply(invoice=invoice, actor=self.actor)
        fresh = self.get_queryset().get(pk=invoice.pk)
        body = {"applied": quantize(-given_back, invoice.currency), "invoice": fresh}
        return Response(s.CreditAppliedSerializer(body, context=self.get_serializer_context()).data)

    @extend_schema(request=s.CreditNoteCreateSerializer, responses={201: s.InvoiceDetailSerializer})
    @action(detail=True, methods=["post"], url_path="credit-notes")
    def credit_notes(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Issue a finalised credit note against this invoice, for `amount` or for all
        that is not yet credited. It reduces what is due; beyond that (the invoice was
        paid) it becomes the client's credit. Answers the credit note."""
        body = s.CreditNoteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        with service_errors():
            note = services.credit_note_create(
                invoice=self.get_object(),
                actor=self.actor,
                amount=data.get("amount"),
                reason=data["reason"],
            )
        return self._render(note, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["POST"],
        request=None,
        responses={200: s.InvoiceLinkSerializer, 400: OpenApiResponse(description="A draft.")},
        description="Issue the client's link to this finalised invoice: a public page "
        "with the PDF, no login. The link is in this answer only; issuing again makes a "
        "new one and the earlier link stops working.",
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={204: None},
        description="Revoke the client's link: its page answers 404 from now on.",
    )
    @action(detail=True, methods=["post", "delete"])
    def link(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invoice = self.get_object()
        if request.method == "DELETE":
            services.invoice_link_revoke(invoice=invoice, actor=self.actor)
            return Response(status=status.HTTP_204_NO_CONTENT)
        with service_errors():
            token = services.invoice_link_issue(invoice=invoice, actor=self.actor)
        # The client's public page: the token is the credential (only its hash is kept).
        url = settings.SITE_URL + reverse("invoicing:invoice_public", args=[token])
        return Response(s.InvoiceLinkSerializer({"url": url}).data)

    @extend_schema(request=s.InvoiceSendSerializer, responses=s.InvoiceSentSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Email the invoice with its PDF and the client's link (delivered by a worker
        once the request has committed; the timeline records the delivery)."""
        body = s.InvoiceSendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            sent = delivery.invoice_send(
                invoice=self.get_object(),
                actor=self.actor,
                to=body.validated_data.get("to"),
                message=body.validated_data.get("message", ""),
            )
        return Response(s.InvoiceSentSerializer({"event": sent.pk, "to": sent.data["to"]}).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        """The PDF, exactly as the client gets it (drafts carry a DRAFT watermark)."""
        invoice = self.get_object()
        response = HttpResponse(pdf.invoice_pdf(invoice), content_type="application/pdf")
        name = invoice.number or f"draft-{invoice.pk}"
        response["Content-Disposition"] = cast(
            str, content_disposition_header(False, f"{name}.pdf")
        )
        return response

    @extend_schema(
        methods=["GET"],
        responses=s.LateFeeSerializer,
        description="The late fee this invoice has run up under the workspace's policy.",
    )
    @extend_schema(
        methods=["POST"],
        request=None,
        responses={201: s.InvoiceDetailSerializer},
        description="Bill it as a separate, finalised invoice (once per invoice).",
    )
    @action(detail=True, methods=["get", "post"], url_path="late-fee")
    def late_fee(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invoice = self.get_object()
        today = self.workspace.today()
        if request.method == "GET":
            fee = late_fees.invoice_late_fee(invoice=invoice, today=today)
            return Response(
                s.LateFeeSerializer({"late_fee": fee, "currency": invoice.currency}).data
            )
        with service_errors():
            fee_invoice = late_fees.invoice_late_fee_charge(
                invoice=invoice, actor=self.actor, today=today
            )
        return self._render(fee_invoice, status.HTTP_201_CREATED)


@extend_schema(tags=["invoices"])
class InvoiceLineViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    InvoicingViewSet,
):
    """Lines of draft invoices. Filter by `invoice`. Lines from billable work keep their
    quantity and price; deleting one makes its work unbilled again."""

    model = InvoiceLine
    serializer_class = s.InvoiceLineSerializer
    filterset_class = filters.InvoiceLineFilter
    ordering_fields = ["position"]
    http_method_names = WRITE_METHODS

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("invoice")

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        with service_errors():
            line = services.invoice_line_save(
                invoice=data["invoice"],
                actor=self.actor,
                description=data.get("description", UNSET),
                quantity=data.get("quantity", UNSET),
                unit_price=data.get("unit_price", UNSET),
                discount_percent=data.get("discount_percent", UNSET),
                tax_rate=data.get("tax_rate", UNSET),
            )
        # The service computes the amounts on fresh rows: read them back.
        serializer.instance = self.get_queryset().get(pk=line.pk)

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        line = cast(InvoiceLine, serializer.instance)  # an update has its instance
        data = dict(serializer.validated_data)
        refuse_change(line, data, "invoice")
        with service_errors():
            services.invoice_line_save(
                invoice=line.invoice,
                actor=self.actor,
                line=line,
                description=data.get("description", UNSET),
                quantity=data.get("quantity", UNSET),
                unit_price=data.get("unit_price", UNSET),
                discount_percent=data.get("discount_percent", UNSET),
                tax_rate=data.get("tax_rate", UNSET),
            )
        serializer.instance = self.get_queryset().get(pk=line.pk)

    def perform_destroy(self, instance: Any) -> None:
        with service_errors():
            services.invoice_line_delete(line=instance, actor=self.actor)
