"""How the workspace takes card payments: its benefits share and whether a client may pay
part of an invoice by card."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User, Workspace
from accounts.services import audit_record
from payments.models import PaymentSettings

MAX_BENEFITS_PERCENT = Decimal(50)


@transaction.atomic
def payment_settings_update(
    *, workspace: Workspace, actor: User, benefits_percent: Decimal, allow_partial: bool
) -> PaymentSettings:
    """Save the workspace's payment settings (created on first save). Payments already
    started keep the split they were created with."""
    if not Decimal(0) <= benefits_percent <= MAX_BENEFITS_PERCENT:
        raise ValidationError({"benefits_percent": "Enter a share between 0 and 50 %."})
    found: PaymentSettings | None = (
        PaymentSettings.objects.select_for_update().filter(workspace=workspace).first()
    )
    current = found or PaymentSettings(workspace=workspace)
    before = {
        "benefits_percent": str(current.benefits_percent),
        "allow_partial": current.allow_partial,
    }
    current.benefits_percent = benefits_percent.quantize(Decimal("0.01"))
    current.allow_partial = allow_partial
    current.full_clean(exclude=["workspace"])
    current.save()
    audit_record(
        workspace=workspace,
        actor=actor,
        action="payments.settings_update",
        obj=current,
        details={
            "before": before,
            "after": {
                "benefits_percent": str(current.benefits_percent),
                "allow_partial": current.allow_partial,
            },
        },
    )
    return current
