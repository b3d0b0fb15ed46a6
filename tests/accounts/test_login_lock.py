"""Brute force against a password (issue #9, item 1): every limit is keyed on the address
the app can trust, and one account lock covers the web login and the token endpoint."""

import time

import pytest
from allauth import app_settings as allauth_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings as django_settings
from rest_framework.settings import api_settings

from accounts.models import ApiToken
from core.ratelimit import PUBLIC_RATE_LIMIT, client_address

TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"
PASSWORD = "correct horse battery staple"


def _token(api, password, address="10.9.9.9", otp_code=None, **headers):
    body = {"email": "alice@example.com", "password": password}
    if otp_code:
        body["otp_code"] = otp_code
    return api.post(
        TOKEN_URL,
        body,
        format="json",
        REMOTE_ADDR=address,
        **headers,
    )


def test_every_limit_reads_the_same_proxy_count():
    """DRF's throttles, allauth's limits and the public-page limiter must agree on which
    X-Forwarded-For entry is the client, or the loosest of them decides."""
    count = django_settings.TRUSTED_PROXY_COUNT
    assert count == api_settings.NUM_PROXIES
    assert count == allauth_settings.TRUSTED_PROXY_COUNT


def test_rotating_forwarded_for_still_hits_the_token_throttle(api, personas):
    for i in range(10):
        _token(api, "nope", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    refused = _token(api, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.200")
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "throttled"


def test_thirty_failures_then_the_right_password_is_refused(api, personas):
    # From thirty addresses, so no per-address limit is what stops it: the account lock is.
    for i in range(30):
        assert _token(api, "nope", address=f"198.51.100.{i}").status_code in (400, 429)
    refused = _token(api, PASSWORD, address="198.51.100.250")
    assert refused.status_code == 429
    assert "failed sign-in attempts" in refused.json()["errors"][0]["detail"]
    assert not ApiToken.objects.filter(user=personas.alice, name="API token").exists()


def test_the_lock_is_per_account(api, personas):
    for i in range(5):
        _token(api, "nope", address=f"198.51.100.{i}")
    bob = api.post(
        TOKEN_URL,
        {"email": "bob@example.com", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="198.51.100.99",
    )
    assert bob.status_code == 201


def test_a_good_password_before_the_lock_does_not_reset_it(api, personas):
    """allauth rolls back a success's use instead of clearing the count, so an attacker
    who knows one good login cannot interleave it to keep guessing."""
    for i in range(4):
        _token(api, "nope", address=f"198.51.100.{i}")
    assert _token(api, PASSWORD, address="198.51.100.50").status_code == 201
    _token(api, "nope", address="198.51.100.51")
    assert _token(api, PASSWORD, address="198.51.100.52").status_code == 429


def test_web_login_failures_lock_the_api(client, api, personas):
    for _ in range(5):
        client.post(LOGIN_URL, {"login": "alice@example.com", "password": "x"})
    assert _token(api, PASSWORD).status_code == 429


def test_api_failures_lock_the_web_login(client, api, personas):
    for i in range(5):
        _token(api, "nope", address=f"198.51.100.{i}")
    page = client.post(LOGIN_URL, {"login": "alice@example.com", "password": PASSWORD})
    assert page.status_code == 200 and b"Too many failed login attempts" in page.content
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("proxies", [0, 1])
def test_public_limiter_keys_on_the_trusted_address(client, db, settings, one_rate_window, proxies):
    """Behind N proxies the client is the N-th address from the right of X-Forwarded-For
    (what the proxies appended); anything further left is the client's own to forge."""
    settings.TRUSTED_PROXY_COUNT = proxies

    def get(forwarded):
        return client.get("/p/guess/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    for i in range(PUBLIC_RATE_LIMIT):
        get(f"1.1.1.{i}, 192.0.2.7")
    assert get("9.9.9.9, 192.0.2.7").status_code == 429
    # Another client behind the proxy has a budget of its own; with no proxy trusted,
    # everything from that peer is one client.
    assert get("192.0.2.8").status_code == (404 if proxies else 429)


@pytest.mark.parametrize(
    ("forwarded", "proxies", "expected"),
    [
        ("", 1, "10.0.0.2"),  # no header: the peer
        ("192.0.2.7", 2, "192.0.2.7"),  # shorter than the count: its leftmost, no error
        ("6.6.6.6, 192.0.2.7, 10.0.0.1", 2, "192.0.2.7"),
    ],
)
def test_client_address_edges(rf, settings, forwarded, proxies, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_wrong_two_factor_codes_lock_the_token_endpoint(api, personas):
    secret = generate_totp_secret()
    TOTP.activate(personas.alice, secret)
    for i in range(5):
        wrong = _token(api, PASSWORD, address=f"198.51.100.{i}", otp_code="000000")
        assert wrong.status_code == 400
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    assert _token(api, PASSWORD, address="198.51.100.99", otp_code=code).status_code == 429
