"""Dashboard forms of invoicing, one module per page concept (as invoicing/views). They
parse input only; every write goes through `invoicing.services`. Forms that offer related
rows are given the request's workspace and narrow their choices to it; the services check
again on save."""

from invoicing.forms.actions import (
    MANUAL_METHODS,
    CreditNoteForm,
    PaymentForm,
    PaymentReverseForm,
    SendForm,
    VoidForm,
)
from invoicing.forms.invoices import (
    AddUnbilledForm,
    InvoiceCreateForm,
    InvoiceFilterForm,
    InvoiceHeaderForm,
    InvoiceLineForm,
)
from invoicing.forms.rates import ExchangeRateForm, ExchangeRateImportForm, TaxRateForm
from invoicing.forms.recurring import ScheduleForm
from invoicing.forms.reminders import LateFeePolicyForm, ReminderRuleForm

__all__ = [
    "MANUAL_METHODS",
    "AddUnbilledForm",
    "CreditNoteForm",
    "ExchangeRateForm",
    "ExchangeRateImportForm",
    "InvoiceCreateForm",
    "InvoiceFilterForm",
    "InvoiceHeaderForm",
    "InvoiceLineForm",
    "LateFeePolicyForm",
    "PaymentForm",
    "PaymentReverseForm",
    "ReminderRuleForm",
    "ScheduleForm",
    "SendForm",
    "TaxRateForm",
    "VoidForm",
]
