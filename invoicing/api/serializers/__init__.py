"""Serializers of the invoicing API, one module per concept, re-exported here (the
viewsets read them as `s.X`; settings name `invoicing.api.serializers.MANUAL_METHODS`).
They parse and render; every write goes through `invoicing.services` (the viewsets call
it), so a serializer never saves.

Related fields are narrowed to the request's workspace by `WorkspaceSerializerMixin`: an id
of another workspace is "does not exist", exactly like one that never existed.

Amounts are stored with three decimal places; they are rendered rounded to their
currency's minor unit (JPY "1500", USD "12.50", KWD "1.250"), as the invoice prints them."""

from invoicing.api.serializers.fields import CurrencyAmountField
from invoicing.api.serializers.invoices import (
    AddUnbilledSerializer,
    CreditAppliedSerializer,
    CreditNoteCreateSerializer,
    CreditNoteRefSerializer,
    FinalizeSerializer,
    InvoiceDetailSerializer,
    InvoiceEventSerializer,
    InvoiceLineSerializer,
    InvoiceLinkSerializer,
    InvoiceSendSerializer,
    InvoiceSentSerializer,
    InvoiceSerializer,
    LateFeeSerializer,
    OverdueField,
    VoidSerializer,
)
from invoicing.api.serializers.payments import (
    MANUAL_METHODS,
    ClientCreditSerializer,
    PaymentCreateSerializer,
    PaymentRecordedSerializer,
    PaymentReverseSerializer,
    PaymentSerializer,
)
from invoicing.api.serializers.rates import (
    ExchangeRateSerializer,
    RatesImportSerializer,
    TaxRateSerializer,
)
from invoicing.api.serializers.schedules import (
    LateFeePolicySerializer,
    RecurringScheduleSerializer,
    ReminderRuleSerializer,
    ScheduleLineSerializer,
)

__all__ = [
    "AddUnbilledSerializer",
    "ClientCreditSerializer",
    "CreditAppliedSerializer",
    "CreditNoteCreateSerializer",
    "CreditNoteRefSerializer",
    "CurrencyAmountField",
    "ExchangeRateSerializer",
    "FinalizeSerializer",
    "InvoiceDetailSerializer",
    "InvoiceEventSerializer",
    "InvoiceLineSerializer",
    "InvoiceLinkSerializer",
    "InvoiceSendSerializer",
    "InvoiceSentSerializer",
    "InvoiceSerializer",
    "LateFeePolicySerializer",
    "LateFeeSerializer",
    "MANUAL_METHODS",
    "OverdueField",
    "PaymentCreateSerializer",
    "PaymentRecordedSerializer",
    "PaymentReverseSerializer",
    "PaymentSerializer",
    "RatesImportSerializer",
    "RecurringScheduleSerializer",
    "ReminderRuleSerializer",
    "ScheduleLineSerializer",
    "TaxRateSerializer",
    "VoidSerializer",
]
