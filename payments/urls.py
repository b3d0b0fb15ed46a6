from django.urls import path

from payments.views import public, webhook

app_name = "payments"

urlpatterns = [
    path("stripe/webhook/", webhook.stripe_webhook, name="stripe_webhook"),
    path("i/<str:token>/pay/", public.pay_start, name="invoice_pay"),
    path(
        "i/<str:token>/pay/<int:payment_id>/status/",
        public.pay_status,
        name="invoice_pay_status",
    ),
]
