"""devstripe's Stripe.js stand-in in Chromium, on a page with a strict nonce-based CSP like
the app's: the card element, confirmCardPayment with and without 3-D Secure."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devstripe.server import free_port
from tests.stripe_fixtures import PUBLISHABLE_KEY, stripe_client, stripe_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NONCE = "dGVzdC1ub25jZQ"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pay</title>
<script nonce="{nonce}">
window.violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
</script>
<script src="{api}/js.stripe.com/v3/" nonce="{nonce}"></script>
</head><body>
<form id="pay"><div id="card"></div><button type="submit">Pay</button></form>
<output id="result"></output>
<script nonce="{nonce}">
const stripe = Stripe('{pk}');
const card = stripe.elements().create('card');
card.mount('#card');
document.getElementById('pay').addEventListener('submit', async event => {{
  event.preventDefault();
  const secret = new URLSearchParams(location.search).get('secret');
  const result = await stripe.confirmCardPayment(secret, {{
    payment_method: {{card: card, billing_details: {{name: 'Ada Lovelace'}}}},
    setup_future_usage: 'off_session',
  }});
  document.getElementById('result').textContent = result.error
    ? 'error ' + result.error.code : 'status ' + result.paymentIntent.status;
}});
</script></body></html>
"""


@pytest.fixture
def checkout_url(stripe_server) -> Iterator[str]:  # noqa: F811
    page = PAGE.format(nonce=NONCE, api=stripe_server.url, pk=PUBLISHABLE_KEY).encode()
    csp = (
        f"default-src 'none'; script-src 'nonce-{NONCE}' {stripe_server.url};"
        f" style-src 'self' 'nonce-{NONCE}'; connect-src {stripe_server.url}"
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", csp)
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}/checkout"
    server.shutdown()
    server.server_close()


def _pay(page, url: str, secret: str, number: str) -> None:
    page.goto(f"{url}?secret={secret}")
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry month (MM)").fill("12")
    page.get_by_label("Expiry year (YY)").fill("30")
    page.get_by_label("Security code (CVC)").fill("123")
    page.get_by_label("Postal code").fill("75001")
    page.get_by_role("button", name="Pay").click()


def _intent(client, customer: str) -> Any:
    return client.v1.payment_intents.create(
        params={"amount": 4_200, "currency": "eur", "customer": customer}
    )


def test_a_normal_card_pays_without_3d_secure_and_is_saved(
    browser_page,
    checkout_url,
    stripe_client,  # noqa: F811
):
    customer = stripe_client.v1.customers.create(params={"email": "client@example.com"})
    intent = _intent(stripe_client, customer.id)

    _pay(browser_page, checkout_url, intent.client_secret, "4242424242424242")

    browser_page.get_by_text("status succeeded").wait_for()
    assert browser_page.get_by_role("dialog").count() == 0
    intent = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert intent.status == "succeeded"
    method = stripe_client.v1.payment_methods.retrieve(intent.payment_method)
    assert method.customer == customer.id
    assert method.billing_details.name == "Ada Lovelace"
    assert browser_page.evaluate("window.violations") == []


@pytest.mark.parametrize(
    ("button", "outcome", "status"),
    [
        ("Complete authentication", "status succeeded", "succeeded"),
        (
            "Fail authentication",
            "error payment_intent_authentication_failure",
            "requires_payment_method",
        ),
    ],
)
def test_a_card_needing_3d_secure_opens_the_modal(
    browser_page,
    checkout_url,
    stripe_client,  # noqa: F811
    button,
    outcome,
    status,  # noqa: F811
):
    customer = stripe_client.v1.customers.create(params={"email": "client@example.com"})
    intent = _intent(stripe_client, customer.id)

    _pay(browser_page, checkout_url, intent.client_secret, "4000002500003155")
    dialog = browser_page.get_by_role("dialog")
    dialog.get_by_role("button", name=button).click()

    browser_page.get_by_text(outcome).wait_for()
    assert stripe_client.v1.payment_intents.retrieve(intent.id).status == status
    assert browser_page.evaluate("window.violations") == []
