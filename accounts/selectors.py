"""Reads shared by views and the API."""

from django.db.models import F, QuerySet

from accounts.models import User, Workspace


def workspaces_for_user(*, user: User) -> QuerySet[Workspace]:
    """The user's workspaces, each annotated with `my_role`. Workspace is the tenant
    itself, so this is the one query that legitimately spans workspaces: it is bounded by
    the user's own memberships."""
    if not user.is_authenticated:
        return Workspace.objects.none()
    return (
        Workspace.objects.filter(memberships__user=user)
        .annotate(my_role=F("memberships__role"))
        .order_by("name", "pk")
    )
