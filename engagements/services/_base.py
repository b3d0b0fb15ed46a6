"""What the engagements services share: validate-then-save, applying the fields a caller
gave (and only those), audited deletes. (What invoices freeze is `engagements.frozen`.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.services import audit_record
from accounts.tenancy import TenantModel


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
