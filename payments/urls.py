"""Pages of the payments app (namespace `payments`): the workspace's payments settings,
Stripe onboarding's return and refresh, payouts and card refunds under /w/<workspace>/
(each in tests/test_cross_tenant.py's table); the client's pay routes on the invoice link;
the operators' event log; and Stripe's webhook endpoint."""

from django.urls import include, path

from payments.views import events, payouts, public, refunds, settings, webhook

app_name = "payments"

workspace_pages = [
    path("settings/payments/", settings.payment_settings, name="settings"),
    path("settings/payments/connect/", settings.stripe_connect, name="settings_connect"),
    path("settings/payments/return/", settings.stripe_return, name="settings_return"),
    path("settings/payments/refresh/", settings.stripe_refresh, name="settings_refresh"),
    path("payouts/", payouts.payouts, name="payouts"),
    path(
        "invoices/<int:pk>/card-payments/<int:payment_pk>/refund/",
        refunds.card_refund,
        name="card_refund",
    ),
]

urlpatterns = [
    path("stripe/webhook/", webhook.stripe_webhook, name="stripe_webhook"),
    path("ops/stripe/events/", events.event_log, name="event_log"),
    path("ops/stripe/events/<int:pk>/replay/", events.event_replay, name="event_replay"),
    path("i/<str:token>/pay/", public.pay_start, name="invoice_pay"),
    path(
        "i/<str:token>/pay/<int:payment_id>/status/",
        public.pay_status,
        name="invoice_pay_status",
    ),
    path("w/<slug:workspace>/", include(workspace_pages)),
]
