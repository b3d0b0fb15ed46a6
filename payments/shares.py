"""How a card payment splits, decided when the PaymentIntent is created and stored on it:

- the **benefits share**, kept on the platform at the moment of payment: the invoice's
  hiring-entity contribution line in proportion to what is paid, plus the professional's
  own percentage (`PaymentSettings.benefits_percent`) of the rest of what is paid;
- the **processing fee** passed on: `STRIPE_FEE_PERCENT` of the amount plus
  `STRIPE_FEE_FIXED` minor units of the currency (Stripe's standard card pricing);
- what **lands** in the connected account: the amount less both.

The share and the fee travel to Stripe as one `application_fee_amount`; each is rounded
half up once to the currency's minor unit. A refund gives back each part pro rata on
the cumulative amount refunded (`refund_split`), so refunding everything gives back each
part exactly."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings

from core.currencies import minor_units
from core.money import ZERO, quantize


@dataclass(frozen=True)
class Split:
    amount: Decimal
    benefits_share: Decimal
    processing_fee: Decimal

    @property
    def application_fee(self) -> Decimal:
        return self.benefits_share + self.processing_fee

    @property
    def landed(self) -> Decimal:
        return self.amount - self.application_fee


def processing_fee(amount: Decimal, currency: str) -> Decimal:
    percent = Decimal(str(settings.STRIPE_FEE_PERCENT))
    fixed = Decimal(int(settings.STRIPE_FEE_FIXED)).scaleb(-minor_units(currency))
    return quantize(amount * percent / 100, currency) + fixed


def payment_split(
    *,
    amount: Decimal,
    currency: str,
    invoice_total: Decimal,
    contribution: Decimal,
    own_percent: Decimal,
) -> Split:
    """The split of a card payment of `amount` on an invoice of `invoice_total` whose
    hiring-entity contribution lines total `contribution`."""
    if invoice_total > 0:
        ratio = (contribution + own_percent / 100 * (invoice_total - contribution)) / invoice_total
    else:
        ratio = own_percent / 100
    share = quantize(amount * max(ratio, ZERO), currency)
    return Split(amount, share, processing_fee(amount, currency))


def minimum_charge(currency: str, *, own_percent: Decimal = ZERO) -> Decimal:
    """The smallest amount whose fee and share leave something to land: fee and share
    grow with the amount, so search upward from the fixed fee (a few steps)."""
    unit = Decimal(1).scaleb(-minor_units(currency))
    amount = max(processing_fee(unit, currency) * 2, unit)
    while (
        payment_split(
            amount=amount,
            currency=currency,
            invoice_total=amount,
            contribution=ZERO,
            own_percent=own_percent,
        ).landed
        <= 0
    ):
        amount *= 2
    return quantize(amount, currency)


def _floor(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_FLOOR)


def refund_split(
    *, payment: Split, currency: str, refunded_before: Decimal, amount: Decimal
) -> Split:
    """What a refund of `amount` gives back of each part, after `refunded_before` was
    already refunded: pro rata on the cumulative refund, rounded down (as Stripe refunds
    an application fee), so the parts of all refunds of a payment sum to its parts."""

    def part(whole: Decimal) -> Decimal:
        after = _floor(whole * (refunded_before + amount) / payment.amount, currency)
        before = _floor(whole * refunded_before / payment.amount, currency)
        return after - before

    return Split(amount, part(payment.benefits_share), part(payment.processing_fee))
