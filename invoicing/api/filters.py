"""Query filters of the invoicing API.

As in engagements.api.filters, every filter is declared (none generated from
`Meta.fields`, which would touch the scoped managers at import time) and related ids are
whole-number filters (`IdFilter`): the queryset is already the workspace's, so another
workspace's id matches nothing."""

from __future__ import annotations

from django.db.models import Q
from django_filters import rest_framework as filters

from core.api.filters import IdFilter
from core.currencies import CURRENCY_CHOICES
from invoicing.models import Allocation, ExchangeRate, Invoice, InvoiceLine, Receipt, TaxRate

# An invoice is overdue while money is still expected on it after its due date.
COLLECTING = (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)


class InvoiceFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=Invoice.Status.choices, label="One or more statuses (repeat the parameter)."
    )
    kind = filters.ChoiceFilter(choices=Invoice.Kind.choices)
    client = IdFilter(field_name="client", label="Client id.")
    currency = filters.ChoiceFilter(choices=CURRENCY_CHOICES)
    overdue = filters.BooleanFilter(
        method="filter_overdue",
        label="true: open or partly paid and past the due date (in the workspace's time "
        "zone); false: everything else.",
    )
    issue_date = filters.DateFromToRangeFilter(
        label="Inclusive: issue_date_after ≤ issue_date ≤ issue_date_before."
    )
    due_date = filters.DateFromToRangeFilter(
        label="Inclusive: due_date_after ≤ due_date ≤ due_date_before."
    )
    number = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Invoice
        fields = ["status", "kind", "client", "currency", "overdue", "issue_date", "due_date"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=COLLECTING, due_date__lt=self.request.workspace.today())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class InvoiceLineFilter(filters.FilterSet):
    invoice = IdFilter(field_name="invoice", label="Invoice id.")
    kind = filters.ChoiceFilter(choices=InvoiceLine.Kind.choices)

    class Meta:
        model = InvoiceLine
        fields = ["invoice", "kind"]


class PaymentFilter(filters.FilterSet):
    invoice = IdFilter(field_name="invoice", label="Invoice id.")
    client = IdFilter(field_name="client", label="Client id.")
    method = filters.ChoiceFilter(choices=Receipt.Method.choices)
    received_on = filters.DateFromToRangeFilter(
        label="Inclusive: received_on_after ≤ received_on ≤ received_on_before."
    )

    class Meta:
        model = Receipt
        fields = ["invoice", "client", "method", "received_on"]


class TaxRateFilter(filters.FilterSet):
    archived = filters.BooleanFilter()

    class Meta:
        model = TaxRate
        fields = ["archived"]


class ExchangeRateFilter(filters.FilterSet):
    currency = filters.ChoiceFilter(choices=CURRENCY_CHOICES)
    date = filters.DateFromToRangeFilter(label="Inclusive: date_after ≤ date ≤ date_before.")

    class Meta:
        model = ExchangeRate
        fields = ["currency", "date"]


class ClientCreditFilter(filters.FilterSet):
    client = IdFilter(field_name="client", label="Client id.")
    currency = filters.ChoiceFilter(choices=CURRENCY_CHOICES)

    class Meta:
        model = Allocation
        fields = ["client", "currency"]
