"""Stripe webhook events processed per second, end to end on our side: N distinct
`payment_intent.succeeded` events (one per invoice, each paid by card in devstripe),
signed as Stripe signs them, posted to /stripe/webhook/ (verify, store once, queue the
processing in the outbox), then processed by the task body (re-read the PaymentIntent
from Stripe, record the receipt and its allocation, post to the ledger). Also the
server time of the client's payment page and of starting a card payment on it.

devstripe (the local Stripe) is started for the run; everything else is rolled back."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import statistics
import time
import uuid
from decimal import Decimal


def main() -> None:
    from bench.common import run_rolled_back

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="distinct events")
    run_rolled_back(parser, run)


def _sign(payload: bytes, secret: str) -> str:
    t = int(time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def run(args, connection) -> str:  # noqa: ANN001
    import stripe
    from django.conf import settings
    from django.test import Client

    from accounts.models import Membership, Role, User, Workspace
    from accounts.tenancy import workspace_scope
    from devstripe.server import start
    from engagements.models import Client as Customer
    from invoicing import services as invoicing
    from invoicing.models import Invoice
    from payments import services
    from payments.models import WebhookEvent

    handle = start(persist=False)
    try:
        settings.STRIPE_API_BASE = handle.url
        settings.STRIPE_SECRET_KEY = "sk_test_devstripe"
        settings.STRIPE_WEBHOOK_SECRET = secret = "whsec_bench"
        settings.ALLOWED_HOSTS = ["*"]
        sdk = stripe.StripeClient("sk_test_devstripe", base_addresses={"api": handle.url})
        slug = f"bench-{uuid.uuid4().hex[:8]}"
        workspace = Workspace.objects.create(name=f"Bench {slug}", slug=slug, country="US")
        owner = User.objects.create_user(email=f"{slug}@bench.example", password=None)
        Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
        with workspace_scope(workspace):
            account = services.stripe_account_start(workspace=workspace, actor=owner, country="US")
            import urllib.request

            urllib.request.urlopen(  # noqa: S310
                urllib.request.Request(
                    f"{handle.url}/_test/accounts/{account.account_id}",
                    data=json.dumps(
                        {
                            "charges_enabled": True,
                            "payouts_enabled": True,
                            "capabilities": {"transfers": "active", "card_payments": "active"},
                        }
                    ).encode(),
                    headers={"Content-Type": "application/json"},
                    method="POST",
                )
            ).close()
            services.stripe_account_sync(account=account)
            customer = Customer.objects.create(workspace=workspace, name="Acme", currency="USD")
            t0 = time.perf_counter()
            intents, invoices = [], []
            for i in range(args.n):
                draft = invoicing.invoice_create_draft(
                    workspace=workspace, actor=owner, client=customer
                )
                invoicing.invoice_line_save(
                    invoice=draft,
                    actor=owner,
                    description=f"Work {i}",
                    quantity=Decimal(1),
                    unit_price=Decimal("100.00"),
                )
                invoice = invoicing.invoice_finalize(invoice=draft, actor=owner)
                payment, _ = services.card_payment_start(invoice=invoice)
                sdk.v1.payment_intents.confirm(
                    payment.intent_id, params={"payment_method": "pm_card_visa"}
                )
                intents.append(payment.intent_id)
                invoices.append(invoice)
            setup = time.perf_counter() - t0
            # The payment page and starting a payment on it, server side.
            token = invoicing.invoice_link_issue(invoice=invoices[0], actor=owner)
        web = Client()
        page_times = []
        for i in range(30):
            t = time.perf_counter()
            # Each from its own address: the page's rate limit is not what is measured.
            response = web.get(f"/i/{token}/", REMOTE_ADDR=f"10.{uuid.uuid4().int % 250}.0.{i}")
            assert response.status_code == 200, (response.status_code, response.content[:500])
            page_times.append(time.perf_counter() - t)
        with workspace_scope(workspace):
            extra = invoicing.invoice_finalize(
                invoice=_draft(invoicing, workspace, owner, customer), actor=owner
            )
            start_times = []
            for _ in range(10):
                t = time.perf_counter()
                services.card_payment_start(invoice=extra)
                start_times.append(time.perf_counter() - t)
        deliveries = []
        for i, intent in enumerate(intents):
            payload = json.dumps(
                {
                    "id": f"evt_bench_{slug}_{i}",
                    "object": "event",
                    "type": "payment_intent.succeeded",
                    "created": int(time.time()),
                    "data": {"object": {"id": intent, "object": "payment_intent"}},
                }
            ).encode()
            deliveries.append((payload, _sign(payload, secret)))
        t = time.perf_counter()
        for payload, signature in deliveries:
            response = web.post(
                "/stripe/webhook/",
                payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature,
            )
            assert response.status_code == 200, response.content
        received = time.perf_counter() - t
        ids = list(
            WebhookEvent.objects.filter(event_id__startswith=f"evt_bench_{slug}_")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # How much of processing is the round trip to (the local) Stripe.
        from payments import stripe_api

        in_stripe = [0.0]
        for name in ("payment_intent_retrieve", "refund_list"):
            real = getattr(stripe_api, name)

            def timed(*a, _real=real, **kw):  # noqa: ANN002, ANN003, ANN202
                t0 = time.perf_counter()
                try:
                    return _real(*a, **kw)
                finally:
                    in_stripe[0] += time.perf_counter() - t0

            setattr(stripe_api, name, timed)
        from bench.common import QueryCounter

        queries = QueryCounter()
        t = time.perf_counter()
        with connection.execute_wrapper(queries):
            if os.environ.get("BENCH_PROFILE"):
                import cProfile

                cProfile.runctx(
                    "for pk in ids: services.event_process(event_id=pk)",
                    globals(),
                    locals(),
                    os.environ["BENCH_PROFILE"],
                )
            else:
                for pk in ids:
                    assert services.event_process(event_id=pk) == "processed"
        processed = time.perf_counter() - t
        with workspace_scope(workspace):
            paid = Invoice.objects.filter(pk__in=[i.pk for i in invoices], status="paid").count()
        assert paid == args.n, paid
        n = args.n
        per = {"receive": received / n, "process": processed / n}
        lines = [
            f"Stripe webhooks, {n} distinct payment_intent.succeeded events (setup {setup:.1f} s):",
            f"  receive (verify, store once, outbox): {n / received:7.0f} events/s "
            f"({per['receive'] * 1000:.2f} ms each)",
            f"  process (re-read PI, receipt, ledger): {n / processed:6.0f} events/s "
            f"({per['process'] * 1000:.2f} ms each, of which the Stripe round trips "
            f"{in_stripe[0] * 1000 / n:.2f} ms; {queries.count / n:.0f} queries)",
            f"  end to end: {n / (received + processed):.0f} events/s; "
            f"all {paid} invoices paid once",
            f"Client payment page GET /i/<token>/: median "
            f"{statistics.median(page_times) * 1000:.1f} ms (30 runs)",
            f"Starting a card payment (card_payment_start, incl. Stripe round trips): median "
            f"{statistics.median(start_times) * 1000:.1f} ms (10 runs)",
        ]
        return "\n".join(lines)
    finally:
        handle.stop()


def _draft(invoicing, workspace, owner, customer):  # noqa: ANN001, ANN202
    draft = invoicing.invoice_create_draft(workspace=workspace, actor=owner, client=customer)
    invoicing.invoice_line_save(
        invoice=draft,
        actor=owner,
        description="Extra",
        quantity=Decimal(1),
        unit_price=Decimal("50.00"),
    )
    return draft


if __name__ == "__main__":
    main()
