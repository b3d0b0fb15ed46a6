from django.urls import path

from payments.views import events, webhook

app_name = "payments"

urlpatterns = [
    path("stripe/webhook/", webhook.stripe_webhook, name="stripe_webhook"),
    path("ops/stripe/events/", events.event_log, name="event_log"),
    path("ops/stripe/events/<int:pk>/replay/", events.event_replay, name="event_replay"),
]
