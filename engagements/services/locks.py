"""The engagement row lock: one lock for everything that decides what an engagement bills.

Every writer of an engagement's time, records, terms, dates or status, and every claim of
its work for an invoice, takes this lock first (`SELECT … FOR UPDATE` on the engagement
row), before reading anything it decides on, and keeps it to the end of its transaction.
So per engagement they run one at a time, and what one of them read stays true until it
commits: an invoice that read the unbilled time bills and claims exactly that time, and
an edit of that time waits, then finds it frozen. Pages, the API, CSV import and the
recurring run all go through these services, so they all take it.

Order, to never deadlock: an invoice's lock before its engagement's (invoicing), a
proposal's before its engagement's, and several engagements in primary-key order."""

from __future__ import annotations

from collections.abc import Iterable

from engagements.models import Engagement


def engagement_lock(engagement: Engagement | int) -> Engagement:
    """Lock the engagement's row (in the caller's transaction) and return it as it is now:
    read its dates and terms from this, not from an instance loaded before the lock."""
    pk = engagement if isinstance(engagement, int) else engagement.pk
    locked: Engagement = Engagement.objects.select_for_update().get(pk=pk)
    return locked


def engagements_lock(ids: Iterable[int]) -> dict[int, Engagement]:
    """Lock several engagements, in primary-key order (PostgreSQL locks the rows as the
    sorted scan returns them), so two writers of overlapping sets never deadlock."""
    return {
        engagement.pk: engagement
        for engagement in Engagement.objects.select_for_update()
        .filter(pk__in=sorted(set(ids)))
        .order_by("pk")
    }
