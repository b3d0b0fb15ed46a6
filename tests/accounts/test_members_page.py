"""The members page offers only what the services allow."""

from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.models import Membership, Role


def test_members_page_offers_no_remove_on_the_only_owner(client, personas):
    """The service refuses to remove the last owner; the page does not offer it. With a
    second owner, each can be removed."""
    client.force_login(personas.alice)
    url = reverse("accounts:members", args=["alice-studio"])
    with scopes_disabled():
        alice = Membership.objects.get(user=personas.alice, workspace=personas.a)
        bob = Membership.objects.get(user=personas.bob, workspace=personas.a)
    body = client.get(url).content.decode()
    assert "Only owner" in body
    assert body.count('value="remove"') == 2  # bob and andy, not alice
    bob.role = Role.OWNER
    bob.save(update_fields=["role"])
    body = client.get(url).content.decode()
    assert "Only owner" not in body
    assert body.count('value="remove"') == 3
    assert alice.role == Role.OWNER
