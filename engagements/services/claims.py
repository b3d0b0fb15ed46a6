"""Billing claims: the invoice-once lock. Invoicing claims unbilled items for an invoice
and releases them when the invoice is voided or a draft line is removed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Workspace
from engagements.billing import UnbilledItem, unbilled_items
from engagements.models import BillingClaim, Engagement


class AlreadyBilled(ValidationError):
    pass


class ClaimHolder(Protocol):
    """What holds claims (an invoice; invoicing sits above this app)."""

    @property
    def claim_ref(self) -> str: ...


@transaction.atomic
def billing_claim(
    *, engagement: Engagement, items: Iterable[UnbilledItem], claimed_for: str, as_of: dt.date
) -> list[BillingClaim]:
    """Claim items for an invoice, each for the amount the item carries: the amount the
    invoice line built from the same items bills. The engagement row is locked, so
    concurrent claims on one engagement queue up; each then re-reads what is still
    unbilled and refuses an item that is claimed, gone, or changed since it was read (its
    minutes, rate or amount), and the unique constraints stop anything that slips past.
    All or nothing."""
    Engagement.objects.select_for_update().filter(pk=engagement.pk).first()
    still_open = {item.key: item for item in unbilled_items(engagement, as_of=as_of)}
    wanted = list(items)
    stale = [
        item
        for item in wanted
        if item.key not in still_open or still_open[item.key].basis != item.basis
    ]
    if stale:
        raise AlreadyBilled(
            f"{len(stale)} item(s) are already invoiced, no longer billable, or changed "
            "since they were read."
        )
    claims = [
        BillingClaim(
            workspace=engagement.workspace,
            engagement=engagement,
            kind=item.kind,
            source_id=item.source_id,
            period_start=item.period_start,
            amount=item.amount,
            currency=engagement.currency,
            claimed_for=claimed_for,
        )
        for item in wanted
    ]
    try:
        with transaction.atomic():
            created: list[BillingClaim] = BillingClaim.objects.bulk_create(claims)
            return created
    except IntegrityError as exc:
        raise AlreadyBilled("Some items were invoiced at the same time.") from exc


@transaction.atomic
def billing_release(*, workspace: Workspace, claimed_for: str) -> int:
    """Release an invoice's claims (it was voided): the items are billable again."""
    released: int = BillingClaim.objects.filter(
        workspace=workspace, claimed_for=claimed_for, released_at__isnull=True
    ).update(released_at=timezone.now())
    return released


@transaction.atomic
def billing_release_sources(*, invoice: ClaimHolder, sources: list[list[str]]) -> int:
    """Release the claims behind one removed draft line (kind + key as stored on it)."""
    released = 0
    for kind, key in sources:
        claims = BillingClaim.objects.filter(
            claimed_for=invoice.claim_ref, kind=kind, released_at__isnull=True
        )
        claims = (
            claims.filter(source_id=int(key))
            if key.isdigit()
            else claims.filter(period_start=dt.date.fromisoformat(key))
        )
        released += claims.update(released_at=timezone.now())
    return released
