"""Writes for clients, engagements and the work they record. Each is one transaction,
takes the acting user, writes an audit entry; anything already claimed by an invoice is
frozen (changing it would change an issued invoice)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.services import audit_record
from core.tokens import hash_token
from engagements.billing import UnbilledItem, unbilled_items
from engagements.models import (
    Availability,
    BillingClaim,
    BlockedTime,
    Client,
    Contact,
    Engagement,
    EngagementStatus,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    Proposal,
    RevenueReport,
    TimeEntry,
)

# The terms each pay model needs (the rest are ignored by its arithmetic).
REQUIRED_TERMS: dict[str, list[str]] = {
    PayModel.HOURLY: ["hourly_rate"],
    PayModel.FIXED_FEE: [],
    PayModel.RETAINER: [
        "retainer_fee",
        "retainer_included_hours",
        "retainer_overage_rate",
        "billing_day",
    ],
    PayModel.BOUNTY: [],
    PayModel.REVENUE_SHARE: ["revenue_share_percent", "revenue_period"],
}


def _save(obj, *, exclude: list[str] | None = None) -> None:
    """full_clean (field and constraint errors as ValidationError), then save."""
    obj.full_clean(exclude=exclude)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:  # a race past full_clean's checks
        raise ValidationError("This conflicts with a record saved at the same time.") from exc


def _apply(obj, fields: dict) -> list[str]:
    changed = []
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _delete_audited(record, *, actor: User, action: str, **data) -> None:
    """The audit entry first (it names the row), then the row. Inside the caller's
    transaction."""
    audit_record(workspace=record.workspace, actor=actor, action=action, obj=record, **data)
    record.delete()


# --- Clients -------------------------------------------------------------------------------
@transaction.atomic
def client_create(*, workspace: Workspace, actor: User | None, **fields) -> Client:
    client = Client(workspace=workspace, **fields)
    if not client.currency:
        client.currency = workspace.base_currency
    _save(client)
    audit_record(workspace=workspace, actor=actor, action="client.create", obj=client)
    return client


@transaction.atomic
def client_update(*, client: Client, actor: User, **fields) -> Client:
    changed = _apply(client, fields)
    _save(client)
    audit_record(
        workspace=client.workspace,
        actor=actor,
        action="client.update",
        obj=client,
        fields=sorted(changed),
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
    _delete_audited(client, actor=actor, action="client.delete", name=client.name)


@transaction.atomic
def contact_save(
    *, client: Client, actor: User, contact: Contact | None = None, **fields
) -> Contact:
    contact = contact or Contact(workspace=client.workspace, client=client)
    _apply(contact, fields)
    _save(contact)
    audit_record(workspace=client.workspace, actor=actor, action="contact.save", obj=contact)
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, actor: User) -> None:
    """Contacts are never billed, so nothing freezes them."""
    _delete_audited(contact, actor=actor, action="contact.delete", name=contact.name)


# --- Engagements ---------------------------------------------------------------------------
def engagement_validate_terms(engagement: Engagement) -> None:
    errors = {
        name: "Required for this pay model."
        for name in REQUIRED_TERMS[engagement.pay_model]
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
    *, workspace: Workspace, actor: User | None, client: Client, **fields
) -> Engagement:
    if client.workspace_id != workspace.pk:  # defence in depth: forms scope choices too
        raise ValidationError({"client": "Choose one of your clients."})
    engagement = Engagement(workspace=workspace, client=client, **fields)
    if not engagement.currency:
        engagement.currency = client.currency
    engagement_validate_terms(engagement)
    _save(engagement)
    audit_record(
        workspace=workspace,
        actor=actor,
        action="engagement.create",
        obj=engagement,
        pay_model=engagement.pay_model,
    )
    return engagement


# Terms that decide amounts already invoiced: frozen once anything is billed.
BILLING_TERMS = {
    "client",
    "pay_model",
    "currency",
    "hourly_rate",
    "retainer_fee",
    "retainer_included_hours",
    "retainer_overage_rate",
    "rollover_cap_hours",
    "rollover_expiry_months",
    "billing_day",
    "revenue_share_percent",
    "revenue_share_floor",
    "revenue_share_cap",
    "revenue_period",
    "start_date",
}


@transaction.atomic
def engagement_update(*, engagement: Engagement, actor: User, **fields) -> Engagement:
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    changed = _apply(engagement, fields)
    frozen = sorted(BILLING_TERMS.intersection(changed))
    if frozen and _is_billed(engagement):
        raise ValidationError(
            {
                name: "Already invoiced under these terms; end this engagement and start a new one."
                for name in frozen
            }
        )
    engagement_validate_terms(engagement)
    _save(engagement)
    audit_record(
        workspace=engagement.workspace,
        actor=actor,
        action="engagement.update",
        obj=engagement,
        fields=changed,
    )
    return engagement


# --- Work records --------------------------------------------------------------------------
def _ensure_not_billed(kind: str, source_id: int | None) -> None:
    if (
        source_id
        and BillingClaim.objects.filter(
            kind=kind, source_id=source_id, released_at__isnull=True
        ).exists()
    ):
        raise ValidationError("Already invoiced: change it through a credit note instead.")


@transaction.atomic
def time_entry_save(
    *, engagement: Engagement, actor: User, entry: TimeEntry | None = None, **fields
) -> TimeEntry:
    if entry is not None:
        entry = TimeEntry.objects.select_for_update().select_related("engagement").get(pk=entry.pk)
        _ensure_not_billed(BillingClaim.Kind.TIME, entry.pk)
        # Usage of a retainer period already invoiced for overage is frozen: the entry may
        # neither leave that period (by date or by engagement) nor change there.
        if entry.engagement.pay_model == PayModel.RETAINER:
            _ensure_retainer_period_open(entry.engagement, entry.date)
    day = fields.get("date", entry.date if entry else None)
    if engagement.pay_model == PayModel.RETAINER and day is not None:
        _ensure_retainer_period_open(engagement, day)
    entry = entry or TimeEntry(workspace=engagement.workspace, engagement=engagement, user=actor)
    if entry.engagement_id != engagement.pk:
        entry.engagement = engagement
    _apply(entry, fields)
    ensure_date_within_engagement(engagement, entry.date)
    _save(entry)
    audit_record(
        workspace=engagement.workspace,
        actor=actor,
        action="time_entry.save",
        obj=entry,
        minutes=entry.minutes,
    )
    return entry


def ensure_date_within_engagement(engagement: Engagement, day: dt.date | None) -> None:
    """Time outside the engagement's dates would count toward no period and never bill."""
    if day and (day < engagement.start_date or (engagement.end_date and day > engagement.end_date)):
        raise ValidationError(
            {"date": "This date is outside the engagement's start and end dates."}
        )


def _ensure_retainer_period_open(engagement: Engagement, day: dt.date) -> None:
    from engagements.billing import retainer_periods

    for start, end in retainer_periods(engagement, day):
        if (
            start <= day <= end
            and BillingClaim.objects.filter(
                engagement=engagement,
                kind=BillingClaim.Kind.RETAINER_OVERAGE,
                period_start=start,
                released_at__isnull=True,
            ).exists()
        ):
            raise ValidationError({"date": "This retainer period is already invoiced."})


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, actor: User) -> None:
    _ensure_not_billed(BillingClaim.Kind.TIME, entry.pk)
    if entry.engagement.pay_model == PayModel.RETAINER:
        _ensure_retainer_period_open(entry.engagement, entry.date)
    audit_record(
        workspace=entry.workspace,
        actor=actor,
        action="time_entry.delete",
        obj=entry,
        minutes=entry.minutes,
        date=str(entry.date),
    )
    entry.delete()


def week_minutes(engagement: Engagement, day: dt.date) -> int:
    """Billable minutes logged on the engagement in the Monday–Sunday week of `day`."""
    from django.db.models import Sum

    monday = day - dt.timedelta(days=day.weekday())
    return (
        TimeEntry.objects.filter(
            engagement=engagement,
            billable=True,
            date__gte=monday,
            date__lte=monday + dt.timedelta(days=6),
        ).aggregate(m=Sum("minutes"))["m"]
        or 0
    )


def weekly_cap_exceeded(engagement: Engagement, day: dt.date) -> bool:
    cap = engagement.weekly_hour_cap
    return cap is not None and week_minutes(engagement, day) > cap * 60


@transaction.atomic
def milestone_save(
    *, engagement: Engagement, actor: User, milestone: Milestone | None = None, **fields
) -> Milestone:
    if engagement.pay_model != PayModel.FIXED_FEE:
        raise ValidationError({"engagement": "Milestones belong to fixed-fee engagements."})
    if milestone is not None:
        _ensure_not_billed(BillingClaim.Kind.MILESTONE, milestone.pk)
    milestone = milestone or Milestone(workspace=engagement.workspace, engagement=engagement)
    _apply(milestone, fields)
    _save(milestone)
    audit_record(
        workspace=engagement.workspace, actor=actor, action="milestone.save", obj=milestone
    )
    return milestone


@transaction.atomic
def milestone_deliver(*, milestone: Milestone, actor: User, on: dt.date) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.status != Milestone.Status.PENDING:
        raise ValidationError("Only a pending milestone can be marked delivered.")
    milestone.status = Milestone.Status.DELIVERED
    milestone.delivered_at = on
    milestone.save(update_fields=["status", "delivered_at"])
    audit_record(
        workspace=milestone.workspace,
        actor=actor,
        action="milestone.deliver",
        obj=milestone,
        on=str(on),
    )
    return milestone


@transaction.atomic
def milestone_accept(
    *, milestone: Milestone, actor: User, on: dt.date, on_word_of: str = ""
) -> Milestone:
    """Record the client's acceptance (by the professional, on the client's word)."""
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.status == Milestone.Status.ACCEPTED:
        return milestone  # already applied: idempotent
    if milestone.status != Milestone.Status.DELIVERED:
        raise ValidationError("Mark the milestone delivered before recording acceptance.")
    if milestone.delivered_at and on < milestone.delivered_at:
        raise ValidationError({"accepted_at": "Acceptance cannot come before delivery."})
    milestone.status = Milestone.Status.ACCEPTED
    milestone.accepted_at = on
    milestone.accepted_by = actor
    milestone.accepted_on_word_of = on_word_of
    milestone.save(update_fields=["status", "accepted_at", "accepted_by", "accepted_on_word_of"])
    audit_record(
        workspace=milestone.workspace,
        actor=actor,
        action="milestone.accept",
        obj=milestone,
        on=str(on),
        on_word_of=on_word_of,
    )
    return milestone


@transaction.atomic
def outcome_save(
    *, engagement: Engagement, actor: User, outcome: Outcome | None = None, **fields
) -> Outcome:
    if engagement.pay_model != PayModel.BOUNTY:
        raise ValidationError({"engagement": "Outcomes belong to outcome-bounty engagements."})
    if outcome is not None:
        _ensure_not_billed(BillingClaim.Kind.OUTCOME, outcome.pk)
    outcome = outcome or Outcome(workspace=engagement.workspace, engagement=engagement)
    _apply(outcome, fields)
    _save(outcome)
    audit_record(workspace=engagement.workspace, actor=actor, action="outcome.save", obj=outcome)
    return outcome


@transaction.atomic
def outcome_accept(
    *, outcome: Outcome, actor: User, on: dt.date, evidence_note: str = ""
) -> Outcome:
    outcome = Outcome.objects.select_for_update().get(pk=outcome.pk)
    if outcome.accepted_at:
        return outcome
    outcome.accepted_at = on
    outcome.accepted_by = actor
    if evidence_note:
        outcome.evidence_note = evidence_note
    outcome.save(update_fields=["accepted_at", "accepted_by", "evidence_note"])
    audit_record(
        workspace=outcome.workspace, actor=actor, action="outcome.accept", obj=outcome, on=str(on)
    )
    return outcome


@transaction.atomic
def revenue_report_save(
    *, engagement: Engagement, actor: User, report: RevenueReport | None = None, **fields
) -> RevenueReport:
    if engagement.pay_model != PayModel.REVENUE_SHARE:
        raise ValidationError("Revenue reports belong to revenue-share engagements.")
    if report is not None:
        _ensure_not_billed(BillingClaim.Kind.REVENUE_SHARE, report.pk)
    report = report or RevenueReport(
        workspace=engagement.workspace, engagement=engagement, recorded_by=actor
    )
    _apply(report, fields)
    if report.period_end and report.period_start and report.period_end < report.period_start:
        raise ValidationError({"period_end": "The period ends before it starts."})
    _save(report)
    audit_record(
        workspace=engagement.workspace,
        actor=actor,
        action="revenue_report.save",
        obj=report,
        revenue=str(report.revenue),
    )
    return report


@transaction.atomic
def expense_save(
    *, engagement: Engagement, actor: User, expense: Expense | None = None, **fields
) -> Expense:
    if expense is not None:
        _ensure_not_billed(BillingClaim.Kind.EXPENSE, expense.pk)
    expense = expense or Expense(workspace=engagement.workspace, engagement=engagement)
    _apply(expense, fields)
    _save(expense)
    audit_record(
        workspace=engagement.workspace,
        actor=actor,
        action="expense.save",
        obj=expense,
        amount=str(expense.amount),
    )
    return expense


@transaction.atomic
def record_delete(*, record, kind: str, actor: User) -> None:
    """Delete a milestone, outcome, revenue report or expense that is not invoiced."""
    _ensure_not_billed(kind, record.pk)
    _delete_audited(record, actor=actor, action=f"{kind}.delete")


# --- Billing claims: the invoice-once lock --------------------------------------------------
class AlreadyBilled(ValidationError):
    pass


@transaction.atomic
def billing_claim(
    *, engagement: Engagement, items: Iterable[UnbilledItem], claimed_for: str, as_of: dt.date
) -> list[BillingClaim]:
    """Claim items for an invoice. The engagement row is locked, so concurrent claims on
    one engagement queue up; each then re-reads what is still unbilled, and the unique
    constraints stop anything that slips past. All or nothing."""
    Engagement.objects.select_for_update().filter(pk=engagement.pk).first()
    still_open = {item.key: item for item in unbilled_items(engagement, as_of=as_of)}
    wanted = list(items)
    missing = [item for item in wanted if item.key not in still_open]
    if missing:
        raise AlreadyBilled(f"{len(missing)} item(s) are already invoiced or no longer billable.")
    claims = [
        BillingClaim(
            workspace=engagement.workspace,
            engagement=engagement,
            kind=item.kind,
            source_id=item.source_id,
            period_start=item.period_start,
            amount=still_open[item.key].amount,
            currency=engagement.currency,
            claimed_for=claimed_for,
        )
        for item in wanted
    ]
    try:
        with transaction.atomic():
            return BillingClaim.objects.bulk_create(claims)
    except IntegrityError as exc:
        raise AlreadyBilled("Some items were invoiced at the same time.") from exc


@transaction.atomic
def billing_release(*, workspace: Workspace, claimed_for: str) -> int:
    """Release an invoice's claims (it was voided): the items are billable again."""
    return BillingClaim.objects.filter(
        workspace=workspace, claimed_for=claimed_for, released_at__isnull=True
    ).update(released_at=timezone.now())


@transaction.atomic
def billing_release_sources(*, invoice, sources: list[list[str]]) -> int:
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


# --- Proposals -----------------------------------------------------------------------------
@transaction.atomic
def proposal_create(
    *,
    workspace: Workspace,
    actor: User,
    client: Client,
    title: str,
    scope: str,
    valid_until: dt.date | None = None,
    **engagement_fields,
) -> Proposal:
    engagement_fields.setdefault("name", title)
    engagement = engagement_create(
        workspace=workspace,
        actor=actor,
        client=client,
        status=EngagementStatus.PROPOSED,
        **engagement_fields,
    )
    proposal = Proposal(
        workspace=workspace,
        engagement=engagement,
        title=title,
        scope=scope,
        valid_until=valid_until,
        created_by=actor,
    )
    _save(proposal)
    audit_record(workspace=workspace, actor=actor, action="proposal.create", obj=proposal)
    return proposal


@transaction.atomic
def proposal_send(*, proposal: Proposal, actor: User) -> tuple[Proposal, str]:
    """Issue a fresh link (an earlier link stops working) and mark the proposal sent.
    Returns the token for the link; only its hash is stored."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status not in (Proposal.Status.DRAFT, Proposal.Status.SENT):
        raise ValidationError("Only a draft or sent proposal can be sent.")
    token = secrets.token_urlsafe(32)
    proposal.token_hash = hash_token(token)
    proposal.status = Proposal.Status.SENT
    proposal.sent_at = timezone.now()
    proposal.save(update_fields=["token_hash", "status", "sent_at"])
    audit_record(workspace=proposal.workspace, actor=actor, action="proposal.send", obj=proposal)
    return proposal, token


def proposal_from_token(*, token: str) -> Proposal | None:
    """The token is the credential and names exactly one proposal: crossing tenants here
    is deliberate, like the invitation link."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        return (
            Proposal.objects.select_related("engagement__client", "workspace")
            .filter(token_hash=hash_token(token))
            .first()
        )


@transaction.atomic
def proposal_respond(
    *,
    proposal: Proposal,
    accept: bool,
    name: str,
    email: str = "",
    reason: str = "",
    today: dt.date | None = None,
) -> Proposal:
    """The client accepts (the engagement becomes active) or declines. Idempotent for a
    repeated click; a withdrawn or expired proposal cannot be answered."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    today = today or timezone.localdate()
    if proposal.status == (Proposal.Status.ACCEPTED if accept else Proposal.Status.DECLINED):
        return proposal
    if proposal.status != Proposal.Status.SENT:
        raise ValidationError("This proposal can no longer be answered.")
    if proposal.valid_until and today > proposal.valid_until:
        raise ValidationError("This proposal has expired. Ask for a new one.")
    if accept and not name.strip():
        raise ValidationError({"name": "Type your name to accept."})
    proposal.status = Proposal.Status.ACCEPTED if accept else Proposal.Status.DECLINED
    proposal.responded_at = timezone.now()
    proposal.accepted_name = name.strip()
    proposal.accepted_email = email
    proposal.decline_reason = "" if accept else reason
    proposal.save()
    if accept:
        Engagement.objects.filter(pk=proposal.engagement_id).update(status=EngagementStatus.ACTIVE)
    audit_record(
        workspace=proposal.workspace,
        actor=None,
        action="proposal.accept" if accept else "proposal.decline",
        obj=proposal,
        by=name,
        email=email,
    )
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, actor: User) -> Proposal:
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status in (Proposal.Status.ACCEPTED, Proposal.Status.WITHDRAWN):
        raise ValidationError("An accepted or withdrawn proposal cannot be withdrawn.")
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.save(update_fields=["status"])
    Engagement.objects.filter(pk=proposal.engagement_id, status=EngagementStatus.PROPOSED).update(
        status=EngagementStatus.ENDED
    )
    audit_record(
        workspace=proposal.workspace, actor=actor, action="proposal.withdraw", obj=proposal
    )
    return proposal


@transaction.atomic
def proposal_mark_viewed(*, proposal: Proposal) -> None:
    if proposal.viewed_at is None:
        Proposal.objects.filter(pk=proposal.pk, viewed_at__isnull=True).update(
            viewed_at=timezone.now()
        )


# --- Capacity ------------------------------------------------------------------------------
@transaction.atomic
def availability_set(
    *,
    workspace: Workspace,
    user: User,
    actor: User,
    effective_from: dt.date,
    hours: dict[str, Decimal],
) -> Availability:
    """Capacity from a date on. The same date edits that row; a later date adds one, so
    the weeks before keep the capacity they had."""
    row = Availability.objects.filter(user=user, effective_from=effective_from).first()
    row = row or Availability(workspace=workspace, user=user, effective_from=effective_from)
    _apply(row, hours)
    _save(row)
    audit_record(
        workspace=workspace,
        actor=actor,
        action="availability.set",
        obj=row,
        effective_from=str(effective_from),
    )
    return row


@transaction.atomic
def blocked_time_save(
    *, workspace: Workspace, user: User, actor: User, blocked: BlockedTime | None = None, **fields
) -> BlockedTime:
    blocked = blocked or BlockedTime(workspace=workspace, user=user)
    _apply(blocked, fields)
    if blocked.recurring and not blocked.weekdays:
        raise ValidationError({"weekdays": "Choose the weekdays it repeats on."})
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in blocked.weekdays or []):
        raise ValidationError({"weekdays": "Weekdays are 0 (Monday) to 6 (Sunday)."})
    _save(blocked)
    audit_record(workspace=workspace, actor=actor, action="blocked_time.save", obj=blocked)
    return blocked


@transaction.atomic
def blocked_time_delete(*, blocked: BlockedTime, actor: User) -> None:
    _delete_audited(blocked, actor=actor, action="blocked_time.delete", title=blocked.title)
