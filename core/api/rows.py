"""List rows built from `values()`: the list endpoints' read path.

A page of 500 invoices through a ModelSerializer builds 500 model instances and calls
some thirty field objects per row (`to_representation`, `get_attribute`, source paths);
that machinery, not SQL, was most of the list's time. A list whose rows are plain
columns reads them as dicts and formats them here instead, exactly as the serializer's
fields would: the serializer stays the contract (the schema is generated from it, and
tests compare the two outputs row for row).

Each helper is the one DRF field's `to_representation`, for values that are never the
wrong type (they come from the database)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from core.money import AMOUNT_PLACES, quantize


def decimal_text(value: Decimal | None) -> str | None:
    """DecimalField(coerce_to_string=True) without rounding of its own."""
    return None if value is None else f"{value:f}"


def amount_text(value: Decimal | None, currency: str) -> str | None:
    """An amount in its currency's minor unit, as the CurrencyAmountFields render it."""
    return None if value is None else f"{quantize(value, currency):f}"


def date_text(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


class DatetimeText:
    """DateTimeField's ISO 8601 in the request's current time zone, "Z" for UTC. Built
    once per page: the zone is read once, not per value."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone() if settings.USE_TZ else None

    def __call__(self, value: dt.datetime | None) -> str | None:
        if not value:
            return None
        if self.zone is not None:
            value = (
                value.astimezone(self.zone)
                if timezone.is_aware(value)
                else timezone.make_aware(value, self.zone)
            )
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


class AmountText:
    """`amount_text`, fast: a stored amount has exactly 3 decimal places ("1200.500"),
    and when the places its currency does not print are zeros (the services round
    amounts to the currency, so nearly always), rounding changes nothing and the text is
    `str()` cut short. Anything else (another scale, digits to round away, a currency
    with more places than are stored) goes through the same arithmetic as
    core.money.quantize. Each currency's unit is looked up once per page."""

    def __init__(self) -> None:
        # currency → (unit, characters to cut, the zeros that allow the cut)
        self.cuts: dict[str, tuple[Decimal, int, str]] = {}

    def _cut(self, currency: str) -> tuple[Decimal, int, str]:
        unit = quantize(Decimal(1), currency)
        places = -int(unit.as_tuple().exponent)
        if places > AMOUNT_PLACES:
            return unit, -1, ""
        hidden = AMOUNT_PLACES - places
        return unit, hidden + (1 if places == 0 else 0), "0" * hidden

    def __call__(self, value: Decimal | None, currency: str) -> str | None:
        if value is None:
            return None
        cut = self.cuts.get(currency)
        if cut is None:
            cut = self.cuts[currency] = self._cut(currency)
        unit, chars, zeros = cut
        text = str(value)
        if chars >= 0 and text[-4:-3] == "." and text.endswith(zeros):
            return text[: len(text) - chars]
        return f"{value.quantize(unit, rounding=ROUND_HALF_UP):f}"


Row = dict[str, Any]
