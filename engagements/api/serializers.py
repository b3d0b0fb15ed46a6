"""Serializers of the engagements API. They parse and render; every write goes through
`engagements.services` (the viewsets call it), so a serializer never saves.

Related fields are narrowed to the request's workspace by `WorkspaceSerializerMixin`: an id
of another workspace is "does not exist", exactly like one that never existed.

Money and hours are decimal strings. Stored amounts keep their stored precision; computed
amounts (unbilled items, statements) are already rounded to the currency's minor unit and
are rendered as they are."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.base import WorkspaceSerializerMixin
from core.currencies import currency_choices
from core.money import minutes_to_hours
from engagements.billing import revenue_share_amount
from engagements.capacity import weekly_commitment
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
from engagements.receipts import RECEIPT_TYPES, validate_receipt


class MoneyField(serializers.DecimalField):
    """An amount already rounded to its currency (JPY "1500", USD "12.50", KWD "1.250")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=None, decimal_places=None, **kwargs)


class HoursField(serializers.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=8, decimal_places=2, **kwargs)


class InvoicedField(serializers.BooleanField):
    """True once an invoice has claimed the record: it can no longer change or go. Read
    from the `invoiced` annotation of the viewset's queryset; a record just written through
    a service is not invoiced (a service refuses to change one that is)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return bool(getattr(value, "invoiced", False))


# --- Clients -------------------------------------------------------------------------------
class ClientSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    country = CountryField(required=False, allow_blank=True)
    currency = serializers.ChoiceField(
        choices=currency_choices(),
        required=False,
        help_text="Defaults to the workspace's base currency.",
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "email",
            "contact_name",
            "currency",
            "payment_terms_days",
            "billing_address",
            "country",
            "tax_id",
            "notes",
            "archived_at",
            "created_at",
        ]
        read_only_fields = ["id", "archived_at", "created_at"]


class ContactSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "client", "name", "email", "phone", "role", "is_billing"]
        read_only_fields = ["id"]
        extra_kwargs = {"client": {"help_text": "Set when the contact is created; fixed after."}}


# --- Engagements ---------------------------------------------------------------------------
class WeeklyCommitmentField(serializers.DecimalField):
    """Hours a week the engagement is expected to take (see capacity.weekly_commitment)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=6, decimal_places=2, read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return super().to_representation(weekly_commitment(value))


class EngagementSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    currency = serializers.ChoiceField(
        choices=currency_choices(),
        required=False,
        help_text="Defaults to the client's currency.",
    )
    weekly_commitment_hours = WeeklyCommitmentField(
        help_text=(
            "Hours a week this engagement takes: the estimate when given, else the hourly "
            "cap, else a retainer's included hours spread over the weeks of a month."
        )
    )

    class Meta:
        model = Engagement
        fields = [
            "id",
            "client",
            "name",
            "description",
            "pay_model",
            "status",
            "currency",
            "start_date",
            "end_date",
            "benefits_contribution_percent",
            "estimated_hours_per_week",
            "weekly_commitment_hours",
            # hourly
            "hourly_rate",
            "weekly_hour_cap",
            # retainer
            "retainer_fee",
            "retainer_included_hours",
            "retainer_overage_rate",
            "rollover_cap_hours",
            "rollover_expiry_months",
            "billing_day",
            # revenue share
            "revenue_share_percent",
            "revenue_share_floor",
            "revenue_share_cap",
            "revenue_period",
            "revenue_basis",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class UnbilledQuerySerializer(WorkspaceSerializerMixin, serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="Billable on or before this day. Default: today."
    )
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)

    def validate(self, attrs):
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": "The period ends before it starts."})
        return attrs


class UnbilledItemSerializer(serializers.Serializer):
    """One `engagements.billing.UnbilledItem`."""

    kind = serializers.ChoiceField(choices=BillingClaim.Kind.choices)
    description = serializers.CharField()
    date = serializers.DateField(help_text="When it became billable, or its period's start.")
    quantity = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="Hours for time and overage, else 1."
    )
    unit_price = serializers.DecimalField(max_digits=None, decimal_places=None)
    amount = MoneyField()
    currency = serializers.CharField()
    source_id = serializers.IntegerField(
        allow_null=True, help_text="The time entry, milestone, outcome, report or expense."
    )
    period_start = serializers.DateField(allow_null=True, help_text="For retainer periods.")
    minutes = serializers.IntegerField()
    extra = serializers.DictField(child=serializers.CharField(), help_text="Kind-specific.")


class UnbilledSerializer(serializers.Serializer):
    engagement = serializers.IntegerField()
    currency = serializers.CharField()
    as_of = serializers.DateField()
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    total = MoneyField()
    items = UnbilledItemSerializer(many=True)


class RetainerStatementsQuerySerializer(WorkspaceSerializerMixin, serializers.Serializer):
    until = serializers.DateField(
        required=False, help_text="Statements for the periods up to this day. Default: today."
    )


class _StatementHoursField(HoursField):
    def __init__(self, minutes_attr: str, **kwargs):
        self.minutes_attr = minutes_attr
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        return super().to_representation(minutes_to_hours(getattr(value, self.minutes_attr)))


class RetainerStatementSerializer(serializers.Serializer):
    """One `engagements.billing.RetainerStatement`: minutes are exact, hours rounded."""

    period_start = serializers.DateField()
    period_end = serializers.DateField(help_text="Inclusive.")
    included_minutes = serializers.IntegerField()
    rolled_in_minutes = serializers.IntegerField(help_text="Carried from earlier periods.")
    expired_minutes = serializers.IntegerField(help_text="Carried hours that expired.")
    used_minutes = serializers.IntegerField()
    overage_minutes = serializers.IntegerField()
    forfeited_minutes = serializers.IntegerField(help_text="Unused hours that lapse.")
    rolled_out_minutes = serializers.IntegerField(help_text="Carried into the next period.")
    included_hours = _StatementHoursField("included_minutes")
    used_hours = _StatementHoursField("used_minutes")
    rolled_in_hours = _StatementHoursField("rolled_in_minutes")
    rolled_out_hours = _StatementHoursField("rolled_out_minutes")
    overage_hours = _StatementHoursField("overage_minutes")
    fee = MoneyField()
    overage_amount = MoneyField()
    closed = serializers.BooleanField(help_text="The period has ended: its numbers are final.")


# --- Work records --------------------------------------------------------------------------
class TimeEntrySerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    invoiced = InvoicedField()

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "engagement",
            "user",
            "date",
            "minutes",
            "description",
            "billable",
            "invoiced",
            "created_at",
        ]
        read_only_fields = ["id", "user", "created_at"]
        extra_kwargs = {"user": {"help_text": "Who logged it: the caller, on create."}}


class TimeEntryWrittenSerializer(TimeEntrySerializer):
    weekly_cap_exceeded = serializers.BooleanField(
        read_only=True,
        help_text=(
            "The engagement's billable hours in this entry's week are now over its weekly "
            "hour cap. The entry is saved; warn the person."
        ),
    )

    class Meta(TimeEntrySerializer.Meta):
        fields = [*TimeEntrySerializer.Meta.fields, "weekly_cap_exceeded"]


class MilestoneSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    invoiced = InvoicedField()

    class Meta:
        model = Milestone
        fields = [
            "id",
            "engagement",
            "title",
            "acceptance_criteria",
            "amount",
            "due_date",
            "status",
            "delivered_at",
            "accepted_at",
            "accepted_by",
            "accepted_on_word_of",
            "invoiced",
        ]
        read_only_fields = [
            "id",
            "status",
            "delivered_at",
            "accepted_at",
            "accepted_by",
            "accepted_on_word_of",
        ]
        extra_kwargs = {
            "engagement": {"help_text": "Set when the milestone is created; fixed after."}
        }


class MilestoneDeliverSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    on = serializers.DateField(help_text="The day it was delivered.")


class MilestoneAcceptSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    on = serializers.DateField(help_text="The day the client accepted it.")
    on_word_of = serializers.CharField(
        max_length=150, required=False, default="", help_text="Who at the client accepted it."
    )


class OutcomeSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    invoiced = InvoicedField()

    class Meta:
        model = Outcome
        fields = [
            "id",
            "engagement",
            "description",
            "fee",
            "evidence_note",
            "accepted_at",
            "accepted_by",
            "invoiced",
        ]
        read_only_fields = ["id", "accepted_at", "accepted_by"]
        extra_kwargs = {
            "engagement": {"help_text": "Set when the outcome is created; fixed after."}
        }


class OutcomeAcceptSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    on = serializers.DateField(help_text="The day the outcome was accepted.")
    evidence_note = serializers.CharField(
        required=False, default="", help_text="What shows the outcome was reached."
    )


class RevenueShareField(MoneyField):
    """The share owed for the report's revenue: percent, then the engagement's floor and
    cap, rounded to its currency."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        return super().to_representation(revenue_share_amount(value.engagement, value.revenue))


class RevenueReportSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    invoiced = InvoicedField()
    share = RevenueShareField(help_text="The revenue share owed for this period.")

    class Meta:
        model = RevenueReport
        fields = [
            "id",
            "engagement",
            "period_start",
            "period_end",
            "revenue",
            "share",
            "reported_by",
            "reported_at",
            "note",
            "recorded_by",
            "invoiced",
        ]
        read_only_fields = ["id", "recorded_by"]
        extra_kwargs = {
            "engagement": {
                "help_text": "A revenue-share engagement; set when created, fixed after."
            }
        }
        # The one-report-per-period constraint is checked by the service (full_clean).
        validators: list = []


class ExpenseSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    invoiced = InvoicedField()
    receipt = serializers.FileField(
        required=False,
        allow_null=True,
        help_text=f"{RECEIPT_TYPES}, at most 10 MB. Upload as multipart/form-data.",
    )

    class Meta:
        model = Expense
        fields = [
            "id",
            "engagement",
            "date",
            "amount",
            "category",
            "description",
            "receipt",
            "rebillable",
            "markup_percent",
            "invoiced",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "engagement": {"help_text": "Set when the expense is created; fixed after."}
        }

    def validate_receipt(self, receipt):
        # The model field's validator, here too so the error sits on `receipt` before
        # the service runs (ModelSerializer does not copy FileField validators).
        try:
            validate_receipt(receipt)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc
        return receipt


# --- Proposals -----------------------------------------------------------------------------
class ProposalSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    client = serializers.IntegerField(source="engagement.client_id", read_only=True)
    pay_model = serializers.ChoiceField(
        source="engagement.pay_model", choices=PayModel.choices, read_only=True
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "engagement",
            "client",
            "pay_model",
            "title",
            "scope",
            "status",
            "valid_until",
            "sent_at",
            "viewed_at",
            "responded_at",
            "accepted_name",
            "accepted_email",
            "decline_reason",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "engagement": {
                "help_text": (
                    "The proposed engagement (status proposed; active once accepted). "
                    "Change its terms through the engagements endpoint."
                )
            }
        }


# The engagement terms a proposal may set; the rest (status, client) it decides itself.
PROPOSAL_ENGAGEMENT_FIELDS = [
    name
    for name in EngagementSerializer.Meta.fields
    if name not in ("id", "client", "status", "created_at", "weekly_commitment_hours")
]


class ProposalCreateSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    """A proposal and the engagement it proposes, in one flat body: the proposal's
    `client`, `title`, `scope`, `valid_until`, and the engagement's pay model and terms
    (its name defaults to the title)."""

    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())
    title = serializers.CharField(max_length=200)
    scope = serializers.CharField()
    valid_until = serializers.DateField(required=False, allow_null=True)
    currency = serializers.ChoiceField(
        choices=currency_choices(), required=False, help_text="Defaults to the client's."
    )

    class Meta:
        model = Engagement
        fields = ["client", "title", "scope", "valid_until", *PROPOSAL_ENGAGEMENT_FIELDS]
        extra_kwargs = {"name": {"required": False, "help_text": "Defaults to the title."}}


class ProposalSentSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    url = serializers.URLField(
        help_text=(
            "The client's link. Shown this once (only a hash is kept); sending again "
            "issues a new link and the old one stops working."
        ),
    )
    proposal = ProposalSerializer()


# --- Capacity ------------------------------------------------------------------------------
class AvailabilitySerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Availability
        fields = ["id", "user", "effective_from", *Availability.WEEKDAYS]
        read_only_fields = ["id", "user"]
        extra_kwargs = {
            "effective_from": {
                "help_text": (
                    "From this day on. The same day again replaces that row; a later day "
                    "adds one, so earlier weeks keep the capacity they had."
                )
            },
            **{
                day: {"min_value": 0, "max_value": 24, "help_text": "Hours."}
                for day in Availability.WEEKDAYS
            },
        }
        # One row per day is the service's upsert, not a uniqueness error.
        validators: list = []


class BlockedTimeSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        help_text="For recurring blocks: 0 (Monday) … 6 (Sunday).",
    )

    class Meta:
        model = BlockedTime
        fields = [
            "id",
            "user",
            "title",
            "kind",
            "start_date",
            "end_date",
            "recurring",
            "weekdays",
            "hours_per_day",
        ]
        read_only_fields = ["id", "user"]


class CapacityQuerySerializer(WorkspaceSerializerMixin, serializers.Serializer):
    start = serializers.DateField(
        required=False, help_text="A day in the first week (weeks start Monday). Default: today."
    )
    weeks = serializers.IntegerField(required=False, default=12, min_value=1, max_value=52)


class CommitmentSerializer(serializers.Serializer):
    name = serializers.CharField()
    hours = HoursField()


class CapacityWeekSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    """One `engagements.capacity.Week` of the caller."""

    start = serializers.DateField(help_text="Monday.")
    end = serializers.DateField(help_text="Sunday.")
    available = HoursField(help_text="Availability minus blocked time.")
    blocked = HoursField()
    committed = HoursField(help_text="Active engagements.")
    pipeline = HoursField(help_text="Proposed engagements.")
    logged = HoursField()
    free = HoursField(help_text="available − committed; negative when over-committed.")
    over_committed = serializers.BooleanField()
    over_with_pipeline = serializers.BooleanField()
    engagements = serializers.SerializerMethodField()

    @extend_schema_field(CommitmentSerializer(many=True))
    def get_engagements(self, week):
        return CommitmentSerializer(
            [{"name": name, "hours": hours} for name, hours in week.engagements], many=True
        ).data
