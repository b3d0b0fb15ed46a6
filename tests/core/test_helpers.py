"""The kernel's small helpers: calendar months, token hashes, the CSV formula guard."""

import datetime as dt
import hashlib

import pytest

from core.csvtools import guard_cell, unguard_cell
from core.dates import add_months
from core.tokens import hash_token


@pytest.mark.parametrize(
    ("day", "months", "anchor", "expected"),
    [
        (dt.date(2025, 1, 31), 1, 31, dt.date(2025, 2, 28)),  # a short month: its last day
        (dt.date(2024, 1, 31), 1, 31, dt.date(2024, 2, 29)),  # a leap year
        (dt.date(2025, 2, 28), 1, 31, dt.date(2025, 3, 31)),  # back on the anchor, no drift
        (dt.date(2025, 1, 15), 1, 15, dt.date(2025, 2, 15)),
        (dt.date(2025, 11, 30), 3, 30, dt.date(2026, 2, 28)),  # across a year
        (dt.date(2025, 3, 31), -1, 31, dt.date(2025, 2, 28)),  # backwards
        (dt.date(2025, 1, 15), -2, 15, dt.date(2024, 11, 15)),
        (dt.date(2025, 5, 20), 0, 20, dt.date(2025, 5, 20)),
    ],
)
def test_add_months(day, months, anchor, expected):
    assert add_months(day, months, anchor) == expected


def test_hash_token_is_the_hex_sha256():
    assert hash_token("abc") == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert hash_token("pf_x") == hashlib.sha256(b"pf_x").hexdigest()
    assert hash_token("pf_x") != hash_token("pf_y")


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+1", "-2", "@cmd", "\tx", "\rx"])
def test_formula_cells_are_guarded_and_unguarded(text):
    guarded = guard_cell(text)
    assert guarded == "'" + text
    assert unguard_cell(guarded) == text


@pytest.mark.parametrize("text", ["'=x", "''+1", "'@cmd"])
def test_text_that_looks_guarded_survives_the_round_trip(text):
    """A person's own leading quote before a formula character is kept: the export adds
    one more, the import takes one away."""
    assert guard_cell(text) == "'" + text
    assert unguard_cell(guard_cell(text)) == text


@pytest.mark.parametrize("text", ["plain", "", "'", "it's", "'quoted", "5 = 5"])
def test_ordinary_text_passes_both_ways_unchanged(text):
    assert guard_cell(text) == text
    assert unguard_cell(text) == text


@pytest.mark.parametrize("value", [5, 2.5, None, dt.date(2025, 1, 1)])
def test_non_text_cells_are_not_guarded(value):
    assert guard_cell(value) == value
