"""The engagements API for clients and their contacts: archive, filter, delete only when
nothing hangs off the client, 400s with the field named and nothing saved."""

from __future__ import annotations

from engagements.models import Client, Contact
from tests.api import attrs, url
from tests.engagements.api_helpers import count, detail
from tests.factories import ClientFactory, ContactFactory, EngagementFactory


# --- Clients -------------------------------------------------------------------------------
def test_archive_unarchive_and_filter_archived(bob, acme, personas):
    current = ClientFactory(workspace=personas.a, name="Current")
    archived = bob.post(url("clients", acme.pk, "archive"))
    assert archived.status_code == 200 and archived.json()["archived_at"]

    def names(**params):
        return [c["name"] for c in bob.get(url("clients"), params).json()["results"]]

    assert names(archived="true") == ["Acme"]
    assert names(archived="false") == [current.name]
    assert len(names()) == 2
    restored = bob.post(url("clients", acme.pk, "unarchive"))
    assert restored.status_code == 200 and restored.json()["archived_at"] is None
    assert names(archived="true") == []


def test_delete_client_only_without_engagements(bob, acme, personas):
    EngagementFactory(client=acme)
    refused = bob.delete(url("clients", acme.pk))
    assert attrs(refused) == {"non_field_errors"}
    assert "archive it instead" in detail(refused)
    assert count(Client, pk=acme.pk) == 1

    lonely = ClientFactory(workspace=personas.a)
    assert bob.delete(url("clients", lonely.pk)).status_code == 204
    assert count(Client, pk=lonely.pk) == 0


# --- Contacts ------------------------------------------------------------------------------
def test_contacts_create_filter_update_delete(bob, acme, personas):
    other = ClientFactory(workspace=personas.a)
    ContactFactory(client=other, name="Someone else")
    created = bob.post(
        url("contacts"),
        {"client": acme.pk, "name": "Ada", "email": "ada@acme.example", "is_billing": True},
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    listed = bob.get(url("contacts"), {"client": acme.pk}).json()["results"]
    assert [c["name"] for c in listed] == ["Ada"]
    assert len(bob.get(url("contacts"), {"is_billing": "false"}).json()["results"]) == 1

    patched = bob.patch(url("contacts", pk), {"role": "Finance"})
    assert patched.status_code == 200 and patched.json()["role"] == "Finance"
    assert attrs(bob.patch(url("contacts", pk), {"client": other.pk})) == {"client"}

    assert bob.delete(url("contacts", pk)).status_code == 204
    assert count(Contact, pk=pk) == 0


def test_contact_bad_input_saves_nothing(bob, acme):
    response = bob.post(url("contacts"), {"client": acme.pk, "name": "", "email": "nope"})
    assert attrs(response) == {"name", "email"}
    assert count(Contact) == 0
