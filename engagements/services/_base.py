"""What the engagements services share: validate-then-save, applying the fields a caller
gave (and only those), audited deletes, and the invoiced-once freeze."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.services import audit_record
from accounts.tenancy import TenantModel
from engagements.models import BillingClaim


def save_validated(obj: TenantModel, *, exclude: list[str] | None = None) -> None:
    """full_clean (field and constraint errors as ValidationError), then save."""
    obj.full_clean(exclude=exclude)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:  # a race past full_clean's checks
        raise ValidationError("This conflicts with a record saved at the same time.") from exc


def apply_changes(obj: TenantModel, fields: Mapping[str, Any]) -> list[str]:
    """Set the fields whose value differs; the names of those changed."""
    changed = []
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def delete_audited(
    record: TenantModel, *, actor: User, action: str, details: Mapping[str, str] | None = None
) -> None:
    """The audit entry first (it names the row), then the row. Inside the caller's
    transaction."""
    audit_record(
        workspace=record.workspace, actor=actor, action=action, obj=record, details=details or {}
    )
    record.delete()


def ensure_not_billed(kind: str, source_id: int | None) -> None:
    if (
        source_id
        and BillingClaim.objects.filter(
            kind=kind, source_id=source_id, released_at__isnull=True
        ).exists()
    ):
        raise ValidationError("Already invoiced: change it through a credit note instead.")
