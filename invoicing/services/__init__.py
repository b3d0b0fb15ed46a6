"""Writes for invoicing, one concept per module; this package re-exports the public
service functions so `from invoicing import services; services.invoice_finalize(...)`
reads the same wherever the function lives. Each service is one transaction with an audit
entry (and a timeline event for an invoice); side effects (email, PDF) leave on commit.

- drafts: a draft and its lines, unbilled work onto it; recalculating its totals
- invoices: finalise, view, void, write off, credit notes
- numbering: the gapless number series
- links: the client's link to an invoice
- receipts, credit, allocations: money received and reversed, where it went, the
  client's credit
- exchange_rates, tax_rates: the workspace's rates
- reminders, late_fees, recurring, recurring_runs: the schedules
- events, state: helpers shared by the modules above (timeline, row lock, status)"""

from invoicing.services.credit import (
    client_credit_apply,
    client_credit_balance,
    client_credit_unapply,
)
from invoicing.services.drafts import (
    group_items,
    invoice_add_unbilled,
    invoice_create_draft,
    invoice_create_from_unbilled,
    invoice_draft_delete,
    invoice_line_delete,
    invoice_line_save,
    invoice_update_draft,
    recalculate,
)
from invoicing.services.events import event
from invoicing.services.exchange_rates import exchange_rate_save, rate_to_base
from invoicing.services.invoices import (
    credit_note_create,
    credited_total,
    due_date_for,
    invoice_finalize,
    invoice_mark_uncollectible,
    invoice_mark_viewed,
    invoice_void,
)
from invoicing.services.late_fees import (
    invoice_late_fee,
    invoice_late_fee_charge,
    late_fee_policy_for,
    late_fee_policy_save,
)
from invoicing.services.links import (
    invoice_from_retired_token,
    invoice_from_token,
    invoice_link_current,
    invoice_link_issue,
    invoice_link_revoke,
)
from invoicing.services.numbering import next_numbers
from invoicing.services.receipts import receipt_record, receipt_refund, receipt_reverse
from invoicing.services.recurring import (
    recurring_schedule_delete,
    recurring_schedule_pause,
    recurring_schedule_save,
)
from invoicing.services.recurring_runs import recurring_generate, recurring_schedule_run
from invoicing.services.reminders import (
    reminder_rule_delete,
    reminder_rule_save,
    reminders_send_due,
)
from invoicing.services.tax_rates import tax_rate_archive, tax_rate_save

__all__ = [
    "client_credit_apply",
    "client_credit_balance",
    "client_credit_unapply",
    "credit_note_create",
    "credited_total",
    "due_date_for",
    "event",
    "exchange_rate_save",
    "group_items",
    "invoice_add_unbilled",
    "invoice_create_draft",
    "invoice_create_from_unbilled",
    "invoice_draft_delete",
    "invoice_finalize",
    "invoice_from_retired_token",
    "invoice_from_token",
    "invoice_late_fee",
    "invoice_late_fee_charge",
    "invoice_line_delete",
    "invoice_line_save",
    "invoice_link_current",
    "invoice_link_issue",
    "invoice_link_revoke",
    "invoice_mark_uncollectible",
    "invoice_mark_viewed",
    "invoice_update_draft",
    "invoice_void",
    "late_fee_policy_for",
    "late_fee_policy_save",
    "next_numbers",
    "rate_to_base",
    "receipt_record",
    "receipt_refund",
    "receipt_reverse",
    "recalculate",
    "recurring_generate",
    "recurring_schedule_delete",
    "recurring_schedule_pause",
    "recurring_schedule_run",
    "recurring_schedule_save",
    "reminder_rule_delete",
    "reminder_rule_save",
    "reminders_send_due",
    "tax_rate_archive",
    "tax_rate_save",
]
