"""Tax rates, exchange rates and the CSV import of rates."""

from __future__ import annotations

from rest_framework import serializers

from accounts.api.base import WorkspaceSerializerMixin
from core.currencies import currency_choices
from invoicing.models import ExchangeRate, TaxRate


class TaxRateSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = TaxRate
        fields = ["id", "name", "percent", "inclusive", "archived"]
        read_only_fields = ["id"]
        extra_kwargs = {
            "percent": {"help_text": "0–100, up to three decimals."},
            "archived": {
                "help_text": "Archived rates are kept on the lines that used them and "
                "cannot be chosen for new lines."
            },
        }


class ExchangeRateSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    currency = serializers.ChoiceField(choices=currency_choices())

    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "date", "rate"]
        read_only_fields = ["id"]
        extra_kwargs = {
            "rate": {
                "help_text": "1 unit of `currency` in the workspace's base currency. "
                "Posting a currency and date that exist replaces that day's rate."
            }
        }
        # One rate per currency and day is the service's upsert, not a uniqueness error.
        validators: list = []


class RatesImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV with date, currency, rate; UTF-8.")
