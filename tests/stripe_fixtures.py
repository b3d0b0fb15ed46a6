"""Fixtures for tests that talk to Stripe: devstripe (localstripe extended with Connect,
docs/stripe-offline.md) in a subprocess, once per session, and a webhook receiver.

Import them into a package's conftest.py:

    from tests.stripe_fixtures import stripe_client, stripe_server, webhook_receiver  # noqa: F401
"""

import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe

from devstripe.server import Handle, free_port, start

SECRET_KEY = "sk_test_devstripe"
PUBLISHABLE_KEY = "pk_test_devstripe"


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[Handle]:
    """devstripe on a free port of 127.0.0.1 with its own temporary state; `handle.url` is
    the API base for the SDK (`StripeClient(..., base_addresses={"api": handle.url})`)."""
    handle = start(persist=False)
    yield handle
    handle.stop()


@pytest.fixture
def stripe_client(stripe_server: Handle) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key=SECRET_KEY, base_addresses={"api": stripe_server.url}, max_network_retries=0
    )


def post_test_control(handle: Handle, path: str, body: dict[str, Any] | None = None) -> Any:
    """POST to one of devstripe's `/_test/...` or `/_config/...` routes; returns the JSON."""
    request = urllib.request.Request(
        handle.url + path,
        data=json.dumps(body or {}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    return json.loads(text) if text.strip() else None


@dataclass
class WebhookReceiver:
    url: str
    secret: str
    received: list[tuple[bytes, str]] = field(default_factory=list)
    _lock: threading.Condition = field(default_factory=threading.Condition)

    def events(self) -> list[stripe.Event]:
        """Every delivery so far, verified with the SDK (raises if a signature is wrong)."""
        with self._lock:
            deliveries = list(self.received)
        return [
            stripe.Webhook.construct_event(payload, signature, self.secret)
            for payload, signature in deliveries
        ]

    def wait_for(
        self,
        type: str,
        where: Callable[[stripe.Event], bool] = lambda event: True,
        timeout: float = 5.0,
    ) -> stripe.Event:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events():
                if event.type == type and where(event):
                    return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [e.type for e in self.events()]
                raise AssertionError(f"no {type} webhook within {timeout} s; got {seen}")
            with self._lock:
                self._lock.wait(min(remaining, 0.2))


@pytest.fixture
def webhook_receiver(stripe_server: Handle) -> Iterator[WebhookReceiver]:
    """An HTTP server on a free port registered as devstripe's `pytest` webhook endpoint
    (replacing the previous test's); deliveries are kept raw for signature checks."""
    port = free_port()
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{port}/", secret="whsec_devstripe_tests")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            payload = self.rfile.read(int(self.headers["Content-Length"]))
            with receiver._lock:
                receiver.received.append((payload, self.headers["Stripe-Signature"]))
                receiver._lock.notify_all()
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    form = urllib.parse.urlencode({"url": receiver.url, "secret": receiver.secret}).encode()
    urllib.request.urlopen(  # noqa: S310
        urllib.request.Request(f"{stripe_server.url}/_config/webhooks/pytest", data=form),
        timeout=10,
    ).close()
    yield receiver
    server.shutdown()
    server.server_close()
