"""Query filters of the engagements API.

Every filter is declared, none generated from `Meta.fields`: django-filter resolves
generated filters through the model's default manager when the class is defined, and at
import time there is no tenant scope (the scoped manager refuses). For the same reason
related ids (`client`, `engagement`, `user`) are whole-number filters (`IdFilter`), not
model-choice filters; the queryset is already the workspace's, so another workspace's id
matches nothing."""

from __future__ import annotations

from django_filters import rest_framework as filters

from core.api.filters import IdFilter
from core.currencies import CURRENCY_CHOICES
from engagements.models import (
    BlockedTime,
    Client,
    Contact,
    Engagement,
    EngagementStatus,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    Proposal,
    RevenueReport,
    TimeEntry,
)


class ClientFilter(filters.FilterSet):
    currency = filters.ChoiceFilter(choices=CURRENCY_CHOICES)
    archived = filters.BooleanFilter(
        method="filter_archived", label="true: only archived clients; false: only current ones."
    )

    class Meta:
        model = Client
        fields = ["currency", "archived"]

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=not value)


class ContactFilter(filters.FilterSet):
    client = IdFilter(field_name="client", label="Client id.")
    is_billing = filters.BooleanFilter()

    class Meta:
        model = Contact
        fields = ["client", "is_billing"]


class EngagementFilter(filters.FilterSet):
    client = IdFilter(field_name="client", label="Client id.")
    status = filters.ChoiceFilter(choices=EngagementStatus.choices)
    pay_model = filters.ChoiceFilter(choices=PayModel.choices)

    class Meta:
        model = Engagement
        fields = ["client", "status", "pay_model"]


class _EngagementRecordFilter(filters.FilterSet):
    engagement = IdFilter(field_name="engagement", label="Engagement id.")


class TimeEntryFilter(_EngagementRecordFilter):
    date = filters.DateFromToRangeFilter(label="Inclusive: date_after ≤ date ≤ date_before.")
    billable = filters.BooleanFilter()
    user = IdFilter(field_name="user", label="Id of the person who logged it.")

    class Meta:
        model = TimeEntry
        fields = ["engagement", "date", "billable", "user"]


class MilestoneFilter(_EngagementRecordFilter):
    status = filters.ChoiceFilter(choices=Milestone.Status.choices)

    class Meta:
        model = Milestone
        fields = ["engagement", "status"]


class OutcomeFilter(_EngagementRecordFilter):
    accepted = filters.BooleanFilter(
        field_name="accepted_at", lookup_expr="isnull", exclude=True, label="Accepted or not."
    )

    class Meta:
        model = Outcome
        fields = ["engagement", "accepted"]


class RevenueReportFilter(_EngagementRecordFilter):
    period_start = filters.DateFromToRangeFilter(
        label="Inclusive: period_start_after ≤ period_start ≤ period_start_before."
    )

    class Meta:
        model = RevenueReport
        fields = ["engagement", "period_start"]


class ExpenseFilter(_EngagementRecordFilter):
    date = filters.DateFromToRangeFilter(label="Inclusive: date_after ≤ date ≤ date_before.")
    rebillable = filters.BooleanFilter()
    category = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Expense
        fields = ["engagement", "date", "rebillable", "category"]


class ProposalFilter(filters.FilterSet):
    client = IdFilter(field_name="engagement__client", label="Client id.")
    status = filters.ChoiceFilter(choices=Proposal.Status.choices)

    class Meta:
        model = Proposal
        fields = ["client", "status"]


class BlockedTimeFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=BlockedTime.Kind.choices)
    recurring = filters.BooleanFilter()

    class Meta:
        model = BlockedTime
        fields = ["kind", "recurring"]
