"""Engagements: created under one pay model with its terms; the terms that priced an
invoice are frozen once it exists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypedDict, Unpack, cast

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.dates import ensure_sane_dates
from core.inputs import UNSET, Unset, given
from engagements.frozen import freeze_of
from engagements.models import Client, Engagement, EngagementStatus, PayModel
from engagements.pay_models import BILLING_TERMS, TERMS
from engagements.services._base import apply_changes, save_validated
from engagements.services.lifecycle import dated_facts_change
from engagements.services.locks import engagement_lock


class EngagementDraft(TypedDict, total=False):
    """What describes a proposed engagement: the keywords of `proposal_create` (and, with
    `status`, of `engagement_create` / `engagement_update`), each optional. Defined once
    here so the services share one checked list; a term's meaning per pay model lives in
    `engagements.pay_models`. UNSET (or leaving a keyword out) means "not given"."""

    name: str | Unset
    description: str | Unset
    pay_model: str | Unset
    currency: str | Unset
    start_date: dt.date | Unset
    end_date: dt.date | None | Unset
    benefits_contribution_percent: Decimal | None | Unset
    estimated_hours_per_week: Decimal | None | Unset
    hourly_rate: Decimal | None | Unset
    weekly_hour_cap: Decimal | None | Unset
    retainer_fee: Decimal | None | Unset
    retainer_included_hours: Decimal | None | Unset
    retainer_overage_rate: Decimal | None | Unset
    rollover_cap_hours: Decimal | None | Unset
    rollover_expiry_months: int | None | Unset
    billing_day: int | None | Unset
    revenue_share_percent: Decimal | None | Unset
    revenue_share_floor: Decimal | None | Unset
    revenue_share_cap: Decimal | None | Unset
    revenue_period: str | Unset
    revenue_basis: str | Unset


class EngagementFields(EngagementDraft, total=False):
    """An engagement's own fields: a draft's, plus its status."""

    status: str | Unset


def engagement_fields_from(data: Mapping[str, Any]) -> EngagementFields:
    """The engagement fields present in parsed input (a serializer's or a form's data)."""
    return cast(
        EngagementFields, {k: data[k] for k in EngagementFields.__optional_keys__ if k in data}
    )


def engagement_draft_from(data: Mapping[str, Any]) -> EngagementDraft:
    """The draft fields (no status) present in parsed input, for a proposal."""
    return cast(
        EngagementDraft, {k: data[k] for k in EngagementDraft.__optional_keys__ if k in data}
    )


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


@transaction.atomic
def engagement_create(
    *,
    workspace: Workspace,
    actor: User | None,
    client: Client,
    **fields: Unpack[EngagementFields],
) -> Engagement:
    return engagement_create_from(
        workspace=workspace, actor=actor, client=client, fields=given(**fields)
    )


def engagement_create_from(
    *, workspace: Workspace, actor: User | None, client: Client, fields: dict[str, Any]
) -> Engagement:
    """`engagement_create` for callers that pass it on (a proposal): `fields` are the
    keywords `engagement_create` was given. Inside the caller's transaction."""
    if client.workspace_id != workspace.pk:  # defence in depth: forms scope choices too
        raise ValidationError({"client": "Choose one of your clients."})
    ensure_sane_dates(start_date=fields.get("start_date"), end_date=fields.get("end_date"))
    engagement = Engagement(workspace=workspace, client=client, **fields)
    if not engagement.currency:
        engagement.currency = client.currency
    engagement_validate_terms(engagement)
    # Created with a status: an ended one needs its end date; a pause needs a day, so an
    # engagement is paused after it exists (`engagement_pause`).
    if engagement.status == EngagementStatus.ENDED and engagement.end_date is None:
        raise ValidationError({"end_date": "Give the day the engagement ends."})
    if engagement.status == EngagementStatus.PAUSED:
        raise ValidationError({"status": "Create it active, then pause it from a day."})
    save_validated(engagement)
    audit_record(
        workspace=workspace,
        actor=actor,
        action="engagement.create",
        obj=engagement,
        details={"pay_model": engagement.pay_model},
    )
    return engagement


@transaction.atomic
def engagement_update(
    *,
    engagement: Engagement,
    actor: User,
    client: Client | Unset = UNSET,
    status_on: dt.date | None | Unset = UNSET,
    **fields: Unpack[EngagementFields],
) -> Engagement:
    """Change what is given. A change of `status` or `end_date` is a change of the
    engagement's dated facts (`services.lifecycle`): ending needs its end date, pausing
    and resuming the day it happens (`status_on`: the pause's first day, or the first
    day back)."""
    ensure_sane_dates(
        status_on=status_on,
        start_date=fields.get("start_date"),
        end_date=fields.get("end_date"),
    )
    engagement = engagement_lock(engagement)
    status, end_date = fields.pop("status", UNSET), fields.pop("end_date", UNSET)
    changes = given(client=client, **fields)
    changed = apply_changes(engagement, changes)
    freeze_of(engagement).ensure_terms_open(BILLING_TERMS.intersection(changed))
    engagement_validate_terms(engagement)
    if "start_date" in changed:  # the start is a dated fact too: no time before it
        early = engagement.time_entries.filter(date__lt=engagement.start_date).exists()
        if early:
            raise ValidationError({"start_date": "Time is logged before this start date."})
    changed += dated_facts_change(engagement, status=status, end_date=end_date, status_on=status_on)
    save_validated(engagement)
    audit_record(
        workspace=engagement.workspace,
        actor=actor,
        action="engagement.update",
        obj=engagement,
        details={"fields": changed},
    )
    return engagement
