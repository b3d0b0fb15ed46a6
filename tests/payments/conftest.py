"""Payments tests talk to devstripe (localstripe + Connect, docs/stripe-offline.md)
through the real SDK. Webhooks are real too: devstripe signs and posts them to a
receiver, and `deliver` hands those exact bytes and signatures to our endpoint."""

import pytest

from tests.payments.ui_fixtures import connect_account as connect
from tests.payments.ui_fixtures import open_invoice  # noqa: F401
from tests.stripe_fixtures import (  # noqa: F401
    PUBLISHABLE_KEY,
    SECRET_KEY,
    post_test_control,
    stripe_client,
    stripe_server,
    webhook_receiver,
)


@pytest.fixture
def stripe_settings(settings, stripe_server, webhook_receiver):  # noqa: F811
    settings.STRIPE_API_BASE = stripe_server.url
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_JS_URL = stripe_server.url + "/js.stripe.com/v3/"
    settings.STRIPE_WEBHOOK_SECRET = webhook_receiver.secret
    return settings


@pytest.fixture
def connected(personas, stripe_settings, stripe_server):  # noqa: F811
    return connect(personas.a, personas.alice, stripe_server)


class Webhooks:
    """Posts devstripe's real deliveries to /stripe/webhook/; the processing task queued
    through the outbox runs after the (captured) commit, here (`inline_tasks`)."""

    def __init__(self, client, receiver, capture):
        self.client, self.receiver, self.capture = client, receiver, capture

    def post(self, payload, signature):
        headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature else {}
        with self.capture(execute=True):
            return self.client.post(
                "/stripe/webhook/", payload, content_type="application/json", **headers
            )

    def deliver(self, type, where=lambda event: True, timeout=10.0):
        """Wait for devstripe's webhook of `type` (matching `where`) and post its exact
        bytes and signature; returns (response, event)."""
        event = self.receiver.wait_for(type, where, timeout=timeout)
        payload, signature = next(
            (p, s) for p, s in list(self.receiver.received) if event.id.encode() in p
        )
        return self.post(payload, signature), event


@pytest.fixture
def webhooks(client, webhook_receiver, django_capture_on_commit_callbacks, inline_tasks):  # noqa: F811
    return Webhooks(client, webhook_receiver, django_capture_on_commit_callbacks)


def card(stripe_client, number):  # noqa: F811
    """A PaymentMethod for a test card number (docs/stripe-offline.md lists them)."""
    return stripe_client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    ).id


def raw_deliveries(receiver, *types):
    """Every delivery so far of the given types, as (payload, signature)."""
    chosen = []
    for payload, signature in list(receiver.received):
        for t in types:
            if f'"type": "{t}"'.encode() in payload or f'"type":"{t}"'.encode() in payload:
                chosen.append((payload, signature))
    return chosen
