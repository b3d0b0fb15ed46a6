"""Pages of the invoicing app (namespace `invoicing`): the workspace's pages under
/w/<workspace>/ (membership enforced by the tenant middleware; each route there must be in
tests/test_tenancy.py's table) and the client's invoice link /i/<token>/."""

from django.urls import include, path

from invoicing import views, views_public, views_schedules

app_name = "invoicing"

workspace_pages = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/tax-rates/", views.tax_rate_list, name="invoice_tax_rates"),
    path("invoices/tax-rates/<int:pk>/", views.tax_rate_edit, name="invoice_tax_rate_edit"),
    path(
        "invoices/tax-rates/<int:pk>/archive/",
        views.tax_rate_archive,
        name="invoice_tax_rate_archive",
    ),
    path("invoices/exchange-rates/", views.exchange_rate_list, name="invoice_exchange_rates"),
    path(
        "invoices/exchange-rates/import/",
        views.exchange_rate_import,
        name="invoice_exchange_rate_import",
    ),
    path("invoices/reminders/", views_schedules.reminder_settings, name="invoice_reminders"),
    path(
        "invoices/reminders/<int:pk>/",
        views_schedules.reminder_rule_delete,
        name="invoice_reminder_rule",
    ),
    path(
        "invoices/reminders/late-fee/",
        views_schedules.late_fee_policy_save,
        name="invoice_late_fee_policy",
    ),
    path("invoices/recurring/", views_schedules.recurring_list, name="invoice_recurring_list"),
    path(
        "invoices/recurring/new/",
        views_schedules.recurring_create,
        name="invoice_recurring_create",
    ),
    path(
        "invoices/recurring/<int:pk>/",
        views_schedules.recurring_edit,
        name="invoice_recurring_edit",
    ),
    path(
        "invoices/recurring/<int:pk>/pause/",
        views_schedules.recurring_pause,
        name="invoice_recurring_pause",
    ),
    path(
        "invoices/recurring/<int:pk>/delete/",
        views_schedules.recurring_delete,
        name="invoice_recurring_delete",
    ),
    path(
        "invoices/<int:pk>/late-fee/",
        views_schedules.invoice_late_fee_charge,
        name="invoice_late_fee_charge",
    ),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/details/", views.invoice_header_save, name="invoice_header_save"),
    path("invoices/<int:pk>/lines/", views.invoice_line_save, name="invoice_line_save"),
    path(
        "invoices/<int:pk>/lines/<int:line_pk>/delete/",
        views.invoice_line_delete,
        name="invoice_line_delete",
    ),
    path("invoices/<int:pk>/unbilled/", views.invoice_unbilled, name="invoice_unbilled"),
    path("invoices/<int:pk>/finalize/", views.invoice_finalize, name="invoice_finalize"),
    path("invoices/<int:pk>/delete/", views.invoice_delete, name="invoice_delete"),
    path("invoices/<int:pk>/payments/", views.invoice_payment_record, name="invoice_payment"),
    path(
        "invoices/<int:pk>/payments/<int:payment_pk>/reverse/",
        views.invoice_payment_reverse,
        name="invoice_payment_reverse",
    ),
    path(
        "invoices/<int:pk>/credit/apply/", views.invoice_credit_apply, name="invoice_credit_apply"
    ),
    path("invoices/<int:pk>/credit-note/", views.invoice_credit_note, name="invoice_credit_note"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
    path(
        "invoices/<int:pk>/uncollectible/",
        views.invoice_uncollectible,
        name="invoice_uncollectible",
    ),
    path("invoices/<int:pk>/link/", views.invoice_link_issue, name="invoice_link_issue"),
    path("invoices/<int:pk>/link/revoke/", views.invoice_link_revoke, name="invoice_link_revoke"),
    path("invoices/<int:pk>/send/", views.invoice_send, name="invoice_send"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
]

urlpatterns = [
    path("w/<slug:workspace>/", include(workspace_pages)),
    path("i/<str:token>/", views_public.invoice_public, name="invoice_public"),
    path("i/<str:token>/pdf/", views_public.invoice_public_pdf, name="invoice_public_pdf"),
]
