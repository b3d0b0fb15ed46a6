"""Serializers of the invoicing API. They parse and render; every write goes through
`invoicing.services` (the viewsets call it), so a serializer never saves.

Related fields are narrowed to the request's workspace by `WorkspaceSerializerMixin`: an id
of another workspace is "does not exist", exactly like one that never existed.

Amounts are stored with three decimal places; they are rendered rounded to their
currency's minor unit (JPY "1500", USD "12.50", KWD "1.250"), as the invoice prints them."""

from __future__ import annotations

from rest_framework import serializers

from accounts.api.base import WorkspaceSerializerMixin
from core.currencies import currency_choices
from core.money import quantize
from engagements.models import Engagement
from invoicing.models import (
    ExchangeRate,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    LateFeePolicy,
    Payment,
    RecurringSchedule,
    ReminderRule,
    TaxRate,
)


class CurrencyAmountField(serializers.DecimalField):
    """A stored amount rendered in its currency's minor unit. `currency` is a dotted path
    from the object to its currency code (a line's is its invoice's)."""

    def __init__(self, attr: str | None = None, currency: str = "currency", **kwargs):
        self.attr, self.currency_path = attr, currency
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=None, decimal_places=None, source="*", **kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.attr = self.attr or field_name

    def to_representation(self, value):
        amount = getattr(value, self.attr)
        if amount is None:
            return None
        currency = value
        for part in self.currency_path.split("."):
            currency = getattr(currency, part)
        return super().to_representation(quantize(amount, currency))


def _usable_tax_rate(tax_rate: TaxRate | None, current: TaxRate | None = None):
    if tax_rate is not None and tax_rate.archived and tax_rate != current:
        raise serializers.ValidationError("This tax rate is archived.", code="archived")
    return tax_rate


# --- Tax and exchange rates ----------------------------------------------------------------
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


# --- Invoice lines -------------------------------------------------------------------------
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

    def validate_tax_rate(self, tax_rate):
        return _usable_tax_rate(tax_rate, getattr(self.instance, "tax_rate", None))


# --- Payments, credit ----------------------------------------------------------------------
class PaymentSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    amount = CurrencyAmountField(
        help_text="Applied to the invoice (negative for a reversal). An overpayment's rest "
        "is the client's credit, not part of this amount."
    )
    base_amount = CurrencyAmountField(
        currency="workspace.base_currency",
        allow_null=True,
        help_text="In the workspace's base currency at the rate of the payment date; null "
        "when no rate was stored for that day.",
    )
    reversed = serializers.BooleanField(
        read_only=True, default=False, help_text="A later entry reverses this payment."
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "invoice",
            "amount",
            "currency",
            "received_on",
            "method",
            "reference",
            "reverses",
            "reversed",
            "rate_to_base",
            "base_amount",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


# Money a person records by hand; card and Stripe payments come from the payments issue,
# client credit from `apply-credit`.
MANUAL_METHODS = [
    (value, label)
    for value, label in Payment.Method.choices
    if value not in (Payment.Method.STRIPE, Payment.Method.CREDIT)
]


class PaymentCreateSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    invoice = serializers.PrimaryKeyRelatedField(
        queryset=Invoice.objects.none(), help_text="An open or partly paid invoice."
    )
    amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=3,
        help_text="What was received, in the invoice's currency. More than is due becomes "
        "the client's credit.",
    )
    received_on = serializers.DateField()
    method = serializers.ChoiceField(choices=MANUAL_METHODS)
    reference = serializers.CharField(max_length=120, required=False, default="")


class PaymentRecordedSerializer(PaymentSerializer):
    to_credit = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        read_only=True,
        help_text="The part of the amount received beyond what was due, added to the "
        "client's credit in this currency.",
    )

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "to_credit"]
        read_only_fields = fields


class PaymentReverseSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ClientCreditSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    """A client's credit balance in one currency (the sum of its credit entries)."""

    client = serializers.IntegerField()
    currency = serializers.CharField()
    balance = serializers.DecimalField(max_digits=None, decimal_places=None)

    def to_representation(self, instance):
        return {
            "client": instance["client"],
            "currency": instance["currency"],
            "balance": str(quantize(instance["balance"], instance["currency"])),
        }


# --- Invoices ------------------------------------------------------------------------------
class InvoiceEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = InvoiceEvent
        fields = ["id", "kind", "at", "actor", "actor_name", "data"]
        read_only_fields = fields

    def get_actor_name(self, event) -> str:
        actor = event.actor
        return (actor.full_name or actor.email) if actor else ""


class OverdueField(serializers.BooleanField):
    """Open or partly paid and past its due date, today in the workspace's time zone (the
    viewset puts that day in the context)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value):
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
    amount_paid = CurrencyAmountField()
    amount_credited = CurrencyAmountField(help_text="By credit notes against this invoice.")
    amount_due = CurrencyAmountField(help_text="total − paid − credited.")
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

    def get_link_active(self, invoice) -> bool:
        """The client's link works (issued, not revoked). The link itself is shown once."""
        return bool(invoice.token_hash and not invoice.link_revoked_at)

    def validate(self, attrs):
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
    payments = PaymentSerializer(many=True, read_only=True)
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
    as_of = serializers.DateField(
        required=False, help_text="Billable on or before this day. Default: today."
    )
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)
    tax_rate = serializers.PrimaryKeyRelatedField(
        queryset=TaxRate.objects.none(),
        required=False,
        allow_null=True,
        help_text="Applied to the work lines added.",
    )

    def validate_tax_rate(self, tax_rate):
        return _usable_tax_rate(tax_rate)

    def validate(self, attrs):
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": "The period ends before it starts."})
        return attrs


class FinalizeSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    issue_date = serializers.DateField(
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


class CreditAppliedSerializer(WorkspaceSerializerMixin, serializers.Serializer):
    applied = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="0 when the client had no credit."
    )
    payment = serializers.IntegerField(allow_null=True)
    invoice = InvoiceDetailSerializer()


# --- Reminders and recurring invoices ------------------------------------------------------
class ReminderRuleSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = ReminderRule
        fields = ["id", "days_from_due", "active", "label"]
        read_only_fields = ["id"]
        extra_kwargs = {
            "days_from_due": {
                "help_text": "Days relative to the due date: negative before, 0 on the day, "
                "positive after. One rule per day."
            }
        }
        # One rule per day is checked by the service (a 400 on days_from_due).
        validators: list = []


class ScheduleLineSerializer(serializers.Serializer):
    """A template line, for schedules that do not bill an engagement."""

    description = serializers.CharField(max_length=500)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=4, default="1")
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4)
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, default="0", min_value=0, max_value=100
    )
    tax_rate_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="One of the workspace's tax rates."
    )

    def to_internal_value(self, data):
        # The service stores Decimals as strings in the JSON column.
        value = super().to_internal_value(data)
        return {k: str(v) if k != "tax_rate_id" else v for k, v in value.items()}


class RecurringScheduleSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    currency = serializers.ChoiceField(
        choices=currency_choices(),
        required=False,
        help_text="Defaults to the engagement's, else the client's.",
    )
    lines = ScheduleLineSerializer(many=True, required=False)

    class Meta:
        model = RecurringSchedule
        fields = [
            "id",
            "name",
            "client",
            "engagement",
            "interval",
            "every",
            "start_date",
            "end_date",
            "next_run",
            "currency",
            "lines",
            "days_until_due",
            "auto_finalize",
            "auto_send",
            "active",
            "created_at",
        ]
        read_only_fields = ["id", "next_run", "active", "created_at"]
        extra_kwargs = {
            "engagement": {
                "help_text": "Bill this engagement's unbilled work each period (then no "
                "template lines)."
            },
            "days_until_due": {"help_text": "Default: the client's payment terms."},
            "active": {"help_text": "Change with `pause` and `resume`."},
        }


class InvoiceSendSerializer(serializers.Serializer):
    to = serializers.ListField(
        child=serializers.EmailField(),
        required=False,
        allow_empty=False,
        help_text="Recipients; the client's invoice address when omitted.",
    )
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class InvoiceSentSerializer(serializers.Serializer):
    event = serializers.IntegerField(help_text="The timeline event of this send.")
    to = serializers.ListField(child=serializers.EmailField())


class LateFeeSerializer(serializers.Serializer):
    late_fee = serializers.DecimalField(max_digits=18, decimal_places=3)
    currency = serializers.CharField()


class LateFeePolicySerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = LateFeePolicy
        fields = ["kind", "fixed_amount", "annual_interest_percent", "grace_days"]


class RatesImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV with date, currency, rate; UTF-8.")
