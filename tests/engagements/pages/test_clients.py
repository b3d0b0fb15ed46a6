"""Dashboard pages for clients: contacts, archiving and the archived filter."""

from django_scopes import scopes_disabled

from engagements.models import Contact
from tests.engagements.pages.helpers import url


def test_client_contacts_archive_and_filter(client, personas, acme):
    client.force_login(personas.bob)
    response = client.post(
        url("engagements:client_contact_save", acme.pk),
        {
            "contact-name": "Jane Roe",
            "contact-email": "jane@acme.example",
            "contact-is_billing": "on",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        jane = Contact.objects.get(name="Jane Roe")
    client.post(
        url("engagements:client_contact_save", acme.pk),
        {"contact_id": jane.pk, "contact-name": "Jane Roe", "contact-role": "Finance"},
    )
    jane.refresh_from_db()
    assert jane.role == "Finance" and not jane.is_billing

    client.post(url("engagements:client_archive", acme.pk), {"archived": "1"})
    acme.refresh_from_db()
    assert acme.archived_at is not None
    assert acme not in client.get(url("engagements:client_list")).context["page"].object_list
    assert (
        acme
        in client.get(url("engagements:client_list") + "?archived=1").context["page"].object_list
    )
    # An archived client is not offered for new engagements.
    form = client.get(url("engagements:engagement_create")).context["form"]
    assert acme not in form.fields["client"].queryset
    client.post(url("engagements:client_archive", acme.pk), {"archived": "0"})
    acme.refresh_from_db()
    assert acme.archived_at is None
