from tests.stripe_fixtures import stripe_client, stripe_server, webhook_receiver  # noqa: F401
