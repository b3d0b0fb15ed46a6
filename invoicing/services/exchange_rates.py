"""Exchange rates to the workspace's base currency, one per currency and day: the rate
a payment is converted at is the latest on or before the day it was received."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.dates import ensure_sane_dates
from invoicing.models import (
    ExchangeRate,
)


def rate_to_base(*, workspace: Workspace, currency: str, on: dt.date) -> Decimal | None:
    """The rate in force on a date: the latest stored on or before it."""
    if currency == workspace.base_currency:
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(workspace=workspace, currency=currency, date__lte=on)
        .order_by("-date")
        .values_list("rate", flat=True)
        .first()
    )


@transaction.atomic
def exchange_rate_save(
    *, workspace: Workspace, actor: User, currency: str, date: dt.date, rate: Decimal
) -> ExchangeRate:
    ensure_sane_dates(date=date)
    if currency == workspace.base_currency:
        raise ValidationError({"currency": "That is the base currency (its rate is 1)."})
    row = ExchangeRate.objects.filter(workspace=workspace, currency=currency, date=date).first()
    row = row or ExchangeRate(workspace=workspace, currency=currency, date=date)
    row.rate = rate
    row.full_clean()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ValidationError("A rate for this day was saved at the same time.") from exc
    audit_record(
        workspace=workspace,
        actor=actor,
        action="exchange_rate.save",
        obj=row,
        details={"currency": currency, "rate": str(rate)},
    )
    return row
