"""Leaving a workspace through the API (issue #9, item 9): any member may remove their own
membership, as the service allows; removing others still needs manage rights."""

import pytest
from django_scopes import scopes_disabled

from accounts.models import AuditEntry, Membership


def _membership(user):
    with scopes_disabled():
        return Membership.objects.get(user=user)


@pytest.mark.parametrize("leaver", ["bob", "andy"])  # a member; the read-only accountant
def test_member_and_accountant_leave_through_the_api(api_as, personas, leaver):
    """Leaving needs no rights (the service says so); the API must not ask for them."""
    user = getattr(personas, leaver)
    client = api_as(user)
    url = f"/api/v1/workspaces/alice-studio/members/{_membership(user).pk}/"
    assert client.delete(url).status_code == 204
    with scopes_disabled():
        assert not Membership.objects.filter(user=user).exists()
        assert AuditEntry.objects.filter(action="membership.remove").count() == 1
    assert client.get("/api/v1/workspaces/alice-studio/members/").status_code == 404


def test_leaving_is_not_removing_others(api_as, personas):
    """Only one's own membership: removing someone else still needs manage rights, and
    the last owner still cannot leave."""
    base = "/api/v1/workspaces/alice-studio/members/"
    assert api_as(personas.bob).delete(f"{base}{_membership(personas.andy).pk}/").status_code == 403
    assert api_as(personas.andy).delete(f"{base}{_membership(personas.bob).pk}/").status_code == 403
    assert (
        api_as(personas.alice).delete(f"{base}{_membership(personas.alice).pk}/").status_code == 400
    )
    with scopes_disabled():
        assert Membership.objects.filter(workspace=personas.a).count() == 3
