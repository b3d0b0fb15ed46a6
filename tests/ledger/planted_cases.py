"""Cases for `test_fixture.py`, which runs them in a pytest subprocess to see the
`ledger_check` fixture act at teardown. Not collected by the suite (no test_ prefix)."""

import pytest
from django.db import transaction

from ledger.checks import Problem, register_check
from ledger.posting import post
from tests.ledger.conftest import DAY, receipt_legs


def _planted(workspace):
    yield Problem(None, "planted", "the whole ledger", "nothing", "this", "planted on purpose")


# Registered for the whole subprocess, so it is still there at the fixture's teardown.
register_check("planted", _planted)


def _write(ws):
    with transaction.atomic():
        post(workspace=ws, kind="receipt", on=DAY, legs=receipt_legs("1.00"))


def test_checked(ws):
    _write(ws)


@pytest.mark.ledger_unchecked
def test_unchecked(ws):
    _write(ws)


def test_no_ledger_rows(ws):
    pass


@pytest.mark.django_db(transaction=True)
def test_checked_transactional(ws):
    _write(ws)
