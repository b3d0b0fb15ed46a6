"""The invoicing API under /api/v1/workspaces/<workspace>/: thin viewsets that parse
input, call one service and render, following engagements.api.views.

Scoping, 404s across tenants and read-only accountants come from `WorkspaceViewSet`;
related ids are narrowed to the workspace by the serializers; services raise Django's
ValidationError, answered as a 400 by `service_errors`. Payments and credit entries are
append-only: they are created and reversed, never edited or deleted."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Sum
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from core.api.errors import WRITE_METHODS, refuse_change, service_errors
from core.money import ZERO, quantize
from invoicing import delivery, pdf, rates_csv, services
from invoicing.api import filters
from invoicing.api import serializers as s
from invoicing.models import (
    ClientCredit,
    ExchangeRate,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    LateFeePolicy,
    Payment,
    RecurringSchedule,
    ReminderRule,
    TaxRate,
)
from invoicing.services import late_fees, recurring, reminders
from invoicing.services.state import UNSET

APPEND_ONLY_METHODS = ["get", "post", "head", "options"]


def _with_reversed(queryset):
    return queryset.annotate(
        reversed=Exists(Payment.objects.filter(reverses=OuterRef("pk")))
    ).select_related("workspace")


# --- Invoices ------------------------------------------------------------------------------
@extend_schema(tags=["invoices"])
class InvoiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
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

    def get_queryset(self):
        queryset = super().get_queryset().select_related("client")
        if self.action == "list":
            return queryset
        # One invoice: its lines, payments, credit notes and timeline in one query each.
        return queryset.prefetch_related(
            "lines",
            Prefetch("payments", queryset=_with_reversed(Payment.objects.all())),
            Prefetch("credit_notes", queryset=Invoice.objects.order_by("pk")),
            Prefetch("events", queryset=InvoiceEvent.objects.select_related("actor")),
        )

    def get_serializer_class(self):
        if self.action == "list":
            return s.InvoiceSerializer
        return s.InvoiceDetailSerializer

    def get_serializer_context(self):
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

    def perform_create(self, serializer):
        with service_errors():
            data = serializer.validated_data
            invoice = services.invoice_create_draft(
                workspace=self.request.workspace,
                actor=self.request.user,
                client=data["client"],
                currency=data.get("currency", ""),
                notes=data.get("notes", ""),
                terms=data.get("terms", ""),
                issue_date=data.get("issue_date"),
                due_date=data.get("due_date"),
            )
        serializer.instance = self.get_queryset().get(pk=invoice.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        refuse_change(serializer.instance, data, "client")
        with service_errors():
            invoice = services.invoice_update_draft(
                invoice=serializer.instance,
                actor=self.request.user,
                client=data.get("client", UNSET),
                currency=data.get("currency", UNSET),
                issue_date=data.get("issue_date", UNSET),
                due_date=data.get("due_date", UNSET),
                notes=data.get("notes", UNSET),
                terms=data.get("terms", UNSET),
            )
        serializer.instance = self.get_queryset().get(pk=invoice.pk)

    def perform_destroy(self, instance):
        with service_errors():
            services.invoice_draft_delete(invoice=instance, actor=self.request.user)

    def _transition(self, request, body_serializer, service, code=status.HTTP_200_OK):
        """A state change on one invoice: parse the body, call the service with the
        invoice and the acting user, answer with the invoice as it is now."""
        body = body_serializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        with service_errors():
            result = service(invoice=self.get_object(), actor=request.user, **body.validated_data)
        return self._render(result, code)

    @extend_schema(
        request=s.AddUnbilledSerializer,
        responses={200: s.InvoiceDetailSerializer, 400: OpenApiResponse(description="Refused.")},
    )
    @action(detail=True, methods=["post"], url_path="add-unbilled")
    def add_unbilled(self, request, *args, **kwargs):
        """Bill an engagement's unbilled work on this draft: the items are claimed (no
        other invoice can bill them until this one is deleted or voided) and added as
        grouped lines, with the benefits contribution as its own line when the engagement
        has one."""
        body = s.AddUnbilledSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.setdefault("as_of", request.workspace.today())
        invoice = self.get_object()
        with service_errors():
            services.invoice_add_unbilled(invoice=invoice, actor=request.user, **data)
        return self._render(invoice)

    @extend_schema(request=s.FinalizeSerializer, responses=s.InvoiceDetailSerializer)
    @action(detail=True, methods=["post"])
    def finalize(self, request, *args, **kwargs):
        """Assign the next number of the workspace's series and freeze the content; the
        due date follows the client's (or workspace's) payment terms when empty.
        Finalising a finalised invoice changes nothing."""
        return self._transition(request, s.FinalizeSerializer, services.invoice_finalize)

    @extend_schema(request=s.VoidSerializer, responses=s.InvoiceDetailSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, *args, **kwargs):
        """Void an unpaid finalised invoice: its number stays used, its billable work
        becomes unbilled again. Repeating it changes nothing."""
        return self._transition(request, s.VoidSerializer, services.invoice_void)

    @extend_schema(request=None, responses=s.InvoiceDetailSerializer)
    @action(detail=True, methods=["post"], url_path="mark-uncollectible")
    def mark_uncollectible(self, request, *args, **kwargs):
        """Write off an open invoice the client will not pay."""
        with service_errors():
            invoice = services.invoice_mark_uncollectible(
                invoice=self.get_object(), actor=request.user
            )
        return self._render(invoice)

    @extend_schema(request=None, responses=s.CreditAppliedSerializer)
    @action(detail=True, methods=["post"], url_path="apply-credit")
    def apply_credit(self, request, *args, **kwargs):
        """Pay as much of the invoice as the client's credit in its currency covers."""
        invoice = self.get_object()
        with service_errors():
            payment = services.client_credit_apply(invoice=invoice, actor=request.user)
        fresh = self.get_queryset().get(pk=invoice.pk)
        body = {
            "applied": payment.amount if payment else quantize(ZERO, invoice.currency),
            "payment": payment.pk if payment else None,
            "invoice": fresh,
        }
        return Response(s.CreditAppliedSerializer(body, context=self.get_serializer_context()).data)

    @extend_schema(request=s.CreditNoteCreateSerializer, responses={201: s.InvoiceDetailSerializer})
    @action(detail=True, methods=["post"], url_path="credit-notes")
    def credit_notes(self, request, *args, **kwargs):
        """Issue a finalised credit note against this invoice, for `amount` or for all
        that is not yet credited. It reduces what is due; beyond that (the invoice was
        paid) it becomes the client's credit. Answers the credit note."""
        body = s.CreditNoteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        with service_errors():
            note = services.credit_note_create(
                invoice=self.get_object(),
                actor=request.user,
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
    def link(self, request, *args, **kwargs):
        invoice = self.get_object()
        if request.method == "DELETE":
            services.invoice_link_revoke(invoice=invoice, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        with service_errors():
            token = services.invoice_link_issue(invoice=invoice, actor=request.user)
        # The client's public page: the token is the credential (only its hash is kept).
        url = settings.SITE_URL + reverse("invoicing:invoice_public", args=[token])
        return Response(s.InvoiceLinkSerializer({"url": url}).data)

    @extend_schema(request=s.InvoiceSendSerializer, responses=s.InvoiceSentSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, *args, **kwargs):
        """Email the invoice with its PDF and the client's link (delivered by a worker
        once the request has committed; the timeline records the delivery)."""
        body = s.InvoiceSendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            sent = delivery.invoice_send(
                invoice=self.get_object(),
                actor=request.user,
                to=body.validated_data.get("to"),
                message=body.validated_data.get("message", ""),
            )
        return Response(s.InvoiceSentSerializer({"event": sent.pk, "to": sent.data["to"]}).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, *args, **kwargs):
        """The PDF, exactly as the client gets it (drafts carry a DRAFT watermark)."""
        invoice = self.get_object()
        response = HttpResponse(pdf.invoice_pdf(invoice), content_type="application/pdf")
        name = invoice.number or f"draft-{invoice.pk}"
        response["Content-Disposition"] = content_disposition_header(False, f"{name}.pdf")
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
    def late_fee(self, request, *args, **kwargs):
        invoice = self.get_object()
        today = request.workspace.today()
        if request.method == "GET":
            fee = late_fees.invoice_late_fee(invoice=invoice, today=today)
            return Response(
                s.LateFeeSerializer({"late_fee": fee, "currency": invoice.currency}).data
            )
        with service_errors():
            fee_invoice = late_fees.invoice_late_fee_charge(
                invoice=invoice, actor=request.user, today=today
            )
        return self._render(fee_invoice, status.HTTP_201_CREATED)


@extend_schema(tags=["invoices"])
class InvoiceLineViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """Lines of draft invoices. Filter by `invoice`. Lines from billable work keep their
    quantity and price; deleting one makes its work unbilled again."""

    model = InvoiceLine
    serializer_class = s.InvoiceLineSerializer
    filterset_class = filters.InvoiceLineFilter
    ordering_fields = ["position"]
    http_method_names = WRITE_METHODS

    def get_queryset(self):
        return super().get_queryset().select_related("invoice")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with service_errors():
            line = services.invoice_line_save(
                invoice=data["invoice"],
                actor=self.request.user,
                description=data.get("description", UNSET),
                quantity=data.get("quantity", UNSET),
                unit_price=data.get("unit_price", UNSET),
                discount_percent=data.get("discount_percent", UNSET),
                tax_rate=data.get("tax_rate", UNSET),
            )
        # The service computes the amounts on fresh rows: read them back.
        serializer.instance = self.get_queryset().get(pk=line.pk)

    def perform_update(self, serializer):
        line = serializer.instance
        data = dict(serializer.validated_data)
        refuse_change(line, data, "invoice")
        with service_errors():
            services.invoice_line_save(
                invoice=line.invoice,
                actor=self.request.user,
                line=line,
                description=data.get("description", UNSET),
                quantity=data.get("quantity", UNSET),
                unit_price=data.get("unit_price", UNSET),
                discount_percent=data.get("discount_percent", UNSET),
                tax_rate=data.get("tax_rate", UNSET),
            )
        serializer.instance = self.get_queryset().get(pk=line.pk)

    def perform_destroy(self, instance):
        with service_errors():
            services.invoice_line_delete(line=instance, actor=self.request.user)


# --- Payments, credit ----------------------------------------------------------------------
@extend_schema(tags=["payments"])
class PaymentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, WorkspaceViewSet
):
    """Money received against invoices, recorded by hand. Append-only: a mistake is
    undone with `reverse`, which adds a negative entry; nothing is edited or deleted."""

    model = Payment
    serializer_class = s.PaymentSerializer
    filterset_class = filters.PaymentFilter
    ordering_fields = ["received_on", "created_at", "amount"]
    http_method_names = APPEND_ONLY_METHODS

    def get_queryset(self):
        return _with_reversed(super().get_queryset())

    @extend_schema(request=s.PaymentCreateSerializer, responses={201: s.PaymentRecordedSerializer})
    def create(self, request, *args, **kwargs):
        """Record a payment. Partial payments leave the invoice partly paid; beyond what is
        due, the rest becomes the client's credit (`to_credit`)."""
        body = s.PaymentCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        invoice = data.pop("invoice")
        with service_errors():
            payment = services.payment_record(invoice=invoice, actor=request.user, **data)
        payment = self.get_queryset().get(pk=payment.pk)
        payment.to_credit = quantize(data["amount"] - payment.amount, invoice.currency)
        return Response(s.PaymentRecordedSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PaymentReverseSerializer, responses={201: s.PaymentSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, *args, **kwargs):
        """Undo a payment recorded by mistake (a bounced transfer): a negative entry that
        points at it; the invoice's paid amount and status follow."""
        body = s.PaymentReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            reversal = services.payment_reverse(
                payment=self.get_object(), actor=request.user, **body.validated_data
            )
        return Response(
            s.PaymentSerializer(self.get_queryset().get(pk=reversal.pk)).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=["payments"])
class ClientCreditViewSet(mixins.ListModelMixin, WorkspaceViewSet):
    """Clients' credit balances per currency (from overpayments and credit notes on paid
    invoices, less credit applied). Filter by `client`. Zero balances are left out."""

    model = ClientCredit
    serializer_class = s.ClientCreditSerializer
    filterset_class = filters.ClientCreditFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = None
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .values("client", "currency")
            .annotate(balance=Sum("amount"))
            .exclude(balance=0)
            .order_by("client", "currency")
        )


# --- Tax and exchange rates ----------------------------------------------------------------
@extend_schema(tags=["invoice settings"])
class TaxRateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    WorkspaceViewSet,
):
    """The workspace's tax rates, inclusive or exclusive. Rates are not deleted (issued
    invoices name them): PATCH `archived: true` to retire one. A changed rate applies to
    drafts from their next edit; finalised invoices keep the tax they were issued with."""

    model = TaxRate
    serializer_class = s.TaxRateSerializer
    filterset_class = filters.TaxRateFilter
    ordering_fields = ["name", "percent"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        archived = data.pop("archived", False)
        with service_errors(), transaction.atomic():
            tax_rate = services.tax_rate_save(
                workspace=self.request.workspace, actor=self.request.user, **data
            )
            if archived:
                tax_rate = services.tax_rate_archive(tax_rate=tax_rate, actor=self.request.user)
        serializer.instance = tax_rate

    def perform_update(self, serializer):
        tax_rate = serializer.instance
        data = dict(serializer.validated_data)
        archived = data.pop("archived", None)
        with service_errors(), transaction.atomic():
            if data:
                tax_rate = services.tax_rate_save(
                    workspace=self.request.workspace,
                    actor=self.request.user,
                    tax_rate=tax_rate,
                    name=data.get("name", tax_rate.name),
                    percent=data.get("percent", tax_rate.percent),
                    inclusive=data.get("inclusive", tax_rate.inclusive),
                )
            if archived is not None:
                tax_rate = services.tax_rate_archive(
                    tax_rate=tax_rate, actor=self.request.user, archived=archived
                )
        serializer.instance = tax_rate


@extend_schema(tags=["invoice settings"])
class ExchangeRateViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, WorkspaceViewSet):
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
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_csv(self, request, *args, **kwargs):
        """Import rates from CSV (date, currency, rate): every row or none; the errors
        name their rows."""
        body = s.RatesImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            count = rates_csv.exchange_rates_import(
                workspace=request.workspace,
                actor=request.user,
                content=body.validated_data["file"].read(),
            )
        return Response({"imported": count})

    def perform_create(self, serializer):
        data = serializer.validated_data
        with service_errors():
            serializer.instance = services.exchange_rate_save(
                workspace=self.request.workspace,
                actor=self.request.user,
                currency=data["currency"],
                date=data["date"],
                rate=Decimal(data["rate"]),
            )


# --- Reminders and recurring invoices ------------------------------------------------------
@extend_schema(tags=["invoice settings"])
class ReminderRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """When open invoices are reminded, relative to their due date. Each rule reminds an
    invoice at most once."""

    model = ReminderRule
    serializer_class = s.ReminderRuleSerializer
    ordering_fields = ["days_from_due"]
    http_method_names = WRITE_METHODS

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = reminders.reminder_rule_save(
                workspace=self.request.workspace,
                actor=self.request.user,
                **serializer.validated_data,
            )

    def perform_update(self, serializer):
        rule = serializer.instance
        data = serializer.validated_data
        with service_errors():
            serializer.instance = reminders.reminder_rule_save(
                workspace=self.request.workspace,
                actor=self.request.user,
                rule=rule,
                days_from_due=data.get("days_from_due", rule.days_from_due),
                active=data.get("active", rule.active),
            )

    def perform_destroy(self, instance):
        with service_errors():
            reminders.reminder_rule_delete(rule=instance, actor=self.request.user)


# The fields `recurring_schedule_save` takes; a PATCH sends some, the rest are kept.
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
    WorkspaceViewSet,
):
    """Recurring invoices: every period from the start date (to the end date, if any) an
    invoice is made from the template lines or the engagement's unbilled work, at most
    once per period. Deleting a schedule keeps the invoices it made."""

    model = RecurringSchedule
    serializer_class = s.RecurringScheduleSerializer
    ordering_fields = ["next_run", "name", "created_at"]
    http_method_names = WRITE_METHODS

    def get_queryset(self):
        return super().get_queryset().select_related("client")

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = recurring.recurring_schedule_save(
                workspace=self.request.workspace,
                actor=self.request.user,
                **serializer.validated_data,
            )

    def perform_update(self, serializer):
        schedule = serializer.instance
        fields = {name: getattr(schedule, name) for name in SCHEDULE_FIELDS}
        fields.update(serializer.validated_data)
        with service_errors():
            serializer.instance = recurring.recurring_schedule_save(
                workspace=self.request.workspace,
                actor=self.request.user,
                schedule=schedule,
                **fields,
            )

    def perform_destroy(self, instance):
        with service_errors():
            recurring.recurring_schedule_delete(schedule=instance, actor=self.request.user)

    def _set_active(self, request, active: bool) -> Response:
        with service_errors():
            schedule = recurring.recurring_schedule_pause(
                schedule=self.get_object(),
                actor=request.user,
                active=active,
                today=request.workspace.today(),
            )
        return Response(self.get_serializer(schedule).data)

    @extend_schema(request=None, responses=s.RecurringScheduleSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, *args, **kwargs):
        """Stop making invoices until resumed."""
        return self._set_active(request, False)

    @extend_schema(request=None, responses=s.RecurringScheduleSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, *args, **kwargs):
        """Start again from the first period from today on (paused periods are skipped)."""
        return self._set_active(request, True)


@extend_schema(tags=["invoice settings"])
class LateFeePolicyViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, WorkspaceViewSet):
    """The workspace's late-fee policy: GET reads it, POST sets it (owners and admins)."""

    model = LateFeePolicy
    serializer_class = s.LateFeePolicySerializer
    required_role = "manage"
    pagination_class = None
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request, *args, **kwargs):
        policy = LateFeePolicy.objects.filter(workspace=request.workspace).first()
        policy = policy or LateFeePolicy(workspace=request.workspace)
        return Response(self.get_serializer(policy).data)

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            policy = late_fees.late_fee_policy_save(
                workspace=request.workspace, actor=request.user, **body.validated_data
            )
        return Response(self.get_serializer(policy).data)
