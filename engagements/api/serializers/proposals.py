"""Serializers for proposals, and the flat body that creates one with its engagement."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.base import WorkspaceSerializerMixin
from core.api.serializers import SaneDateField
from core.currencies import currency_choices
from engagements.api.serializers.engagements import EngagementSerializer
from engagements.models import (
    Client,
    Engagement,
    PayModel,
    Proposal,
)


class ProposalSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    accepted_email = serializers.SerializerMethodField(
        help_text="The address the client accepted from; null until accepted."
    )
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

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_accepted_email(self, proposal: Proposal) -> str | None:
        return proposal.accepted_email or None


# The engagement terms a proposal may set; the rest (status, client) it decides itself.
PROPOSAL_ENGAGEMENT_FIELDS = [
    name
    for name in EngagementSerializer.Meta.fields
    if name
    not in (
        "id",
        "client",
        "status",
        "status_on",
        "pauses",
        "created_at",
        "weekly_commitment_hours",
    )
]


class ProposalCreateSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    """A proposal and the engagement it proposes, in one flat body: the proposal's
    `client`, `title`, `scope`, `valid_until`, and the engagement's pay model and terms
    (its name defaults to the title)."""

    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())
    title = serializers.CharField(max_length=200)
    scope = serializers.CharField()
    valid_until = SaneDateField(required=False, allow_null=True)
    currency = serializers.ChoiceField(
        choices=currency_choices(), required=False, help_text="Defaults to the client's."
    )

    class Meta:
        model = Engagement
        fields = ["client", "title", "scope", "valid_until", *PROPOSAL_ENGAGEMENT_FIELDS]
        extra_kwargs = {"name": {"required": False, "help_text": "Defaults to the title."}}


class ProposalUpdateSerializer(ProposalCreateSerializer):
    """A draft's changes: any of the creating body's fields; only those sent change."""

    class Meta(ProposalCreateSerializer.Meta):
        extra_kwargs = {"name": {"required": False}}


class ProposalSendSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    to = serializers.ListField(
        child=serializers.EmailField(),
        required=False,
        max_length=10,
        help_text="Addresses to email; default: the client's.",
    )
    message = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="A note above it."
    )
    new_link = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Issue a new link: the one sent before stops working.",
    )


class ProposalSentSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    url = serializers.URLField(
        help_text=(
            "The client's link, as emailed. It can be read again from the proposal's "
            "page; `new_link` on a later send replaces it."
        ),
    )
    proposal = ProposalSerializer()
