"""devstripe: an offline stand-in for Stripe (with Connect) for development and tests.

It runs localstripe's aiohttp application in this process, bound to 127.0.0.1, and extends
it with what a Connect platform needs (accounts, onboarding links, destination charges,
transfers, application fees, connected balances and payouts, disputes, idempotency keys).
Test support only: application code never imports it; it talks to this server through the
official `stripe` SDK. See docs/stripe-offline.md.
"""
