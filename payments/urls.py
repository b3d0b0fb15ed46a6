from django.urls import path

from payments.views import events, public, webhook

app_name = "payments"

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
]
