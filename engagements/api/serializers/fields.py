"""Fields the engagements serializers share: money, hours, and whether a record is invoiced."""

from __future__ import annotations

from rest_framework import serializers


class MoneyField(serializers.DecimalField):
    """An amount already rounded to its currency (JPY "1500", USD "12.50", KWD "1.250")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=None, decimal_places=None, **kwargs)


class HoursField(serializers.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=8, decimal_places=2, **kwargs)


class InvoicedField(serializers.BooleanField):
    """True once an invoice has claimed the record: it can no longer change or go. Read
    from the `invoiced` annotation of the viewset's queryset; a record just written through
    a service is not invoiced (a service refuses to change one that is)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return bool(getattr(value, "invoiced", False))
