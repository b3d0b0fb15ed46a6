"""The client's link to a finalised invoice: issue (replacing the previous one), revoke,
and look an invoice up by its token. Only the token's hash is stored."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.tokens import hash_token
from invoicing.models import (
    Invoice,
    RetiredInvoiceLink,
)
from invoicing.services.events import event
from invoicing.services.state import (
    Status,
    lock_invoice,
)


@transaction.atomic
def invoice_link_issue(*, invoice: Invoice, actor: User | None) -> str:
    """A fresh client link (the previous one stops working). Returns the token."""
    invoice = lock_invoice(invoice)
    if invoice.status == Status.DRAFT:
        raise ValidationError("Finalise the invoice before sharing it.")
    if invoice.token_hash:  # the link it replaces answers "replaced", not 404
        RetiredInvoiceLink.objects.get_or_create(
            token_hash=invoice.token_hash,
            defaults={"workspace_id": invoice.workspace_id, "invoice": invoice},
        )
    invoice.link_version += 1
    token = _link_token(invoice)
    invoice.token_hash = hash_token(token)
    invoice.link_revoked_at = None
    invoice.save(update_fields=["token_hash", "link_version", "link_revoked_at"])
    event(invoice, "link_issued", actor, data={"version": invoice.link_version})
    return token


def _link_token(invoice: Invoice) -> str:
    from django.utils.crypto import salted_hmac

    return salted_hmac(
        "invoicing.link", f"{invoice.pk}:{invoice.link_version}", algorithm="sha256"
    ).hexdigest()


def invoice_link_current(invoice: Invoice) -> str | None:
    """The token of the invoice's working link, to put in an email, or None when it has
    none (never shared, or revoked)."""
    if not invoice.token_hash or invoice.link_revoked_at:
        return None
    token = _link_token(invoice)
    return token if hash_token(token) == invoice.token_hash else None


@transaction.atomic
def invoice_link_revoke(*, invoice: Invoice, actor: User) -> Invoice:
    invoice = lock_invoice(invoice)
    if invoice.token_hash and not invoice.link_revoked_at:
        invoice.link_revoked_at = timezone.now()
        invoice.save(update_fields=["link_revoked_at"])
        event(invoice, "link_revoked", actor)
    return invoice


def invoice_from_token(*, token: str) -> Invoice | None:
    """The token is the credential and names one invoice: crossing tenants is deliberate."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        return (
            Invoice.objects.select_related("workspace", "client")
            .filter(token_hash=hash_token(token))
            .first()
        )


def invoice_from_retired_token(*, token: str) -> Invoice | None:
    """The invoice an old, replaced link was for (to say whom to ask), or None. Crosses
    tenants like `invoice_from_token`, for the same reason."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        retired = (
            RetiredInvoiceLink.objects.select_related("invoice__workspace")
            .filter(token_hash=hash_token(token))
            .first()
        )
    return retired.invoice if retired else None
