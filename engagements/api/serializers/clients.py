"""Serializers for clients and their contacts."""

from __future__ import annotations

from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from accounts.api.base import WorkspaceSerializerMixin
from core.currencies import currency_choices
from engagements.models import (
    Client,
    Contact,
)


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
