"""Sign-up as a new user meets it (issue #10, smaller items): the verification email names
the product, its link confirms in one click, and one message says so."""

import re

from django.contrib.messages import get_messages
from django.core import mail

PASSWORD = "a-long-unusual-passphrase-42"


def _sign_up(client):
    client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    client.get("/accounts/confirm-email/")  # the notice page shows (and uses up) its message
    (message,) = [m for m in mail.outbox if "confirm" in m.subject.lower()]
    return message


def test_the_verification_email_names_the_product_not_the_host(client, db, settings):
    settings.SITE_URL = "https://portfolio.example.com"
    body = _sign_up(client).body
    assert body.startswith("Hello from Portfolio!")
    assert "https://portfolio.example.com" in body
    assert "account on testserver" not in body  # allauth's default names the host
    assert "create a Portfolio account" in body


def test_the_link_confirms_in_one_click_with_one_message(client, db):
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", _sign_up(client).body)
    path = "/" + link.group(0).split("://", 1)[1].split("/", 1)[1]
    response = client.get(path)
    assert response.status_code == 302  # confirmed on GET: no page with a second button
    assert client.get("/home/")["Location"] == "/workspaces/new/"  # and signed in
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(shown) == 1 and "confirmed" in shown[0]
