"""Money and time for templates: `{{ amount|money:currency }}`, `{{ minutes|duration }}`.

Amounts are shown rounded to the currency's minor unit (JPY 0 places, USD 2, KWD 3), the
same rounding `core.money.quantize` applies before anything is billed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal
from django import template

from core.money import decimal_input, format_money, format_rate

register = template.Library()

LOCALE = "en_US"


@register.filter
def money(amount: object, currency: str = "") -> str:
    """A Decimal with its currency: 1234.5 USD → "$1,234.50"; None → "—"."""
    if amount is None or amount == "":
        return "—"
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    if not currency:
        return format_decimal(value, locale=LOCALE)
    return format_money(value, currency, locale=LOCALE)


@register.filter
def rate(amount: object, currency: str = "") -> str:
    """A unit price: the currency's decimals plus any further ones it has (up to 4)."""
    if amount is None or amount == "" or not currency:
        return money(amount, currency)
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return format_rate(value, currency, locale=LOCALE)


@register.filter
def duration(minutes: int | str | None) -> str:
    """Whole minutes as hours and minutes: 90 → "1h 30m", 45 → "45m", 120 → "2h"."""
    if minutes in (None, ""):
        return "—"
    whole = int(minutes)
    sign = "-" if whole < 0 else ""
    hours, rest = divmod(abs(whole), 60)
    if not hours:
        return f"{sign}{rest}m"
    return f"{sign}{hours}h {rest:02d}m" if rest else f"{sign}{hours}h"


@register.filter
def hours(value: Decimal | int | str | None) -> str:
    """A Decimal number of hours without trailing zeros: 7.50 → "7.5", 8.00 → "8"."""
    if value in (None, ""):
        return "—"
    return format_decimal(Decimal(value).normalize(), locale=LOCALE)


@register.filter
def number(value: Decimal | int | str | None) -> str:
    """A plain figure as it is stored, without trailing zeros and never in exponent
    notation: 100.0000 → "100" (not "1E+2"), 0.92350 → "0.9235"."""
    if value in (None, ""):
        return "—"
    return decimal_input(value if isinstance(value, Decimal) else Decimal(str(value)))
