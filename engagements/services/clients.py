"""Clients and the people at them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.inputs import UNSET, Unset, given
from engagements.models import Client, Contact
from engagements.services._base import (
    apply_changes,
    delete_audited,
    save_validated,
)


@transaction.atomic
def client_create(
    *,
    workspace: Workspace,
    actor: User | None,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    contact_name: str | Unset = UNSET,
    currency: str | Unset = UNSET,
    payment_terms_days: int | None | Unset = UNSET,
    billing_address: str | Unset = UNSET,
    country: str | Unset = UNSET,
    tax_id: str | Unset = UNSET,
    notes: str | Unset = UNSET,
) -> Client:
    fields = given(
        name=name,
        email=email,
        contact_name=contact_name,
        currency=currency,
        payment_terms_days=payment_terms_days,
        billing_address=billing_address,
        country=country,
        tax_id=tax_id,
        notes=notes,
    )
    client = Client(workspace=workspace, **fields)
    if not client.currency:
        client.currency = workspace.base_currency
    save_validated(client)
    audit_record(workspace=workspace, actor=actor, action="client.create", obj=client)
    return client


@transaction.atomic
def client_update(
    *,
    client: Client,
    actor: User,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    contact_name: str | Unset = UNSET,
    currency: str | Unset = UNSET,
    payment_terms_days: int | None | Unset = UNSET,
    billing_address: str | Unset = UNSET,
    country: str | Unset = UNSET,
    tax_id: str | Unset = UNSET,
    notes: str | Unset = UNSET,
) -> Client:
    changed = apply_changes(
        client,
        given(
            name=name,
            email=email,
            contact_name=contact_name,
            currency=currency,
            payment_terms_days=payment_terms_days,
            billing_address=billing_address,
            country=country,
            tax_id=tax_id,
            notes=notes,
        ),
    )
    save_validated(client)
    audit_record(
        workspace=client.workspace,
        actor=actor,
        action="client.update",
        obj=client,
        details={"fields": sorted(changed)},
    )
    return client


@transaction.atomic
def client_archive(*, client: Client, actor: User, archived: bool = True) -> Client:
    """Clients are archived, not deleted, once anything refers to them (engagements
    protect them at the database level too)."""
    client.archived_at = timezone.now() if archived else None
    client.save(update_fields=["archived_at"])
    audit_record(
        workspace=client.workspace,
        actor=actor,
        action="client.archive" if archived else "client.unarchive",
        obj=client,
    )
    return client


@transaction.atomic
def client_delete(*, client: Client, actor: User) -> None:
    if client.engagements.exists():
        raise ValidationError("This client has engagements: archive it instead.")
    delete_audited(client, actor=actor, action="client.delete", details={"name": client.name})


@transaction.atomic
def contact_save(
    *,
    client: Client,
    actor: User,
    contact: Contact | None = None,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    phone: str | Unset = UNSET,
    role: str | Unset = UNSET,
    is_billing: bool | Unset = UNSET,
) -> Contact:
    contact = contact or Contact(workspace=client.workspace, client=client)
    apply_changes(
        contact, given(name=name, email=email, phone=phone, role=role, is_billing=is_billing)
    )
    save_validated(contact)
    audit_record(workspace=client.workspace, actor=actor, action="contact.save", obj=contact)
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, actor: User) -> None:
    """Contacts are never billed, so nothing freezes them."""
    delete_audited(contact, actor=actor, action="contact.delete", details={"name": contact.name})
