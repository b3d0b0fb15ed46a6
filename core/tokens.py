"""Secrets that travel in links or headers are stored only as their SHA-256: a database
leak yields no working invitation, proposal link, invoice link or API token."""

from __future__ import annotations

import hashlib


def hash_token(token: str) -> str:
    """The hex SHA-256 of a token, as stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()
