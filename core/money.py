"""Money arithmetic: Decimal only, rounded once, to the currency's minor unit.

Amounts are stored with 3 decimal places (the most any ISO currency uses: KWD, BHD…) and
rates with 4; every amount a person sees or is billed is `quantize`d to its currency
(JPY 0 places, USD 2, KWD 3) with ROUND_HALF_UP, the convention invoices use."""

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from core.currencies import minor_units

ZERO = Decimal("0")
AMOUNT_PLACES = 3
RATE_PLACES = 4
AMOUNT_DIGITS = 18
# The largest magnitude an AmountField (18 digits, 3 places) stores: below 10^15.
AMOUNT_MAX = Decimal(10) ** (AMOUNT_DIGITS - AMOUNT_PLACES) - Decimal(1).scaleb(-AMOUNT_PLACES)


def fits_amount(amount: Decimal) -> bool:
    return abs(amount) <= AMOUNT_MAX


def ensure_amounts_fit(**amounts: Decimal) -> None:
    """A service's guard before it stores what it computed (quantity × price, a total): a
    figure the amount column cannot hold is a field error on the input that produced it,
    never the database's numeric overflow (a 500)."""
    errors = {
        field: ValidationError(
            "This makes an amount too large to store (at most 999,999,999,999,999.999).",
            code="amount_too_large",
        )
        for field, amount in amounts.items()
        if not fits_amount(amount)
    }
    if errors:
        raise ValidationError(errors)


def quantize(amount: Decimal, currency: str) -> Decimal:
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be Decimal, not {type(amount).__name__}")
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str, locale: str = "en_US") -> str:
    """1234.5 USD → "$1,234.50", rounded as it is billed. For text that leaves the app
    (invoice lines, emails) as much as for pages.

    Babel reads its locale data and parses the currency pattern on every call (about
    0.1 ms; a list page formats a hundred amounts), so the shape babel gives each
    (currency, locale) is learned once and applied with Python's own grouping; where
    that shape is not plain "prefix, grouped digits, suffix" babel formats every time."""
    value = quantize(amount, currency)
    shape = _money_shape(currency, locale) if value.is_finite() else None
    if shape is None:
        from babel.numbers import format_currency

        return format_currency(value, currency, locale=locale)
    return shape.apply(value)


@dataclass(frozen=True)
class _MoneyShape:
    """How babel writes one currency in one locale, as affixes around Python's grouped
    digits ("," thousands, "." decimals). Babel counts -0.00 as negative; so does this."""

    places: int
    prefix: str
    suffix: str
    negative_prefix: str
    negative_suffix: str

    def apply(self, value: Decimal) -> str:
        digits = format(abs(value), f",.{self.places}f")
        if value.is_signed():
            return f"{self.negative_prefix}{digits}{self.negative_suffix}"
        return f"{self.prefix}{digits}{self.suffix}"


# Probes the learned shape must reproduce exactly before it replaces babel: grouping of
# millions and beyond, zero and negative zero, rounding at the minor unit, a small negative.
_SHAPE_PROBES = tuple(
    Decimal(x) for x in ("1234567.891", "-1234567.891", "0", "-0.001", "0.5", "-12.345", "1E+14")
)


@functools.lru_cache(maxsize=1024)
def _money_shape(currency: str, locale: str) -> _MoneyShape | None:
    from babel.numbers import format_currency

    places = minor_units(currency)

    def affixes(probe: Decimal) -> tuple[str, str] | None:
        value = quantize(probe, currency)
        text = format_currency(value, currency, locale=locale)
        digits = format(abs(value), f",.{places}f")
        if text.count(digits) != 1:
            return None
        before, after = text.split(digits)
        return before, after

    positive, negative = affixes(Decimal("1234567.891")), affixes(Decimal("-1234567.891"))
    if positive is None or negative is None:
        return None
    shape = _MoneyShape(places, *positive, *negative)
    for probe in _SHAPE_PROBES:
        value = quantize(probe, currency)
        if shape.apply(value) != format_currency(value, currency, locale=locale):
            return None
    return shape


def format_rate(rate: Decimal, currency: str, locale: str = "en_US") -> str:
    """A price per unit: the currency's own decimals, plus any further ones the rate has
    (up to 4), so 3 × €33.335 reads as it is billed, not as 3 × €33.34."""
    from babel.numbers import format_currency

    places = minor_units(currency)
    pattern = "¤#,##0" + ("." + "0" * places if places else "") + "#" * (RATE_PLACES - places)
    if not places:
        pattern = "¤#,##0." + "#" * RATE_PLACES
    return format_currency(rate, currency, locale=locale, format=pattern, currency_digits=False)


def decimal_input(value: Decimal, places: int = 0) -> str:
    """A Decimal as the text of a form field (or any plain figure): at least `places`
    decimals, more only where the value has them, never exponent notation. `str()` of a
    normalised Decimal is not text for people: 600000.00 normalises to 6E+5, 480 to
    4.8E+2. An amount prefills as 600000.00 (its currency's places), a rate as 0.9235,
    a quantity as 1.5."""
    if not isinstance(value, Decimal):
        raise TypeError(f"expected a Decimal, not {type(value).__name__}")
    trimmed = value.normalize()
    if int(trimmed.as_tuple().exponent) > -places:
        trimmed = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format(trimmed, "f")


def amount_input(amount: Decimal, currency: str) -> str:
    """An amount as a form field's text, to its currency's places: 600000 USD → "600000.00"."""
    return decimal_input(quantize(amount, currency), minor_units(currency))


def minutes_to_hours(minutes: int) -> Decimal:
    """Exact for display to 2 places; arithmetic stays in minutes (see `minutes_amount`)."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def minutes_amount(minutes: int, hourly_rate: Decimal, currency: str) -> Decimal:
    """minutes × rate / 60, rounded once at the end (never per entry before summing)."""
    return quantize(Decimal(minutes) * hourly_rate / 60, currency)


class AmountField(models.DecimalField):  # type: ignore[type-arg]
    """An amount of money in any currency: 18 digits, 3 decimal places."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", AMOUNT_DIGITS)
        kwargs.setdefault("decimal_places", AMOUNT_PLACES)
        super().__init__(*args, **kwargs)


class RateField(models.DecimalField):  # type: ignore[type-arg]
    """A price per unit (hourly rate, unit price): 18 digits, 4 decimal places."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", RATE_PLACES)
        super().__init__(*args, **kwargs)
