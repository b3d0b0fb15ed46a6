"""Properties of the ledger over random histories (Hypothesis):

- any sequence of balanced postings and reversals, in currencies with 0, 2 and 3 decimals
  (JPY, USD, KWD), passes the database's own rules, leaves `run_checks()` clean, and every
  account's balance is exactly the sum of the legs posted to it (no minor unit created or
  lost, a reversal undoing exactly its original);
- any set of legs that does not balance is refused by `post` before a single query.

Each example runs in a savepoint rolled back at its end, so examples do not see each
other's rows; the deferred triggers are fired before that with SET CONSTRAINTS."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.currencies import minor_units
from ledger.balances import balance, trial_balance
from ledger.chart import CHART
from ledger.checks import run_checks
from ledger.posting import Leg, Unbalanced, post, reverse
from tests.ledger.conftest import DAY

CURRENCIES = ["JPY", "USD", "KWD"]
CODES = sorted(CHART)
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,  # nothing written to .hypothesis/ in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _money(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_units(currency))


@st.composite
def legs_of(draw, currency: str, balanced: bool = True) -> list[Leg]:
    """2 to 5 legs in one currency on random accounts (parties and documents included); the
    last one balances the others, unless `balanced` is False."""
    amounts = draw(st.lists(st.integers(-(10**9), 10**9).filter(bool), min_size=1, max_size=4))
    closing = -sum(amounts)
    if not balanced:
        closing += draw(st.integers(-(10**6), 10**6).filter(bool))
    legs = []
    for minor in [*amounts, closing]:
        code = draw(st.sampled_from(CODES))
        party = ""
        if CHART[code].party_kind:
            party = f"{CHART[code].party_kind}:{draw(st.integers(1, 3))}"
        document = draw(st.sampled_from(["", "invoice:1", "invoice:2", "receipt:1"]))
        legs.append(Leg(code, _money(minor, currency), currency, party, document))
    return legs


@st.composite
def postings(draw) -> list[Leg]:
    """One posting's legs, in one or two currencies."""
    currencies = draw(st.lists(st.sampled_from(CURRENCIES), min_size=1, max_size=2, unique=True))
    legs = [leg for currency in currencies for leg in draw(legs_of(currency))]
    return draw(st.permutations(legs))


# A history: post these legs, or reverse the n-th transaction posted so far.
steps = st.one_of(
    st.tuples(st.just("post"), postings()),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
)


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(history=st.lists(steps, min_size=1, max_size=12))
def test_balanced_histories_keep_the_ledger_consistent_and_exact(ws, history):
    try:
        with transaction.atomic():
            expected = _replay(ws, history)
            with connection.cursor() as cursor:
                # Fire the deferred balance triggers now, as the commit would.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            assert run_checks() == []
            for (code, party, currency), total in expected.items():
                assert balance(workspace=ws, code=code, currency=currency, party=party) == total
            rows = trial_balance(workspace=ws)
            assert {(r.code, r.party, r.currency): r.balance for r in rows} == dict(expected)
            for currency in CURRENCIES:
                assert sum(r.balance for r in rows if r.currency == currency) == 0
            raise _Rollback
    except _Rollback:
        pass


def _replay(ws, history) -> dict[tuple[str, str, str], Decimal]:
    """Apply the history to the ledger and to a plain model of it (account → sum of the
    legs posted); return the model."""
    expected: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    posted = []  # (transaction, legs)
    reversed_ids = set()
    for action, argument in history:
        if action == "post":
            made = post(workspace=ws, kind="test", on=DAY, legs=argument)
            assert made is not None
            posted.append((made, argument))
            for leg in argument:
                if leg.amount:  # a zero leg is dropped: it makes no account
                    expected[leg.key] += leg.amount
            continue
        if not posted:
            continue
        original, legs = posted[argument % len(posted)]
        if original.pk in reversed_ids:
            with pytest.raises(ValueError, match="already reversed"):
                reverse(transaction=original, on=DAY, kind="test.reverse")
            continue
        mirror = reverse(transaction=original, on=DAY, kind="test.reverse")
        reversed_ids.add(original.pk)
        mirrored = [
            Leg(g.code, -g.amount, g.currency, g.party, g.document) for g in legs if g.amount
        ]
        posted.append((mirror, mirrored))
        for leg in mirrored:
            expected[leg.key] += leg.amount
    return expected


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(
    balanced=st.lists(st.sampled_from(CURRENCIES), max_size=2, unique=True),
    off=st.sampled_from(CURRENCIES),
    data=st.data(),
)
def test_unbalanced_legs_are_refused_before_the_database(ws, balanced, off, data):
    legs = [leg for currency in balanced if currency != off for leg in data.draw(legs_of(currency))]
    legs += data.draw(legs_of(off, balanced=False))
    legs = data.draw(st.permutations(legs))
    with (
        transaction.atomic(),
        CaptureQueriesContext(connection) as queries,
        pytest.raises(Unbalanced, match=off),
    ):
        post(workspace=ws, kind="test", on=DAY, legs=legs)
    assert len(queries) == 0
