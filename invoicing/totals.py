"""Line and invoice arithmetic. Each line is rounded to the currency's minor unit; the
invoice's totals are the sums of its rounded lines, so what is printed always adds up.

Exclusive tax: tax = net × rate. Inclusive tax: the line's price already contains it,
tax = net − net / (1 + rate), and the line total is the net as entered.

A line billing unbilled work passes `gross`, the sum of its claims' amounts: its quantity
(hours to 4 places) and price are shown, but the amount is what was claimed, never
re-priced from a rounded quantity (0.1167 h × 1,000 would be 116.70; 7 minutes at 1,000/h
is 116.67)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.money import ZERO, quantize


@dataclass(frozen=True)
class LineAmounts:
    discount: Decimal
    net: Decimal  # after discount; for inclusive tax, still containing the tax
    tax: Decimal
    total: Decimal
    subtotal: Decimal  # the part before tax (net for exclusive, net − tax for inclusive)


def line_amounts(
    *,
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
    tax_percent: Decimal,
    tax_inclusive: bool,
    currency: str,
    gross: Decimal | None = None,
) -> LineAmounts:
    gross = quantize(quantity * unit_price if gross is None else gross, currency)
    discount = quantize(gross * discount_percent / 100, currency)
    net = gross - discount
    rate = tax_percent / 100
    if tax_inclusive:
        tax = quantize(net - net / (1 + rate), currency) if rate else ZERO
        return LineAmounts(discount, net, tax, net, net - tax)
    tax = quantize(net * rate, currency)
    return LineAmounts(discount, net, tax, net + tax, net)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


def sum_lines(lines: list[LineAmounts], currency: str) -> Totals:
    return Totals(
        subtotal=quantize(sum((x.subtotal for x in lines), ZERO), currency),
        discount=quantize(sum((x.discount for x in lines), ZERO), currency),
        tax=quantize(sum((x.tax for x in lines), ZERO), currency),
        total=quantize(sum((x.total for x in lines), ZERO), currency),
    )


def late_fee(
    *,
    kind: str,
    overdue: Decimal,
    days_late: int,
    fixed_amount: Decimal | None,
    annual_percent: Decimal | None,
    grace_days: int,
    currency: str,
) -> Decimal:
    """A fixed fee once past the grace days, or simple interest per day late on the
    overdue amount (statutory-style: overdue × rate × days / 365)."""
    if overdue <= 0 or days_late <= grace_days:
        return ZERO
    if kind == "fixed":
        return quantize(fixed_amount or ZERO, currency)
    if kind == "interest":
        return quantize(overdue * (annual_percent or ZERO) / 100 * days_late / 365, currency)
    return ZERO
