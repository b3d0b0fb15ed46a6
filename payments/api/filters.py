"""Query filters of the payments API (declared, as in invoicing.api.filters)."""

from __future__ import annotations

from django_filters import rest_framework as filters

from core.api.filters import IdFilter
from payments.models import CardPayment


class CardPaymentFilter(filters.FilterSet):
    invoice = IdFilter(field_name="invoice", label="Invoice id.")
    status = filters.ChoiceFilter(choices=CardPayment.Status.choices)

    class Meta:
        model = CardPayment
        fields = ["invoice", "status"]
