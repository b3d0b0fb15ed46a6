"""The `billed` flag of each claimable record equals "an active claim holds it"
(engagements.services.claims keeps the two together; the unbilled reads trust the flag).
Registered with the ledger's consistency checks in `EngagementsConfig.ready()`, so
`manage.py ledger_check`, the demo seed and the test suite's `ledger_check` fixture run it:
one query per kind of record, on the claims' partial unique index."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from accounts.models import Workspace
from engagements.models import BillingClaim
from engagements.services.claims import CLAIMED_RECORDS
from ledger.checks import Problem, register_check


def billed_flags_match_claims(workspace: Workspace | None) -> Iterable[Problem]:
    """A problem for each record flagged billed without an active claim, or held by an
    active claim without the flag."""
    for kind, model in CLAIMED_RECORDS.items():
        held = Exists(
            BillingClaim.objects.filter(
                kind=kind, source_id=OuterRef("pk"), released_at__isnull=True
            )
        )
        rows = model.objects.alias(held=held).filter(
            Q(billed=True, held=False) | Q(billed=False, held=True)
        )
        if workspace is not None:
            rows = rows.filter(workspace=workspace)
        for pk, workspace_id, billed in rows.values_list("pk", "workspace_id", "billed").order_by(
            "pk"
        ):
            yield Problem(
                workspace_id,
                "engagements.billed_flags_match_claims",
                f"{kind} {pk}",
                str(not billed),
                str(billed),
                "the record's billed flag disagrees with its active claims",
            )


def register() -> None:
    register_check("engagements.billed_flags_match_claims", billed_flags_match_claims)
