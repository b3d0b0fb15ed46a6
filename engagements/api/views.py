"""The engagements API under /api/v1/workspaces/<workspace>/: thin viewsets that parse
input, call one service (or billing/capacity read) and render.

Scoping, 404s across tenants and read-only accountants come from `WorkspaceViewSet`;
related ids are narrowed to the workspace by the serializers. Services raise Django's
ValidationError (field dicts or a message); `service_errors` answers it as a 400 in the
standard error body."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from core.api.errors import WRITE_METHODS, refuse_change, service_errors
from engagements import billing, services
from engagements.api import filters
from engagements.api import serializers as s
from engagements.capacity import capacity_weeks
from engagements.models import (
    Availability,
    BillingClaim,
    BlockedTime,
    Client,
    Contact,
    Engagement,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    Proposal,
    RevenueReport,
    TimeEntry,
)


def _invoiced(kind: str) -> Exists:
    return Exists(
        BillingClaim.objects.filter(kind=kind, source_id=OuterRef("pk"), released_at__isnull=True)
    )


# --- Clients -------------------------------------------------------------------------------
@extend_schema(tags=["clients"])
class ClientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """Clients of the workspace. A client with engagements cannot be deleted: archive it."""

    model = Client
    serializer_class = s.ClientSerializer
    filterset_class = filters.ClientFilter
    ordering_fields = ["name", "created_at"]
    http_method_names = WRITE_METHODS

    @staticmethod
    def _fields(data) -> dict:
        return {k: str(v) if k == "country" else v for k, v in data.items()}

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.client_create(
                workspace=self.request.workspace,
                actor=self.request.user,
                **self._fields(serializer.validated_data),
            )

    def perform_update(self, serializer):
        with service_errors():
            serializer.instance = services.client_update(
                client=serializer.instance,
                actor=self.request.user,
                **self._fields(serializer.validated_data),
            )

    def perform_destroy(self, instance):
        with service_errors():
            services.client_delete(client=instance, actor=self.request.user)

    @extend_schema(request=None, responses=s.ClientSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        """Hide the client from current work; everything recorded for it stays."""
        client = services.client_archive(client=self.get_object(), actor=request.user)
        return Response(self.get_serializer(client).data)

    @extend_schema(request=None, responses=s.ClientSerializer)
    @action(detail=True, methods=["post"])
    def unarchive(self, request, *args, **kwargs):
        client = services.client_archive(
            client=self.get_object(), actor=request.user, archived=False
        )
        return Response(self.get_serializer(client).data)


@extend_schema(tags=["clients"])
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """People at the workspace's clients. Filter by `client` for one client's contacts."""

    model = Contact
    serializer_class = s.ContactSerializer
    filterset_class = filters.ContactFilter
    ordering_fields = ["name"]
    http_method_names = WRITE_METHODS

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with service_errors():
            serializer.instance = services.contact_save(
                client=data.pop("client"), actor=self.request.user, **data
            )

    def perform_update(self, serializer):
        contact = serializer.instance
        data = dict(serializer.validated_data)
        refuse_change(contact, data, "client")
        with service_errors():
            serializer.instance = services.contact_save(
                client=contact.client, actor=self.request.user, contact=contact, **data
            )

    def perform_destroy(self, instance):
        services.contact_delete(contact=instance, actor=self.request.user)


# --- Engagements ---------------------------------------------------------------------------
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
    Engagements are not deleted; set `status` to `ended`."""

    model = Engagement
    serializer_class = s.EngagementSerializer
    filterset_class = filters.EngagementFilter
    ordering_fields = ["start_date", "name", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with service_errors():
            serializer.instance = services.engagement_create(
                workspace=self.request.workspace,
                actor=self.request.user,
                client=data.pop("client"),
                **data,
            )

    def perform_update(self, serializer):
        with service_errors():
            serializer.instance = services.engagement_update(
                engagement=serializer.instance,
                actor=self.request.user,
                **serializer.validated_data,
            )

    @extend_schema(parameters=[s.UnbilledQuerySerializer], responses=s.UnbilledSerializer)
    @action(detail=True, methods=["get"])
    def unbilled(self, request, *args, **kwargs):
        """What is billable and not yet invoiced, up to `as_of` and within the period when
        given: the items an invoice would take, and their total."""
        engagement = self.get_object()
        query = s.UnbilledQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or request.workspace.today()
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
    def retainer_statements(self, request, *args, **kwargs):
        """One statement per retainer period up to `until`: included, used, rolled over,
        expired, forfeited and overage hours, the fee and the overage amount."""
        engagement = self.get_object()
        if engagement.pay_model != PayModel.RETAINER:
            raise exceptions.ValidationError(
                {"non_field_errors": ["Statements are for retainer engagements only."]}
            )
        query = s.RetainerStatementsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        until = query.validated_data.get("until") or request.workspace.today()
        statements = billing.retainer_statements(engagement, until)
        return Response(s.RetainerStatementSerializer(statements, many=True).data)


# --- Work records --------------------------------------------------------------------------
class _EngagementRecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """A record on one engagement, written by `services.<kind>_save(engagement=…,
    <kind>=…)` and deleted by `services.record_delete`; frozen once invoiced."""

    http_method_names = WRITE_METHODS
    claim_kind: str
    record_arg: str  # the service's keyword for the record being edited

    def get_queryset(self):
        return super().get_queryset().annotate(invoiced=_invoiced(self.claim_kind))

    def save_record(self, **kwargs):
        raise NotImplementedError

    def transition(self, request, body_serializer, service) -> Response:
        """A state change on one record (deliver, accept): parse the body, call the
        service with the record and the acting user, answer with the record."""
        body = body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            record = service(
                **{self.record_arg: self.get_object()},
                actor=request.user,
                **body.validated_data,
            )
        return Response(self.serializer_class(record).data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with service_errors():
            serializer.instance = self.save_record(
                engagement=data.pop("engagement"), actor=self.request.user, **data
            )

    def perform_update(self, serializer):
        record = serializer.instance
        data = dict(serializer.validated_data)
        refuse_change(record, data, "engagement")
        with service_errors():
            serializer.instance = self.save_record(
                engagement=record.engagement,
                actor=self.request.user,
                **{self.record_arg: record},
                **data,
            )

    def perform_destroy(self, instance):
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

    def get_serializer_class(self):
        if self.action in ("create", "partial_update", "update"):
            return s.TimeEntryWrittenSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        super().perform_create(serializer)
        self._flag_cap(serializer.instance)

    def perform_update(self, serializer):
        entry = serializer.instance
        data = dict(serializer.validated_data)
        # The service moves an entry between engagements itself.
        with service_errors():
            serializer.instance = services.time_entry_save(
                engagement=data.pop("engagement", entry.engagement),
                actor=self.request.user,
                entry=entry,
                **data,
            )
        self._flag_cap(serializer.instance)

    def perform_destroy(self, instance):
        with service_errors():
            services.time_entry_delete(entry=instance, actor=self.request.user)

    def save_record(self, **kwargs):
        return services.time_entry_save(**kwargs)

    @staticmethod
    def _flag_cap(entry: TimeEntry) -> None:
        entry.weekly_cap_exceeded = services.weekly_cap_exceeded(entry.engagement, entry.date)


@extend_schema(tags=["fixed fee"])
class MilestoneViewSet(_EngagementRecordViewSet):
    """Fixed-fee milestones: pending → delivered → accepted (billable once accepted)."""

    model = Milestone
    serializer_class = s.MilestoneSerializer
    filterset_class = filters.MilestoneFilter
    ordering_fields = ["due_date", "amount"]
    claim_kind = BillingClaim.Kind.MILESTONE
    record_arg = "milestone"

    def save_record(self, **kwargs):
        return services.milestone_save(**kwargs)

    @extend_schema(request=s.MilestoneDeliverSerializer, responses=s.MilestoneSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request, *args, **kwargs):
        return self.transition(request, s.MilestoneDeliverSerializer, services.milestone_deliver)

    @extend_schema(request=s.MilestoneAcceptSerializer, responses=s.MilestoneSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        """Record the client's acceptance, on their word (who, and when). Repeating it
        changes nothing."""
        return self.transition(request, s.MilestoneAcceptSerializer, services.milestone_accept)


@extend_schema(tags=["outcome bounties"])
class OutcomeViewSet(_EngagementRecordViewSet):
    """Outcome bounties: a fee owed once the outcome is accepted."""

    model = Outcome
    serializer_class = s.OutcomeSerializer
    filterset_class = filters.OutcomeFilter
    ordering_fields = ["accepted_at", "fee"]
    claim_kind = BillingClaim.Kind.OUTCOME
    record_arg = "outcome"

    def save_record(self, **kwargs):
        return services.outcome_save(**kwargs)

    @extend_schema(request=s.OutcomeAcceptSerializer, responses=s.OutcomeSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        """Record that the outcome was reached. Repeating it changes nothing."""
        return self.transition(request, s.OutcomeAcceptSerializer, services.outcome_accept)


@extend_schema(tags=["revenue share"])
class RevenueReportViewSet(_EngagementRecordViewSet):
    """Revenue a client reports per period of a revenue-share engagement, with the share
    owed for it."""

    model = RevenueReport
    serializer_class = s.RevenueReportSerializer
    filterset_class = filters.RevenueReportFilter
    ordering_fields = ["period_start", "reported_at"]
    claim_kind = BillingClaim.Kind.REVENUE_SHARE
    record_arg = "report"

    def get_queryset(self):
        return super().get_queryset().select_related("engagement")

    def save_record(self, **kwargs):
        return services.revenue_report_save(**kwargs)


@extend_schema(tags=["expenses"])
class ExpenseViewSet(_EngagementRecordViewSet):
    """Expenses on engagements. Send `multipart/form-data` to upload a receipt."""

    model = Expense
    serializer_class = s.ExpenseSerializer
    filterset_class = filters.ExpenseFilter
    ordering_fields = ["date", "amount", "created_at"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    claim_kind = BillingClaim.Kind.EXPENSE
    record_arg = "expense"

    def save_record(self, **kwargs):
        if "receipt" in kwargs and kwargs["receipt"] is None:
            kwargs["receipt"] = ""  # cleared: the column stores an empty name, never NULL
        return services.expense_save(**kwargs)


# --- Proposals -----------------------------------------------------------------------------
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

    def get_queryset(self):
        return super().get_queryset().select_related("engagement")

    @extend_schema(request=s.ProposalCreateSerializer, responses={201: s.ProposalSerializer})
    def create(self, request, *args, **kwargs):
        body = s.ProposalCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        with service_errors():
            proposal = services.proposal_create(
                workspace=request.workspace,
                actor=request.user,
                client=data.pop("client"),
                title=data.pop("title"),
                scope=data.pop("scope"),
                valid_until=data.pop("valid_until", None),
                **data,
            )
        return Response(self.get_serializer(proposal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.ProposalSentSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, *args, **kwargs):
        """Issue the client's link and mark the proposal sent. The link is in this answer
        only; sending again issues a new one and the earlier link stops working."""
        with service_errors():
            proposal, token = services.proposal_send(proposal=self.get_object(), actor=request.user)
        # The client's public page, /p/<token>/: the token is the credential.
        url = request.build_absolute_uri(reverse("engagements:proposal_public", args=[token]))
        proposal = self.get_queryset().get(pk=proposal.pk)
        return Response(
            s.ProposalSentSerializer({"url": url, "proposal": proposal}).data,
        )

    @extend_schema(request=None, responses=s.ProposalSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        """Withdraw the proposal: its link stops working and a still-proposed engagement
        ends."""
        with service_errors():
            proposal = services.proposal_withdraw(proposal=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)


# --- Capacity ------------------------------------------------------------------------------
class _OwnRowsViewSet(WorkspaceViewSet):
    """Capacity is personal: each person sees and edits only their own rows."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return queryset.filter(user=self.request.user)


@extend_schema(tags=["capacity"])
class AvailabilityViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, _OwnRowsViewSet):
    """Your hours per weekday, from a date on. POST with the same `effective_from` edits
    that row; a later date adds one, so earlier weeks keep the capacity they had."""

    model = Availability
    serializer_class = s.AvailabilitySerializer
    ordering_fields = ["effective_from"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        effective_from = data.pop("effective_from")
        with service_errors():
            serializer.instance = services.availability_set(
                workspace=self.request.workspace,
                user=self.request.user,
                actor=self.request.user,
                effective_from=effective_from,
                hours=data,
            )


@extend_schema(tags=["capacity"])
class BlockedTimeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    _OwnRowsViewSet,
):
    """Your time that is not for client work (caregiving, time off): one-off date ranges,
    or recurring on some weekdays."""

    model = BlockedTime
    serializer_class = s.BlockedTimeSerializer
    filterset_class = filters.BlockedTimeFilter
    ordering_fields = ["start_date"]
    http_method_names = WRITE_METHODS

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.blocked_time_save(
                workspace=self.request.workspace,
                user=self.request.user,
                actor=self.request.user,
                **serializer.validated_data,
            )

    def perform_update(self, serializer):
        blocked = serializer.instance
        with service_errors():
            serializer.instance = services.blocked_time_save(
                workspace=self.request.workspace,
                user=blocked.user,
                actor=self.request.user,
                blocked=blocked,
                **serializer.validated_data,
            )

    def perform_destroy(self, instance):
        services.blocked_time_delete(blocked=instance, actor=self.request.user)


@extend_schema(tags=["capacity"])
class CapacityViewSet(mixins.ListModelMixin, WorkspaceViewSet):
    """Your weeks: hours available (availability minus blocked time) against hours
    committed by active engagements, the pipeline of proposed ones, and hours logged."""

    model = Availability  # for the base class; the answer is computed, not a queryset
    serializer_class = s.CapacityWeekSerializer
    filter_backends: list = []
    pagination_class = None
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        parameters=[s.CapacityQuerySerializer], responses=s.CapacityWeekSerializer(many=True)
    )
    def list(self, request, *args, **kwargs):
        query = s.CapacityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data.get("start") or request.workspace.today()
        weeks = capacity_weeks(user=request.user, start=start, weeks=query.validated_data["weeks"])
        return Response(self.get_serializer(weeks, many=True).data)
