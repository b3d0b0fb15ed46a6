"""Plain helpers shared by the engagements API tests (tests/engagements/test_api_*.py)."""

from __future__ import annotations

from decimal import Decimal

from django_scopes import scopes_disabled

from engagements.models import BillingClaim


def detail(response) -> str:
    return " ".join(error["detail"] for error in response.json()["errors"])


def count(model, **lookup) -> int:
    with scopes_disabled():
        return model.objects.filter(**lookup).count()


def claim(record, kind: str) -> BillingClaim:
    """Mark a record invoiced, as the invoicing app's claim would (the claim and the
    record's `billed` flag, which engagements.services.claims keeps with it)."""
    with scopes_disabled():
        type(record).objects.filter(pk=record.pk).update(billed=True)
        return BillingClaim.objects.create(
            workspace=record.workspace,
            engagement=record.engagement,
            kind=kind,
            source_id=record.pk,
            amount=Decimal("1"),
            currency="USD",
            claimed_for="INV-0001",
        )
