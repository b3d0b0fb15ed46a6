"""The account pages allauth draws (two-factor, email addresses, password) write their
titles, headings and buttons in sentence case like the rest of Portfolio, not allauth's
Title Case ("Two-Factor Authentication", "Make Primary")."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from core.templatetags.text import sentence_case
from tests.factories import UserFactory

PAGES = [
    "/accounts/2fa/",
    "/accounts/2fa/totp/deactivate/",
    "/accounts/reauthenticate/",
    "/accounts/email/",
    "/accounts/password/change/",
]

# Two capitalised words in a row, the second not a name: Title Case.
TITLE_CASE = re.compile(r"\b[A-Z][a-z]+[ -](?!Portfolio\b)[A-Z][a-z]+\b")


def _texts(html: str) -> list[str]:
    found = re.findall(r"<(title|h1|h2|h3|button|legend)\b[^>]*>(.*?)</\1>", html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", inner).split()) for _, inner in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Two-Factor Authentication", "Two-factor authentication"),
        ("Make Primary", "Make primary"),
        ("Re-send Verification", "Re-send verification"),
        ("TOTP Codes", "TOTP codes"),
        ("Sign in to Portfolio", "Sign in to Portfolio"),
        ('<svg class="Icon"></svg> Add Email', '<svg class="Icon"></svg> Add email'),
    ],
)
def test_sentence_case(text, expected):
    assert sentence_case(text) == expected


def test_account_pages_write_sentence_case(client, db):
    user = UserFactory()
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    seen = {}
    for path in PAGES:
        response = client.get(path, follow=True)  # some ask to reauthenticate first
        assert response.status_code == 200, path
        seen[path] = _texts(response.content.decode())
    offending = {p: [t for t in texts if TITLE_CASE.search(t)] for p, texts in seen.items()}
    assert not any(offending.values()), offending
    assert "Two-factor authentication" in " ".join(seen["/accounts/2fa/"])
