"""Engagements: created under one pay model with its terms; the terms that priced an
invoice are frozen once it exists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User, Workspace
from accounts.services import audit_record
from engagements.models import BillingClaim, Client, Engagement, PayModel
from engagements.pay_models import BILLING_TERMS, TERMS
from engagements.services._base import UNSET, Unset, apply_changes, given, save_validated


def engagement_validate_terms(engagement: Engagement) -> None:
    errors = {
        name: "Required for this pay model."
        for name in TERMS[engagement.pay_model].required
        if getattr(engagement, name) in (None, "")
    }
    if (
        engagement.pay_model == PayModel.RETAINER
        and engagement.rollover_expiry_months
        and not (engagement.rollover_cap_hours)
    ):
        errors["rollover_cap_hours"] = "Set a rollover cap, or leave expiry empty."
    if errors:
        raise ValidationError(errors)


def _is_billed(engagement: Engagement) -> bool:
    return BillingClaim.objects.filter(engagement=engagement, released_at__isnull=True).exists()


@transaction.atomic
def engagement_create(
    *,
    workspace: Workspace,
    actor: User | None,
    client: Client,
    name: str | Unset = UNSET,
    description: str | Unset = UNSET,
    pay_model: str | Unset = UNSET,
    status: str | Unset = UNSET,
    currency: str | Unset = UNSET,
    start_date: dt.date | Unset = UNSET,
    end_date: dt.date | None | Unset = UNSET,
    benefits_contribution_percent: Decimal | None | Unset = UNSET,
    estimated_hours_per_week: Decimal | None | Unset = UNSET,
    hourly_rate: Decimal | None | Unset = UNSET,
    weekly_hour_cap: Decimal | None | Unset = UNSET,
    retainer_fee: Decimal | None | Unset = UNSET,
    retainer_included_hours: Decimal | None | Unset = UNSET,
    retainer_overage_rate: Decimal | None | Unset = UNSET,
    rollover_cap_hours: Decimal | None | Unset = UNSET,
    rollover_expiry_months: int | None | Unset = UNSET,
    billing_day: int | None | Unset = UNSET,
    revenue_share_percent: Decimal | None | Unset = UNSET,
    revenue_share_floor: Decimal | None | Unset = UNSET,
    revenue_share_cap: Decimal | None | Unset = UNSET,
    revenue_period: str | Unset = UNSET,
    revenue_basis: str | Unset = UNSET,
) -> Engagement:
    fields = given(
        name=name,
        description=description,
        pay_model=pay_model,
        status=status,
        currency=currency,
        start_date=start_date,
        end_date=end_date,
        benefits_contribution_percent=benefits_contribution_percent,
        estimated_hours_per_week=estimated_hours_per_week,
        hourly_rate=hourly_rate,
        weekly_hour_cap=weekly_hour_cap,
        retainer_fee=retainer_fee,
        retainer_included_hours=retainer_included_hours,
        retainer_overage_rate=retainer_overage_rate,
        rollover_cap_hours=rollover_cap_hours,
        rollover_expiry_months=rollover_expiry_months,
        billing_day=billing_day,
        revenue_share_percent=revenue_share_percent,
        revenue_share_floor=revenue_share_floor,
        revenue_share_cap=revenue_share_cap,
        revenue_period=revenue_period,
        revenue_basis=revenue_basis,
    )
    return engagement_create_from(workspace=workspace, actor=actor, client=client, fields=fields)


def engagement_create_from(
    *, workspace: Workspace, actor: User | None, client: Client, fields: dict[str, Any]
) -> Engagement:
    """`engagement_create` for callers that pass it on (a proposal): `fields` are the
    keywords `engagement_create` was given. Inside the caller's transaction."""
    if client.workspace_id != workspace.pk:  # defence in depth: forms scope choices too
        raise ValidationError({"client": "Choose one of your clients."})
    engagement = Engagement(workspace=workspace, client=client, **fields)
    if not engagement.currency:
        engagement.currency = client.currency
    engagement_validate_terms(engagement)
    save_validated(engagement)
    audit_record(
        workspace=workspace,
        actor=actor,
        action="engagement.create",
        obj=engagement,
        pay_model=engagement.pay_model,
    )
    return engagement


@transaction.atomic
def engagement_update(
    *,
    engagement: Engagement,
    actor: User,
    client: Client | Unset = UNSET,
    name: str | Unset = UNSET,
    description: str | Unset = UNSET,
    pay_model: str | Unset = UNSET,
    status: str | Unset = UNSET,
    currency: str | Unset = UNSET,
    start_date: dt.date | Unset = UNSET,
    end_date: dt.date | None | Unset = UNSET,
    benefits_contribution_percent: Decimal | None | Unset = UNSET,
    estimated_hours_per_week: Decimal | None | Unset = UNSET,
    hourly_rate: Decimal | None | Unset = UNSET,
    weekly_hour_cap: Decimal | None | Unset = UNSET,
    retainer_fee: Decimal | None | Unset = UNSET,
    retainer_included_hours: Decimal | None | Unset = UNSET,
    retainer_overage_rate: Decimal | None | Unset = UNSET,
    rollover_cap_hours: Decimal | None | Unset = UNSET,
    rollover_expiry_months: int | None | Unset = UNSET,
    billing_day: int | None | Unset = UNSET,
    revenue_share_percent: Decimal | None | Unset = UNSET,
    revenue_share_floor: Decimal | None | Unset = UNSET,
    revenue_share_cap: Decimal | None | Unset = UNSET,
    revenue_period: str | Unset = UNSET,
    revenue_basis: str | Unset = UNSET,
) -> Engagement:
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    fields = given(
        client=client,
        name=name,
        description=description,
        pay_model=pay_model,
        status=status,
        currency=currency,
        start_date=start_date,
        end_date=end_date,
        benefits_contribution_percent=benefits_contribution_percent,
        estimated_hours_per_week=estimated_hours_per_week,
        hourly_rate=hourly_rate,
        weekly_hour_cap=weekly_hour_cap,
        retainer_fee=retainer_fee,
        retainer_included_hours=retainer_included_hours,
        retainer_overage_rate=retainer_overage_rate,
        rollover_cap_hours=rollover_cap_hours,
        rollover_expiry_months=rollover_expiry_months,
        billing_day=billing_day,
        revenue_share_percent=revenue_share_percent,
        revenue_share_floor=revenue_share_floor,
        revenue_share_cap=revenue_share_cap,
        revenue_period=revenue_period,
        revenue_basis=revenue_basis,
    )
    changed = apply_changes(engagement, fields)
    frozen = sorted(BILLING_TERMS.intersection(changed))
    if frozen and _is_billed(engagement):
        raise ValidationError(
            {
                term: "Already invoiced under these terms; end this engagement and start a new one."
                for term in frozen
            }
        )
    engagement_validate_terms(engagement)
    save_validated(engagement)
    audit_record(
        workspace=engagement.workspace,
        actor=actor,
        action="engagement.update",
        obj=engagement,
        fields=changed,
    )
    return engagement
