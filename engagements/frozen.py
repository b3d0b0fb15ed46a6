"""Which of an engagement's facts are frozen by invoices: the one answer every writer asks.

An invoice claims items (`BillingClaim`); what decided a claimed amount must not change
while the claim is live (until the invoice is voided or the line leaves its draft), or the
invoice and the records would disagree. `freeze_of(engagement)` reads the live claims once
and answers:

- **Items with their own claim** (a time entry of an hourly engagement, a milestone, an
  outcome, a revenue report, an expense): frozen one by one. Other items of the same
  kind stay free, because each bills on its own: a back-dated expense or hourly entry
  simply bills on the next invoice.
- **Retainer usage through the last period whose overage is claimed** (`usage_through`).
  A period's overage depends on the time of that period and, through rollover, of every
  earlier one, so all time on or before the end of that period is frozen: logging,
  editing or deleting it, or moving an entry into or out of it. A retainer period with
  only its fee claimed (billed in advance, on its first day) leaves its time free: the fee
  does not depend on time, and the period's own overage is billed after it ends.
- **The engagement's dated facts through the last period with a fee or overage claimed**
  (`dates_through`): its end date and its pauses decide each period's active days, so a
  period's fee and included hours (see `engagements.retainers`). A change of those facts
  must leave every day up to that period's end as it was.
- **Billing terms once anything is claimed** (`any_claim`): rate, fee, included hours,
  pay model, currency, start date… (`engagements.pay_models.BILLING_TERMS`).

Writers call it after taking the engagement's row lock (`engagements.services.locks`);
claims are made under the same lock, so the answer holds until the writer commits.

The messages name the invoice, through a labeller the invoicing app registers (this app
sits below invoicing and cannot read its rows): "This period is already invoiced
(INV-0003); void that invoice to change it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from core.dates import add_months
from engagements.models import BillingClaim, Engagement, PayModel

Kind = BillingClaim.Kind


# --- Naming the invoice ----------------------------------------------------------------------
@dataclass(frozen=True)
class ClaimHolder:
    """What a claim's `claimed_for` names, as a person reads it."""

    label: str  # "INV-0003", "draft 12"
    draft: bool  # a draft: removing the line releases it; otherwise voiding does


ClaimLabeller = Callable[[str], ClaimHolder | None]
_labellers: list[ClaimLabeller] = []


def register_claim_labeller(labeller: ClaimLabeller) -> None:
    """Called by an app that claims items (invoicing, in its AppConfig.ready) to name
    what its references mean; the first labeller that knows a reference wins."""
    if labeller not in _labellers:
        _labellers.append(labeller)


def claim_holder(ref: str) -> ClaimHolder:
    for labeller in _labellers:
        holder = labeller(ref)
        if holder is not None:
            return holder
    return ClaimHolder(label=ref, draft=False)


def _remedy(ref: str) -> str:
    """ "(INV-0003); void that invoice to change it" for the end of a message."""
    holder = claim_holder(ref)
    if holder.draft:
        return f"({holder.label}); remove it from that draft to change it"
    return f"({holder.label}); void that invoice to change it"


# --- The answer ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Freeze:
    """What live claims freeze on one engagement. Dates are inclusive."""

    usage_through: dt.date | None = None  # retainer time on or before: frozen
    usage_ref: str = ""
    dates_through: dt.date | None = None  # end date and pauses, on or before: frozen
    dates_ref: str = ""
    items: dict[tuple[str, int], str] = field(default_factory=dict)  # (kind, id) → ref
    any_claim: str = ""  # a ref of some live claim, "" when none

    def item_frozen(self, kind: str, source_id: int | None) -> bool:
        return source_id is not None and (kind, source_id) in self.items

    def time_frozen(self, day: dt.date) -> bool:
        return self.usage_through is not None and day <= self.usage_through

    def ensure_item_open(self, kind: str, source_id: int | None) -> None:
        """An item with its own live claim cannot change or go."""
        if source_id is not None and (kind, source_id) in self.items:
            raise ValidationError(f"Already invoiced {_remedy(self.items[(kind, source_id)])}.")

    def ensure_time_open(self, day: dt.date, *, field: str | None = "date") -> None:
        """Time on `day` cannot be logged, changed or removed: its period is invoiced."""
        if self.time_frozen(day):
            message = f"This period is already invoiced {_remedy(self.usage_ref)}."
            raise ValidationError({field: message} if field else message)

    def ensure_dates_open(self, first_changed: dt.date, *, field: str) -> None:
        """A change of the engagement's dated facts (its end, a pause) whose first
        affected day is `first_changed` must leave every invoiced period as it was."""
        if self.dates_through is not None and first_changed <= self.dates_through:
            raise ValidationError(
                {
                    field: f"The periods up to {self.dates_through:%d %b %Y} are already "
                    f"invoiced {_remedy(self.dates_ref)}; choose a later date."
                }
            )

    def ensure_terms_open(self, changed: Iterable[str]) -> None:
        """Terms that priced something invoiced cannot change."""
        changed = sorted(changed)
        if changed and self.any_claim:
            holder = claim_holder(self.any_claim)
            raise ValidationError(
                {
                    term: f"Already invoiced under these terms ({holder.label}); end this "
                    "engagement and start a new one."
                    for term in changed
                }
            )


def _period_end(engagement: Engagement, period_start: dt.date) -> dt.date:
    """The last day of the retainer period starting on `period_start`."""
    billing_day = engagement.billing_day or 1
    return add_months(period_start, 1, billing_day) - dt.timedelta(days=1)


def freezes_of(engagements: Iterable[Engagement]) -> dict[int, Freeze]:
    """`freeze_of` for several engagements, in one query."""
    by_id = {engagement.pk: engagement for engagement in engagements}
    claims: dict[int, list[tuple[str, int | None, dt.date | None, str]]] = {pk: [] for pk in by_id}
    for engagement_id, kind, source_id, period_start, ref in (
        BillingClaim.objects.filter(engagement_id__in=list(by_id), released_at__isnull=True)
        .order_by("pk")
        .values_list("engagement_id", "kind", "source_id", "period_start", "claimed_for")
    ):
        claims[engagement_id].append((kind, source_id, period_start, ref))
    return {pk: _freeze(by_id[pk], rows) for pk, rows in claims.items()}


def freeze_of(engagement: Engagement) -> Freeze:
    """What the engagement's live claims freeze (one query). Call it under the
    engagement's row lock when deciding a write."""
    return freezes_of([engagement])[engagement.pk]


def _freeze(
    engagement: Engagement, claims: list[tuple[str, int | None, dt.date | None, str]]
) -> Freeze:
    items: dict[tuple[str, int], str] = {}
    usage: tuple[dt.date, str] | None = None
    dates: tuple[dt.date, str] | None = None
    for kind, source_id, period_start, ref in claims:
        if source_id is not None:
            items[(kind, source_id)] = ref
            continue
        if period_start is None or engagement.pay_model != PayModel.RETAINER:
            continue
        end = _period_end(engagement, period_start)
        if dates is None or end > dates[0]:
            dates = (end, ref)
        if kind == Kind.RETAINER_OVERAGE and (usage is None or end > usage[0]):
            usage = (end, ref)
    return Freeze(
        usage_through=usage[0] if usage else None,
        usage_ref=usage[1] if usage else "",
        dates_through=dates[0] if dates else None,
        dates_ref=dates[1] if dates else "",
        items=items,
        any_claim=claims[0][3] if claims else "",
    )
