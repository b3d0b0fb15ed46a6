"""Fields and checks shared by the invoicing serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.money import quantize
from invoicing.models import TaxRate


class CurrencyAmountField(serializers.DecimalField):
    """A stored amount rendered in its currency's minor unit. `currency` is a dotted path
    from the object to its currency code (a line's is its invoice's)."""

    def __init__(self, attr: str | None = None, currency: str = "currency", **kwargs: Any) -> None:
        self.attr, self.currency_path = attr, currency
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=None, decimal_places=None, source="*", **kwargs)

    def bind(self, field_name: str, parent: Any) -> None:
        super().bind(field_name, parent)
        self.attr = self.attr or field_name

    def to_representation(self, value: Any) -> Any:
        amount = getattr(value, self.attr or "")
        if amount is None:
            return None
        currency = value
        for part in self.currency_path.split("."):
            currency = getattr(currency, part)
        return super().to_representation(quantize(amount, currency))


def usable_tax_rate(tax_rate: TaxRate | None, current: TaxRate | None = None) -> TaxRate | None:
    if tax_rate is not None and tax_rate.archived and tax_rate != current:
        raise serializers.ValidationError("This tax rate is archived.", code="archived")
    return tax_rate
