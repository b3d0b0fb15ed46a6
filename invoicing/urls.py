"""Pages of the invoicing app (namespace `invoicing`): the workspace's pages under
/w/<workspace>/ (membership enforced by the tenant middleware; each route there must be in
tests/test_cross_tenant.py's table) and the client's invoice link /i/<token>/."""

from django.urls import include, path

from invoicing.views import actions, drafts, invoices, public, rates, recurring, reminders

app_name = "invoicing"

workspace_pages = [
    path("invoices/", invoices.invoice_list, name="invoice_list"),
    path("invoices/new/", invoices.invoice_create, name="invoice_create"),
    path("invoices/new/work/", drafts.invoice_from_work, name="invoice_from_work"),
    path("invoices/tax-rates/", rates.tax_rate_list, name="invoice_tax_rates"),
    path("invoices/tax-rates/<int:pk>/", rates.tax_rate_edit, name="invoice_tax_rate_edit"),
    path(
        "invoices/tax-rates/<int:pk>/archive/",
        rates.tax_rate_archive,
        name="invoice_tax_rate_archive",
    ),
    path("invoices/exchange-rates/", rates.exchange_rate_list, name="invoice_exchange_rates"),
    path(
        "invoices/exchange-rates/import/",
        rates.exchange_rate_import,
        name="invoice_exchange_rate_import",
    ),
    path("invoices/reminders/", reminders.reminder_settings, name="invoice_reminders"),
    path(
        "invoices/reminders/<int:pk>/",
        reminders.reminder_rule_delete,
        name="invoice_reminder_rule",
    ),
    path(
        "invoices/reminders/late-fee/",
        reminders.late_fee_policy_save,
        name="invoice_late_fee_policy",
    ),
    path("invoices/recurring/", recurring.recurring_list, name="invoice_recurring_list"),
    path(
        "invoices/recurring/new/",
        recurring.recurring_create,
        name="invoice_recurring_create",
    ),
    path(
        "invoices/recurring/<int:pk>/",
        recurring.recurring_edit,
        name="invoice_recurring_edit",
    ),
    path(
        "invoices/recurring/<int:pk>/pause/",
        recurring.recurring_pause,
        name="invoice_recurring_pause",
    ),
    path(
        "invoices/recurring/<int:pk>/delete/",
        recurring.recurring_delete,
        name="invoice_recurring_delete",
    ),
    path(
        "invoices/<int:pk>/late-fee/",
        reminders.invoice_late_fee_charge,
        name="invoice_late_fee_charge",
    ),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/details/", drafts.invoice_header_save, name="invoice_header_save"),
    path("invoices/<int:pk>/lines/", drafts.invoice_line_save, name="invoice_line_save"),
    path(
        "invoices/<int:pk>/lines/<int:line_pk>/delete/",
        drafts.invoice_line_delete,
        name="invoice_line_delete",
    ),
    path("invoices/<int:pk>/unbilled/", drafts.invoice_unbilled, name="invoice_unbilled"),
    path("invoices/<int:pk>/finalize/", drafts.invoice_finalize, name="invoice_finalize"),
    path("invoices/<int:pk>/delete/", drafts.invoice_delete, name="invoice_delete"),
    path("invoices/<int:pk>/payments/", actions.invoice_payment_record, name="invoice_payment"),
    path(
        "invoices/<int:pk>/payments/<int:payment_pk>/reverse/",
        actions.invoice_payment_reverse,
        name="invoice_payment_reverse",
    ),
    path(
        "invoices/<int:pk>/credit/apply/", actions.invoice_credit_apply, name="invoice_credit_apply"
    ),
    path(
        "invoices/<int:pk>/credit/unapply/",
        actions.invoice_credit_unapply,
        name="invoice_credit_unapply",
    ),
    path("invoices/<int:pk>/credit-note/", actions.invoice_credit_note, name="invoice_credit_note"),
    path("invoices/<int:pk>/void/", actions.invoice_void, name="invoice_void"),
    path(
        "invoices/<int:pk>/uncollectible/",
        actions.invoice_uncollectible,
        name="invoice_uncollectible",
    ),
    path("invoices/<int:pk>/link/", actions.invoice_link_issue, name="invoice_link_issue"),
    path("invoices/<int:pk>/link/revoke/", actions.invoice_link_revoke, name="invoice_link_revoke"),
    path("invoices/<int:pk>/send/", actions.invoice_send, name="invoice_send"),
    path("invoices/<int:pk>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
]

urlpatterns = [
    path("w/<slug:workspace>/", include(workspace_pages)),
    path("i/<str:token>/", public.invoice_public, name="invoice_public"),
    path("i/<str:token>/pdf/", public.invoice_public_pdf, name="invoice_public_pdf"),
]
