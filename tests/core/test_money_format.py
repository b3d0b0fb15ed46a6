"""format_money's fast path (babel's shape learned once per currency and locale) writes
exactly what babel writes, for every currency the app offers, across signs, magnitudes,
rounding at the minor unit and negative zero; and it is what runs, not the fallback."""

import random
from decimal import Decimal

from babel.numbers import format_currency

from core.currencies import CURRENCY_CHOICES
from core.money import _money_shape, format_money, quantize

CODES = [code for code, _ in CURRENCY_CHOICES]
EDGES = [
    "0",
    "-0",
    "-0.0004",
    "0.005",
    "-0.005",
    "0.015",
    "999.995",
    "1E+3",
    "-1E+14",
    "1234567.891",
]


def test_every_currency_has_a_learned_shape():
    assert [code for code in CODES if _money_shape(code, "en_US") is None] == []


def test_fast_path_writes_what_babel_writes():
    rng = random.Random(12)
    amounts = [Decimal(x) for x in EDGES] + [
        Decimal(rng.randint(-(10**15), 10**15)).scaleb(-rng.randint(0, 6)) for _ in range(40)
    ]
    for code in CODES:
        for amount in amounts:
            expected = format_currency(quantize(amount, code), code, locale="en_US")
            assert format_money(amount, code) == expected, (amount, code)


def test_examples_people_see():
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("-1234.5"), "EUR") == "-€1,234.50"
    assert format_money(Decimal("150000.4"), "JPY") == "¥150,000"
    assert format_money(Decimal("1.2345"), "KWD") == "KWD1.235"
