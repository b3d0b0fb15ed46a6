import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.urls import reverse

from accounts.models import ApiToken

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "correct horse battery staple"


def test_token_for_email_and_password(api, personas):
    response = api.post(
        TOKEN_URL,
        {"email": "alice@example.com", "password": PASSWORD, "name": "laptop"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["token"].startswith("pf_") and body["name"] == "laptop"
    # Only the hash is stored; the secret works as a Bearer token.
    assert not ApiToken.objects.filter(key_hash=body["token"]).exists()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["email"] == "alice@example.com"


def test_wrong_password_is_a_400_with_a_message(api, personas):
    response = api.post(
        TOKEN_URL, {"email": "alice@example.com", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert body["errors"][0]["code"] == "invalid_login"


def test_missing_fields_are_reported_per_field(api, db):
    response = api.post(TOKEN_URL, {}, format="json")
    assert response.status_code == 400
    attrs = {e["attr"] for e in response.json()["errors"]}
    assert attrs == {"email", "password"}


@pytest.fixture
def alice_with_totp(personas):
    secret = generate_totp_secret()
    TOTP.activate(personas.alice, secret)
    return secret


def _current_code(secret: str) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_two_factor_requires_a_code(api, alice_with_totp):
    response = api.post(
        TOKEN_URL, {"email": "alice@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "otp_required",
        "detail": "Two-factor authentication is enabled: give a current code.",
        "attr": "otp_code",
    }
    wrong = api.post(
        TOKEN_URL,
        {"email": "alice@example.com", "password": PASSWORD, "otp_code": "000000"},
        format="json",
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["code"] == "otp_invalid"
    ok = api.post(
        TOKEN_URL,
        {
            "email": "alice@example.com",
            "password": PASSWORD,
            "otp_code": _current_code(alice_with_totp),
        },
        format="json",
    )
    assert ok.status_code == 201
    assert Authenticator.objects.filter(user__email="alice@example.com").count() == 1


def test_token_endpoint_is_throttled(api, personas, settings):
    for _ in range(10):
        api.post(TOKEN_URL, {"email": "alice@example.com", "password": "nope"}, format="json")
    response = api.post(
        TOKEN_URL, {"email": "alice@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"


def test_revoked_token_stops_working_at_once(api_as, personas):
    client = api_as(personas.alice)
    tokens = client.get("/api/v1/auth/tokens/").json()["results"]
    assert len(tokens) == 1 and "key_hash" not in tokens[0]
    assert client.delete(f"/api/v1/auth/tokens/{tokens[0]['id']}/").status_code == 204
    response = client.get("/api/v1/me/")
    assert response.status_code == 401


def test_another_users_token_is_404(api_as, personas):
    api_as(personas.charlie)
    charlies = ApiToken.objects.get(user=personas.charlie)
    response = api_as(personas.alice).delete(f"/api/v1/auth/tokens/{charlies.pk}/")
    assert response.status_code == 404
    charlies.refresh_from_db()
    assert charlies.revoked_at is None


def test_token_pages_list_create_and_revoke(client, personas):
    client.force_login(personas.alice)
    response = client.post(reverse("accounts:api_tokens"), {"name": "CI"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("pf_") and key.encode() in response.content
    token = ApiToken.objects.get(user=personas.alice)
    # Shown once: the list afterwards carries only the hint.
    listing = client.get(reverse("accounts:api_tokens"))
    assert key.encode() not in listing.content and token.key_hint.encode() in listing.content
    client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_page_cannot_revoke_someone_elses(client, personas):
    from accounts.services import api_token_create

    theirs, _ = api_token_create(user=personas.charlie, name="x")
    client.force_login(personas.alice)
    assert client.post(reverse("accounts:api_token_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_malformed_authorization_header(api, db):
    api.credentials(HTTP_AUTHORIZATION="Bearer")
    assert api.get("/api/v1/me/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Bearer pf_not-a-real-token")
    assert api.get("/api/v1/me/").status_code == 401


def test_profile_page_changes_my_name_only(client, personas):
    client.force_login(personas.bob)
    assert client.get(reverse("accounts:profile")).status_code == 200
    response = client.post(reverse("accounts:profile"), {"full_name": "  Robert Jones  "})
    assert response.status_code == 302
    personas.bob.refresh_from_db()
    assert personas.bob.full_name == "Robert Jones"
    too_long = client.post(reverse("accounts:profile"), {"full_name": "x" * 151})
    assert too_long.status_code == 200 and "full_name" in too_long.context["form"].errors


def test_profile_page_needs_sign_in(client, db):
    assert client.get(reverse("accounts:profile"))["Location"].startswith("/accounts/login/")
