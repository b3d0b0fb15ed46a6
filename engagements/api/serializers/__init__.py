"""Serializers of the engagements API. They parse and render; every write goes through
`engagements.services` (the viewsets call it), so a serializer never saves.

Related fields are narrowed to the request's workspace by `WorkspaceSerializerMixin`: an id
of another workspace is "does not exist", exactly like one that never existed.

Money and hours are decimal strings. Stored amounts keep their stored precision; computed
amounts (unbilled items, statements) are already rounded to the currency's minor unit and
are rendered as they are."""

from engagements.api.serializers.capacity import (
    AvailabilitySerializer,
    BlockedTimeSerializer,
    CapacityQuerySerializer,
    CapacityWeekSerializer,
    CommitmentSerializer,
)
from engagements.api.serializers.clients import (
    ClientSerializer,
    ContactSerializer,
)
from engagements.api.serializers.engagements import (
    EngagementSerializer,
    RetainerStatementSerializer,
    RetainerStatementsQuerySerializer,
    UnbilledItemSerializer,
    UnbilledQuerySerializer,
    UnbilledSerializer,
    WeeklyCommitmentField,
)
from engagements.api.serializers.fields import (
    HoursField,
    InvoicedField,
    MoneyField,
)
from engagements.api.serializers.proposals import (
    ProposalCreateSerializer,
    ProposalSendSerializer,
    ProposalSentSerializer,
    ProposalSerializer,
    ProposalUpdateSerializer,
)
from engagements.api.serializers.records import (
    ExpenseSerializer,
    MilestoneAcceptSerializer,
    MilestoneDeliverSerializer,
    MilestoneSerializer,
    OutcomeAcceptSerializer,
    OutcomeSerializer,
    RevenueReportSerializer,
    RevenueShareField,
    TimeEntrySerializer,
    TimeEntryWrittenSerializer,
)

__all__ = [
    "AvailabilitySerializer",
    "BlockedTimeSerializer",
    "CapacityQuerySerializer",
    "CapacityWeekSerializer",
    "ClientSerializer",
    "CommitmentSerializer",
    "ContactSerializer",
    "EngagementSerializer",
    "ExpenseSerializer",
    "HoursField",
    "InvoicedField",
    "MilestoneAcceptSerializer",
    "MilestoneDeliverSerializer",
    "MilestoneSerializer",
    "MoneyField",
    "OutcomeAcceptSerializer",
    "OutcomeSerializer",
    "ProposalCreateSerializer",
    "ProposalSendSerializer",
    "ProposalSentSerializer",
    "ProposalSerializer",
    "ProposalUpdateSerializer",
    "RetainerStatementSerializer",
    "RetainerStatementsQuerySerializer",
    "RevenueReportSerializer",
    "RevenueShareField",
    "TimeEntrySerializer",
    "TimeEntryWrittenSerializer",
    "UnbilledItemSerializer",
    "UnbilledQuerySerializer",
    "UnbilledSerializer",
    "WeeklyCommitmentField",
]
