"""Sign-up, verification, login limits, password reset and TOTP — allauth as configured."""

import re
import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail

from accounts.models import User
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def test_signup_requires_email_verification(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "New@Example.com",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="new@example.com")
    assert not user.emailaddress_set.get().verified
    # Not verified yet: signing in leads back to the verification notice, not the app.
    client.logout()
    login = client.post(
        "/accounts/login/", {"login": "new@example.com", "password": "a-long-unusual-passphrase-42"}
    )
    assert login["Location"] == "/accounts/confirm-email/"

    (message,) = [m for m in mail.outbox if "confirm" in m.subject.lower()][-1:]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    confirm = client.post("/" + path)
    assert confirm.status_code == 302
    assert user.emailaddress_set.get().verified
    # Logged in on confirmation, and sent to create a first workspace.
    assert client.get("/home/")["Location"] == "/workspaces/new/"


def test_signup_rejects_a_weak_password(client, db):
    response = client.post(
        "/accounts/signup/", {"email": "weak@example.com", "password1": "123", "password2": "123"}
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(email="weak@example.com").exists()


def test_signup_with_a_taken_email_reveals_nothing_and_warns_the_owner(client, db):
    """Account enumeration protection: the page answers as for a new address, no second
    account is made, and the owner of the address gets an email about the attempt."""
    UserFactory(email="taken@example.com")
    response = client.post(
        "/accounts/signup/",
        {
            "email": "taken@example.com",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert User.objects.filter(email="taken@example.com").count() == 1
    assert [m.to for m in mail.outbox] == [["taken@example.com"]]


def test_failed_logins_are_rate_limited(client, db):
    UserFactory(email="target@example.com")
    pages = [
        client.post("/accounts/login/", {"login": "target@example.com", "password": "x"})
        for _ in range(6)
    ]
    assert all(p.status_code == 200 for p in pages)  # the form again, with an error
    assert b"Too many failed login attempts" not in pages[4].content
    # allauth's per-account limit (5 per 5 minutes): now even the right password is refused.
    assert b"Too many failed login attempts" in pages[5].content
    right = client.post("/accounts/login/", {"login": "target@example.com", "password": PASSWORD})
    assert right.status_code == 200 and "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_that_works(client, db):
    user = UserFactory(email="forgot@example.com")
    client.post("/accounts/password/reset/", {"email": "forgot@example.com"})
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(path, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    done = client.post(
        action, {"password1": "brand-new-passphrase-77", "password2": "brand-new-passphrase-77"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-passphrase-77")


def test_unknown_address_reset_reveals_nothing(client, db):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302  # same answer as for a known address


def test_login_with_totp_asks_for_the_code(client, db):
    user = UserFactory(email="secure@example.com")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = client.post(
        "/accounts/login/", {"login": "secure@example.com", "password": PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    ok = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_mfa_pages_are_reachable_when_signed_in(client, db):
    client.force_login(UserFactory())
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/accounts/2fa/totp/activate/").status_code in (200, 302)
