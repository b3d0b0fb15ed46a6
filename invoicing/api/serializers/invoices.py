"""Invoices, their lines and timeline, and the bodies of the actions on an invoice."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.api.base import WorkspaceSerializerMixin
from core.api.serializers import SaneDateField, StrictTypesMixin
from core.currencies import currency_choices
from engagements.models import Engagement
from invoicing.api.serializers.fields import CurrencyAmountField, usable_tax_rate
from invoicing.api.serializers.payments import PaymentSerializer
from invoicing.models import Invoice, InvoiceEvent, InvoiceLine, TaxRate


class InvoiceLineSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    discount_amount = CurrencyAmountField(currency="invoice.currency")
    net_amount = CurrencyAmountField(
        currency="invoice.currency", help_text="After discount; with inclusive tax, in it."
    )
    tax_amount = CurrencyAmountField(currency="invoice.currency")
    total_amount = CurrencyAmountField(currency="invoice.currency")

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "invoice",
            "position",
            "kind",
            "engagement",
            "description",
            "quantity",
            "unit_price",
            "discount_percent",
            "tax_rate",
            "tax_name",
            "tax_percent",
            "tax_inclusive",
            "discount_amount",
            "net_amount",
            "tax_amount",
            "total_amount",
        ]
        read_only_fields = [
            "id",
            "position",
            "kind",
            "engagement",
            "tax_name",
            "tax_percent",
            "tax_inclusive",
        ]
        extra_kwargs = {
            "invoice": {"help_text": "A draft invoice; set when the line is created, fixed after."},
            "quantity": {"help_text": "Lines from billable work keep their quantity and price."},
            "tax_rate": {"help_text": "One of the workspace's tax rates (not archived)."},
        }

    def validate_tax_rate(self, tax_rate: TaxRate | None) -> TaxRate | None:
        return usable_tax_rate(tax_rate, getattr(self.instance, "tax_rate", None))


class InvoiceEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = InvoiceEvent
        fields = ["id", "kind", "at", "actor", "actor_name", "data"]
        read_only_fields = fields

    def get_actor_name(self, event: InvoiceEvent) -> str:
        actor = event.actor
        return (actor.full_name or actor.email) if actor else ""


class OverdueField(serializers.BooleanField):
    """Open or partly paid and past its due date, today in the workspace's time zone (the
    viewset puts that day in the context)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value: Any) -> Any:
        today = self.context.get("today")
        return bool(
            today
            and value.status in (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)
            and value.due_date
            and value.due_date < today
        )


class InvoiceSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    """An invoice or credit note without its lines (the list's rows)."""

    client_name = serializers.CharField(source="client.name", read_only=True)
    currency = serializers.ChoiceField(
        choices=currency_choices(), required=False, help_text="Defaults to the client's."
    )
    subtotal = CurrencyAmountField(help_text="Net of line discounts, before tax.")
    discount_total = CurrencyAmountField()
    tax_total = CurrencyAmountField()
    total = CurrencyAmountField()
    amount_paid = CurrencyAmountField(
        help_text="Paid from money received (directly or from the client's credit)."
    )
    amount_credited = CurrencyAmountField(
        help_text="Reduced by credit notes (the part of them beyond what was due went to "
        "the client's credit instead)."
    )
    amount_written_off = CurrencyAmountField(help_text="Written off as uncollectible.")
    amount_due = CurrencyAmountField(help_text="total − paid − credited − written off.")
    overdue = OverdueField()
    link_active = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "kind",
            "number",
            "status",
            "client",
            "client_name",
            "credits",
            "currency",
            "issue_date",
            "due_date",
            "notes",
            "terms",
            "subtotal",
            "discount_total",
            "tax_total",
            "total",
            "amount_paid",
            "amount_credited",
            "amount_written_off",
            "amount_due",
            "overdue",
            "link_active",
            "schedule",
            "created_at",
            "finalized_at",
            "sent_at",
            "viewed_at",
            "voided_at",
        ]
        read_only_fields = [
            "id",
            "kind",
            "number",
            "status",
            "credits",
            "schedule",
            "created_at",
            "finalized_at",
            "sent_at",
            "viewed_at",
            "voided_at",
        ]
        extra_kwargs = {
            "client": {"help_text": "Set when the draft is created; fixed after."},
            "credits": {"help_text": "For a credit note: the invoice it credits."},
            "issue_date": {"help_text": "Set on finalising when empty (today)."},
            "due_date": {"help_text": "Set on finalising when empty, from payment terms."},
        }

    def get_link_active(self, invoice: Invoice) -> bool:
        """The client's link works (issued, not revoked). The link itself is shown once."""
        return bool(invoice.token_hash and not invoice.link_revoked_at)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        issue = attrs.get("issue_date", getattr(self.instance, "issue_date", None))
        due = attrs.get("due_date", getattr(self.instance, "due_date", None))
        if issue and due and due < issue:
            raise serializers.ValidationError({"due_date": "The due date is before the issue."})
        return attrs


class CreditNoteRefSerializer(serializers.ModelSerializer):
    total = CurrencyAmountField()

    class Meta:
        model = Invoice
        fields = ["id", "number", "status", "total", "issue_date"]
        read_only_fields = fields


class InvoiceDetailSerializer(InvoiceSerializer):
    """One invoice with its lines, payments, credit notes, timeline and printed parties."""

    lines = InvoiceLineSerializer(many=True, read_only=True)
    payments = PaymentSerializer(
        source="receipts",
        many=True,
        read_only=True,
        help_text="Money received recorded against this invoice (with where each went).",
    )
    credit_notes = CreditNoteRefSerializer(many=True, read_only=True)
    events = InvoiceEventSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [
            *InvoiceSerializer.Meta.fields,
            "snapshot",
            "lines",
            "payments",
            "credit_notes",
            "events",
        ]
        read_only_fields = [*InvoiceSerializer.Meta.read_only_fields, "snapshot"]


class AddUnbilledSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    engagement = serializers.PrimaryKeyRelatedField(
        queryset=Engagement.objects.none(), help_text="An engagement of the invoice's client."
    )
    as_of = SaneDateField(
        required=False, help_text="Billable on or before this day. Default: today."
    )
    period_start = SaneDateField(required=False, allow_null=True)
    period_end = SaneDateField(required=False, allow_null=True)
    tax_rate = serializers.PrimaryKeyRelatedField(
        queryset=TaxRate.objects.none(),
        required=False,
        allow_null=True,
        help_text="Applied to the work lines added.",
    )

    def validate_tax_rate(self, tax_rate: TaxRate | None) -> TaxRate | None:
        return usable_tax_rate(tax_rate)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": "The period ends before it starts."})
        return attrs


class FinalizeSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    issue_date = SaneDateField(
        required=False, help_text="Default: the draft's issue date, else today."
    )


class VoidSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, default="")


class CreditNoteCreateSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=3,
        required=False,
        allow_null=True,
        help_text="Omit for a full credit of what is not yet credited.",
    )
    reason = serializers.CharField(max_length=400)


class InvoiceLinkSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    url = serializers.URLField(
        help_text="The client's link. Shown this once (only a hash is kept); issuing again "
        "makes a new link and the old one stops working."
    )


class RecipientsField(serializers.ListField):
    """Email addresses; a bad one is an error on the field itself (`to`), not on an index
    (`to.0`), which no schema can list."""

    def run_child_validation(self, data: list[Any]) -> list[Any]:
        try:
            return list(super().run_child_validation(data))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(
                "Each recipient must be an email address.", code="invalid"
            ) from exc


class InvoiceSendSerializer(StrictTypesMixin, serializers.Serializer):
    to = RecipientsField(
        min_length=1,
        child=serializers.EmailField(),
        required=False,
        allow_empty=False,
        help_text="Recipients; the client's invoice address when omitted.",
    )
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class InvoiceSentSerializer(serializers.Serializer):
    event = serializers.IntegerField(help_text="The timeline event of this send.")
    to = serializers.ListField(child=serializers.EmailField())


class LateFeeSerializer(StrictTypesMixin, serializers.Serializer):
    late_fee = serializers.DecimalField(max_digits=18, decimal_places=3)
    currency = serializers.CharField()


class CreditAppliedSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    applied = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="0 when the client had no credit."
    )
    invoice = InvoiceDetailSerializer()
