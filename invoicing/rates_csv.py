"""Exchange rates from a CSV file (`date,currency,rate`), all or nothing: every row is
checked first and the errors are reported by row; only a clean file is saved, in one
transaction, through `exchange_rate_save` (so each row is audited like a hand entry)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User, Workspace
from core.currencies import currency_choices
from invoicing.services.exchange_rates import exchange_rate_save

COLUMNS = ["date", "currency", "rate"]
MAX_ROWS = 5000
MAX_ERRORS = 20


def _parse(text: str, base_currency: str) -> tuple[list[dict[str, Any]], list[str]]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if header != COLUMNS:
        return [], ["The first line must be the header: date,currency,rate."]
    known = {code for code, _ in currency_choices()}
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: dict[tuple[dt.date | None, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(f"More than {MAX_ROWS} rows: split the file.")
            break
        problems = []
        if len(raw) != 3:
            errors.append(f"Row {number}: expected 3 columns, found {len(raw)}.")
            continue
        day_text, currency, rate_text = (cell.strip() for cell in raw)
        currency = currency.upper()
        try:
            day = dt.date.fromisoformat(day_text)
        except ValueError:
            day = None
            problems.append(f"date “{day_text}” is not YYYY-MM-DD")
        if currency not in known:
            problems.append(f"“{currency}” is not a currency code")
        elif currency == base_currency:
            problems.append(f"{currency} is the base currency (its rate is 1)")
        try:
            rate = Decimal(rate_text)
            if not rate.is_finite() or rate <= 0:
                raise InvalidOperation
        except InvalidOperation:
            rate = None
            problems.append(f"rate “{rate_text}” is not a number above zero")
        if day and currency and (day, currency) in seen:
            problems.append(f"{currency} on {day} is also on row {seen[(day, currency)]}")
        if problems:
            errors.append(f"Row {number}: " + "; ".join(problems) + ".")
        else:
            seen[(day, currency)] = number
            rows.append({"date": day, "currency": currency, "rate": rate})
    return rows, errors


@transaction.atomic
def exchange_rates_import(*, workspace: Workspace, actor: User, content: bytes) -> int:
    """Save every row or none. Raises ValidationError listing the bad rows."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("The file is not UTF-8 text.") from exc
    rows, errors = _parse(text, workspace.base_currency)
    if errors:
        more = len(errors) - MAX_ERRORS
        shown = errors[:MAX_ERRORS] + ([f"…and {more} more."] if more > 0 else [])
        raise ValidationError(shown)
    if not rows:
        raise ValidationError("The file has no rates.")
    for row in rows:
        exchange_rate_save(
            workspace=workspace,
            actor=actor,
            currency=row["currency"],
            date=row["date"],
            rate=row["rate"],
        )
    return len(rows)
