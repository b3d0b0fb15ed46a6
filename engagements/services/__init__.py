"""Writes for clients, engagements and the work they record. Each is one transaction,
takes the acting user, writes an audit entry; anything already claimed by an invoice is
frozen (changing it would change an issued invoice).

One concept per module; this package re-exports the public services, so callers write
`from engagements import services` and `services.client_create(...)`. Every service takes
keyword-only typed arguments: a field not given is left as it is (or takes the model's
default on create)."""

from engagements.services.capacity import availability_set, blocked_time_delete, blocked_time_save
from engagements.services.claims import (
    AlreadyBilled,
    billing_claim,
    billing_release,
    billing_release_sources,
)
from engagements.services.clients import (
    client_archive,
    client_create,
    client_delete,
    client_update,
    contact_delete,
    contact_save,
)
from engagements.services.engagements import (
    EngagementDraft,
    EngagementFields,
    engagement_create,
    engagement_draft_from,
    engagement_fields_from,
    engagement_update,
    engagement_validate_terms,
)
from engagements.services.lifecycle import (
    engagement_end,
    engagement_pause,
    engagement_resume,
    ensure_active_day,
)
from engagements.services.locks import engagement_lock, engagements_lock
from engagements.services.proposals import (
    proposal_create,
    proposal_from_token,
    proposal_link_current,
    proposal_mark_viewed,
    proposal_recipients,
    proposal_respond,
    proposal_send,
    proposal_send_of,
    proposal_unpriced,
    proposal_update,
    proposal_withdraw,
)
from engagements.services.records import (
    expense_save,
    milestone_accept,
    milestone_deliver,
    milestone_save,
    outcome_accept,
    outcome_save,
    record_delete,
    revenue_report_save,
    time_entry_delete,
    time_entry_save,
    week_minutes,
    weekly_cap_exceeded,
)

__all__ = [
    "EngagementDraft",
    "EngagementFields",
    "engagement_draft_from",
    "engagement_fields_from",
    "AlreadyBilled",
    "availability_set",
    "billing_claim",
    "billing_release",
    "billing_release_sources",
    "blocked_time_delete",
    "blocked_time_save",
    "client_archive",
    "client_create",
    "client_delete",
    "client_update",
    "contact_delete",
    "contact_save",
    "engagement_create",
    "engagement_lock",
    "engagements_lock",
    "engagement_update",
    "engagement_validate_terms",
    "ensure_active_day",
    "engagement_end",
    "engagement_pause",
    "engagement_resume",
    "expense_save",
    "milestone_accept",
    "milestone_deliver",
    "milestone_save",
    "outcome_accept",
    "outcome_save",
    "proposal_create",
    "proposal_from_token",
    "proposal_link_current",
    "proposal_mark_viewed",
    "proposal_recipients",
    "proposal_respond",
    "proposal_send",
    "proposal_send_of",
    "proposal_unpriced",
    "proposal_update",
    "proposal_withdraw",
    "record_delete",
    "revenue_report_save",
    "time_entry_delete",
    "time_entry_save",
    "week_minutes",
    "weekly_cap_exceeded",
]
