"""Amounts at the Stripe boundary follow Stripe's table of minor units, not Babel's display
digits: every zero-decimal, three-decimal and special-case currency, and the round trip."""

from decimal import Decimal as D

import pytest

from core.currencies import (
    CURRENCY_CHOICES,
    STRIPE_THREE_DECIMAL,
    STRIPE_WHOLE_UNIT_PAYOUTS,
    STRIPE_WHOLE_UNITS_AS_TWO_DECIMALS,
    STRIPE_ZERO_DECIMAL,
    from_stripe_amount,
    minor_units,
    stripe_amount_step,
    stripe_minor_units,
    to_stripe_amount,
)

# Stripe's lists, written out here so a change to the module's sets is seen by a test.
ZERO = [
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "JPY",
    "KMF",
    "KRW",
    "MGA",
    "PYG",
    "RWF",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
]
THREE = ["BHD", "JOD", "KWD", "OMR", "TND"]


def test_the_tables_are_stripes():
    assert set(ZERO) == STRIPE_ZERO_DECIMAL
    assert set(THREE) == STRIPE_THREE_DECIMAL
    assert {"ISK", "UGX"} == STRIPE_WHOLE_UNITS_AS_TWO_DECIMALS
    assert {"HUF", "TWD"} == STRIPE_WHOLE_UNIT_PAYOUTS


@pytest.mark.parametrize("currency", ZERO)
def test_zero_decimal_currencies_are_sent_as_they_are(currency):
    assert stripe_minor_units(currency) == 0
    assert to_stripe_amount(D("500"), currency) == 500
    assert to_stripe_amount(D("500.000"), currency) == 500  # stored with 3 places
    assert from_stripe_amount(500, currency) == D("500")
    with pytest.raises(ValueError, match="steps of 1"):
        to_stripe_amount(D("500.5"), currency)


@pytest.mark.parametrize("currency", THREE)
def test_three_decimal_currencies_go_in_steps_of_ten(currency):
    assert stripe_minor_units(currency) == 3 and stripe_amount_step(currency) == 10
    assert to_stripe_amount(D("5.120"), currency) == 5120
    assert to_stripe_amount(D("5.12"), currency) == 5120
    assert from_stripe_amount(5120, currency) == D("5.12")
    # Stripe's own example: 5.124 KWD must become 5120 or 5130. We refuse, not round.
    with pytest.raises(ValueError, match="steps of 0.01"):
        to_stripe_amount(D("5.124"), currency)


@pytest.mark.parametrize("currency", ["ISK", "UGX"])
def test_isk_and_ugx_are_whole_units_written_with_two_decimals(currency):
    assert minor_units(currency) == 0  # ISO/CLDR: no minor unit…
    assert stripe_minor_units(currency) == 2  # …Stripe: two decimals, always "00"
    assert stripe_amount_step(currency) == 100
    assert to_stripe_amount(D("5"), currency) == 500  # Stripe: "to charge 5 ISK, … 500"
    assert from_stripe_amount(500, currency) == D("5")
    with pytest.raises(ValueError, match="steps of 1.00"):
        to_stripe_amount(D("5.5"), currency)


@pytest.mark.parametrize(("currency", "balance"), [("HUF", "10.45"), ("TWD", "800.45")])
def test_huf_and_twd_charge_with_decimals_but_pay_out_whole_units(currency, balance):
    assert stripe_minor_units(currency) == 2
    assert to_stripe_amount(D(balance), currency) == int(D(balance) * 100)  # a charge
    whole = D(balance).to_integral_value(rounding="ROUND_DOWN")
    assert to_stripe_amount(whole, currency, payout=True) == int(whole) * 100
    with pytest.raises(ValueError, match="payouts in .* go in steps of 1.00"):
        to_stripe_amount(D(balance), currency, payout=True)


def test_huf_is_not_babels_zero_digits():
    """Babel (CLDR) shows HUF without decimals; a charge computed from that would be a
    hundredth of the invoice."""
    assert minor_units("HUF") == 0
    assert to_stripe_amount(D("5000"), "HUF") == 500_000


def test_two_decimal_currencies_and_lowercase_codes():
    assert to_stripe_amount(D("10.99"), "usd") == 1099
    assert to_stripe_amount(D("0"), "EUR") == 0
    assert from_stripe_amount(1099, "usd") == D("10.99")
    assert from_stripe_amount(-250, "EUR") == D("-2.50")  # a fee on a balance transaction
    with pytest.raises(ValueError, match="steps of 0.01"):
        to_stripe_amount(D("10.995"), "USD")


@pytest.mark.parametrize(
    ("amount", "currency", "error"),
    [
        (D("-1"), "USD", ValueError),
        (D("NaN"), "USD", ValueError),
        (D("Infinity"), "USD", ValueError),
        (D("1"), "XYZ", ValueError),
        (D("1"), "", ValueError),
        (1.5, "USD", TypeError),
        (150, "USD", TypeError),
    ],
)
def test_refused_inputs(amount, currency, error):
    with pytest.raises(error):
        to_stripe_amount(amount, currency)


@pytest.mark.parametrize("value", [True, 10.0, "1000", D("1000")])
def test_stripe_amounts_read_back_are_ints(value):
    with pytest.raises(TypeError):
        from_stripe_amount(value, "USD")


@pytest.mark.parametrize("payout", [False, True])
def test_every_currency_round_trips_exactly_or_is_refused(payout):
    """For every currency people invoice in and a spread of amounts with 0 to 3 decimal
    places: either Stripe's integer carries the amount exactly (and reads back equal, and
    sits on the currency's step), or it is refused. Nothing is rounded."""
    amounts = [D(a) for a in ("0", "1", "7", "10.5", "10.45", "5.12", "5.125", "1234.560")]
    for code, _ in CURRENCY_CHOICES:
        step = stripe_amount_step(code, payout=payout)
        for amount in amounts:
            try:
                sent = to_stripe_amount(amount, code, payout=payout)
            except ValueError:
                scaled = amount.scaleb(stripe_minor_units(code))
                assert scaled != scaled.to_integral_value() or int(scaled) % step, (code, amount)
                continue
            assert sent % step == 0, (code, amount)
            assert from_stripe_amount(sent, code) == amount, (code, amount)
