"""Billing claims: the invoice-once lock. Invoicing claims unbilled items for an invoice
and releases them when the invoice is voided or a draft line is removed.

Each record a claim holds by id (time entry, milestone, outcome, revenue report, expense)
carries a `billed` flag, set and cleared here in the same transaction as its claims, with
one UPDATE per kind: unbilled reads filter on it over a partial index instead of an
anti-join on the claims (tests/perf/test_unbilled.py checks flag and claims agree)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Workspace
from engagements.billing import UnbilledItem, unbilled_items
from engagements.models import (
    BillingClaim,
    Engagement,
    Expense,
    Milestone,
    Outcome,
    RevenueReport,
    TimeEntry,
)

Kind = BillingClaim.Kind
# The record each kind of claim holds by its id, and whose `billed` flag it keeps.
CLAIMED_RECORDS: dict[str, type[TimeEntry | Milestone | Outcome | RevenueReport | Expense]] = {
    Kind.TIME: TimeEntry,
    Kind.MILESTONE: Milestone,
    Kind.OUTCOME: Outcome,
    Kind.REVENUE_SHARE: RevenueReport,
    Kind.EXPENSE: Expense,
}


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
    except IntegrityError as exc:
        raise AlreadyBilled("Some items were invoiced at the same time.") from exc
    for kind, ids in _by_kind((c.kind, c.source_id) for c in created).items():
        CLAIMED_RECORDS[kind].objects.filter(workspace=engagement.workspace, pk__in=ids).update(
            billed=True
        )
    return created


def _by_kind(claims: Iterable[tuple[str, int | None]]) -> dict[str, list[int]]:
    """The record ids per kind among claims (period claims hold no record)."""
    ids: dict[str, list[int]] = {}
    for kind, source_id in claims:
        if source_id is not None and kind in CLAIMED_RECORDS:
            ids.setdefault(kind, []).append(source_id)
    return ids


def _release(claims: QuerySet[BillingClaim]) -> int:
    """Release the active claims among `claims`, and clear the `billed` flag of the records
    they held unless another active claim holds one (the unique index allows none, but
    the flag must mean exactly "an active claim exists"). The claims are locked first, so
    two releases of one invoice release (and count) each claim once."""
    rows = list(
        claims.filter(released_at__isnull=True)
        .select_for_update()
        .values_list("pk", "kind", "source_id")
    )
    if not rows:
        return 0
    released: int = BillingClaim.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(
        released_at=timezone.now()
    )
    for kind, ids in _by_kind((kind, source_id) for _, kind, source_id in rows).items():
        still_held = BillingClaim.objects.filter(
            kind=kind, source_id=OuterRef("pk"), released_at__isnull=True
        )
        CLAIMED_RECORDS[kind].objects.filter(pk__in=ids).exclude(Exists(still_held)).update(
            billed=False
        )
    return released


@transaction.atomic
def billing_release(*, workspace: Workspace, claimed_for: str) -> int:
    """Release an invoice's claims (it was voided): the items are billable again."""
    return _release(BillingClaim.objects.filter(workspace=workspace, claimed_for=claimed_for))


@transaction.atomic
def billing_release_sources(*, invoice: ClaimHolder, sources: list[list[str]]) -> int:
    """Release the claims behind one removed draft line (kind + key as stored on it)."""
    if not sources:
        return 0
    keys = Q()
    for kind, key in sources:
        keys |= (
            Q(kind=kind, source_id=int(key))
            if key.isdigit()
            else Q(kind=kind, period_start=dt.date.fromisoformat(key))
        )
    return _release(BillingClaim.objects.filter(keys, claimed_for=invoice.claim_ref))
