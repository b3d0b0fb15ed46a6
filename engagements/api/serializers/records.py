"""Serializers for the work an engagement records: time, milestones, outcomes, revenue
reports, expenses."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files import File
from django.db.models.fields.files import FieldFile
from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.api.base import WorkspaceSerializerMixin
from core.api.serializers import SaneDateField
from engagements.api.serializers.fields import InvoicedField, MoneyField
from engagements.billing import revenue_share_amount
from engagements.models import (
    Expense,
    Milestone,
    Outcome,
    RevenueReport,
    TimeEntry,
)
from engagements.receipts import RECEIPT_TYPES, validate_receipt


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
    on = SaneDateField(help_text="The day it was delivered.")


class MilestoneAcceptSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    on = SaneDateField(help_text="The day the client accepted it.")
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
    on = SaneDateField(help_text="The day the outcome was accepted.")
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


class ReceiptField(serializers.FileField):
    """Uploads a receipt; reads back as the API route that downloads it (which checks the
    workspace), never a /media/ URL: receipts are not public media."""

    def to_representation(self, value: File[Any]) -> str | None:
        if not value or not isinstance(value, FieldFile):
            return None
        expense = cast(Expense, value.instance)
        view = self.context.get("view")
        # The route's slug when there is one: no query for the workspace per row.
        workspace = view.kwargs["workspace"] if view else expense.workspace.slug
        return reverse(
            "engagements_api:expense-receipt",
            kwargs={"workspace": workspace, "pk": expense.pk},
            request=self.context.get("request"),
        )


class ExpenseSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    invoiced = InvoicedField()
    receipt = ReceiptField(
        required=False,
        allow_null=True,
        help_text=f"{RECEIPT_TYPES}, at most 10 MB. Upload as multipart/form-data; reads "
        "back as the URL that downloads it (`expenses/{id}/receipt/`).",
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
