"""Tax rates, the workspace's invoicing setting offered on each line. Exchange rates are
invoicing.services.exchange_rates; reminder rules and the late fee policy live with their
schedules (reminders, late_fees).

A tax rate is never deleted: lines keep the rate they used (and a copy of its name and
percent), so a rate that is no longer offered is archived instead."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User, Workspace
from accounts.services import audit_record
from invoicing.models import TaxRate


@transaction.atomic
def tax_rate_save(
    *,
    workspace: Workspace,
    actor: User,
    tax_rate: TaxRate | None = None,
    name: str,
    percent: Decimal,
    inclusive: bool = False,
) -> TaxRate:
    if tax_rate is not None and tax_rate.workspace_id != workspace.pk:
        raise ValidationError("Choose one of your tax rates.")
    row: TaxRate = (
        TaxRate.objects.select_for_update().get(pk=tax_rate.pk)
        if tax_rate is not None
        else TaxRate(workspace=workspace)
    )
    row.name, row.percent, row.inclusive = name.strip(), percent, inclusive
    row.full_clean()
    row.save()
    audit_record(
        workspace=workspace,
        actor=actor,
        action="tax_rate.update" if tax_rate is not None else "tax_rate.create",
        obj=row,
        details={"name": row.name, "percent": str(row.percent), "inclusive": row.inclusive},
    )
    return row


@transaction.atomic
def tax_rate_archive(*, tax_rate: TaxRate, actor: User, archived: bool = True) -> TaxRate:
    row: TaxRate = TaxRate.objects.select_for_update().get(pk=tax_rate.pk)
    if row.archived == archived:
        return row
    row.archived = archived
    row.save(update_fields=["archived"])
    audit_record(
        workspace=row.workspace,
        actor=actor,
        action="tax_rate.archive" if archived else "tax_rate.unarchive",
        obj=row,
    )
    return row
