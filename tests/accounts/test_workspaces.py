import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from accounts import services
from accounts.models import AuditEntry, Invitation, Membership, Role, Workspace
from core.tokens import hash_token
from tests.factories import UserFactory


# --- API: workspaces ---------------------------------------------------------------------
def test_list_shows_only_my_workspaces_with_my_role(api_as, personas):
    body = api_as(personas.bob).get("/api/v1/workspaces/").json()
    assert [(w["slug"], w["role"]) for w in body["results"]] == [("alice-studio", "member")]


def test_create_workspace_makes_me_owner(api_as, personas):
    client = api_as(personas.bob)
    response = client.post(
        "/api/v1/workspaces/",
        {
            "name": "Bob Builds",
            "country": "GB",
            "base_currency": "GBP",
            "timezone": "Europe/London",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "bob-builds" and body["role"] == "owner" and body["country"] == "GB"
    with scopes_disabled():
        assert Membership.objects.get(workspace__slug="bob-builds").user == personas.bob
        assert AuditEntry.objects.filter(action="workspace.create", actor=personas.bob).exists()


def test_create_workspace_bad_input_is_400_per_field_and_saves_nothing(api_as, personas):
    before = Workspace.objects.count()
    response = api_as(personas.bob).post(
        "/api/v1/workspaces/",
        {
            "name": "",
            "country": "XX",
            "base_currency": "ABC",
            "timezone": "Mars/Olympus",
        },
        format="json",
    )
    assert response.status_code == 400
    attrs = {e["attr"] for e in response.json()["errors"]}
    assert {"name", "country", "base_currency", "timezone"} <= attrs
    assert Workspace.objects.count() == before


def test_taken_or_reserved_slug_is_a_field_error(api_as, personas):
    client = api_as(personas.bob)
    taken = client.post(
        "/api/v1/workspaces/",
        {"name": "X", "slug": "alice-studio", "country": "US", "base_currency": "USD"},
        format="json",
    )
    assert taken.status_code == 400 and taken.json()["errors"][0]["attr"] == "slug"
    reserved = client.post(
        "/api/v1/workspaces/",
        {"name": "X", "slug": "api", "country": "US", "base_currency": "USD"},
        format="json",
    )
    assert reserved.status_code == 400 and reserved.json()["errors"][0]["attr"] == "slug"


def test_slug_suggestions_do_not_collide(personas):
    assert services.workspace_slug_suggest(name="Alice Studio") == "alice-studio-2"
    assert services.workspace_slug_suggest(name="New") == "new-ws"


@pytest.mark.parametrize(("who", "status"), [("alice", 200), ("bob", 403), ("andy", 403)])
def test_only_owners_and_admins_change_settings(api_as, personas, who, status):
    response = api_as(getattr(personas, who)).patch(
        "/api/v1/workspaces/alice-studio/", {"payment_terms_days": 14}, format="json"
    )
    assert response.status_code == status, response.json()
    personas.a.refresh_from_db()
    assert personas.a.payment_terms_days == (14 if status == 200 else 30)


def test_slug_cannot_change(api_as, personas):
    response = api_as(personas.alice).patch(
        "/api/v1/workspaces/alice-studio/", {"slug": "renamed"}, format="json"
    )
    assert response.status_code == 400
    assert Workspace.objects.filter(slug="alice-studio").exists()


# --- Roles ---------------------------------------------------------------------------------
def test_accountant_reads_but_cannot_write(api_as, personas):
    client = api_as(personas.andy)
    url = "/api/v1/workspaces/alice-studio/clients/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Nope"}, format="json")
    assert response.status_code == 403  # inside his own workspace a 403 reveals nothing


def test_member_cannot_manage_members(api_as, personas):
    response = api_as(personas.bob).post(
        "/api/v1/workspaces/alice-studio/invitations/",
        {"email": "x@example.com", "role": "member"},
        format="json",
    )
    assert response.status_code == 403


def test_last_owner_cannot_be_demoted_or_removed(api_as, personas):
    client = api_as(personas.alice)
    with scopes_disabled():
        alice_membership = Membership.objects.get(user=personas.alice)
    url = f"/api/v1/workspaces/alice-studio/members/{alice_membership.pk}/"
    response = client.patch(url, {"role": "member"}, format="json")
    assert response.status_code == 400
    assert "at least one owner" in response.json()["errors"][0]["detail"]
    assert client.delete(url).status_code == 400
    alice_membership.refresh_from_db()
    assert alice_membership.role == Role.OWNER


def test_owner_changes_role_and_removes_member(api_as, personas):
    client = api_as(personas.alice)
    with scopes_disabled():
        bob = Membership.objects.get(user=personas.bob)
    url = f"/api/v1/workspaces/alice-studio/members/{bob.pk}/"
    assert client.patch(url, {"role": "admin"}, format="json").json()["role"] == "admin"
    assert client.delete(url).status_code == 204
    with scopes_disabled():
        assert not Membership.objects.filter(pk=bob.pk).exists()
        assert AuditEntry.objects.filter(action="membership.remove").count() == 1


# --- Invitations ---------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_invite_email_and_accept(client, personas, worker):
    """The invitation email goes out through the real Celery worker (Redis broker) after
    the transaction commits; the link in it makes the invitee a member."""
    invitation = services.invitation_create(
        workspace=personas.a, actor=personas.alice, email="New.Person@Example.com", role="admin"
    )
    assert invitation.email == "new.person@example.com"
    worker.wait_for(lambda: len(mail.outbox) == 1)
    message = mail.outbox[0]
    assert "Alice Studio" in message.subject and message.to == ["new.person@example.com"]
    link = next(w for w in message.body.split() if "/invitations/" in w)
    path = link[link.index("/invitations/") :]

    newcomer = UserFactory(email="new.person@example.com")
    client.force_login(newcomer)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/w/alice-studio/"
    with scope(workspace=personas.a):
        assert Membership.objects.get(user=newcomer).role == Role.ADMIN
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.ACCEPTED
    # Used links do not work twice.
    other = client.post(path)
    assert other.status_code == 200 and b"expired or was withdrawn" in other.content


def test_invitation_for_someone_else_is_refused(client, personas):
    services.invitation_create(
        workspace=personas.a, actor=personas.alice, email="someone@example.com", role="member"
    )
    with scopes_disabled():
        invitation = Invitation.objects.get(email="someone@example.com")
    token = "known-token"
    with scopes_disabled():
        Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token(token))
    client.force_login(personas.charlie)
    response = client.post(f"/invitations/{token}/")
    assert response.status_code == 200
    assert b"was sent to someone@example.com" in response.content
    with scopes_disabled():
        assert not Membership.objects.filter(workspace=personas.a, user=personas.charlie).exists()


def test_unknown_invitation_token_is_404(client, db):
    assert client.get("/invitations/not-a-token/").status_code == 404


def test_reinvite_rotates_the_link_and_keeps_one_pending(personas):
    first = services.invitation_create(
        workspace=personas.a, actor=personas.alice, email="x@example.com", role="member"
    )
    old_hash = first.token_hash
    second = services.invitation_create(
        workspace=personas.a, actor=personas.alice, email="x@example.com", role="admin"
    )
    assert second.pk == first.pk and second.token_hash != old_hash and second.role == "admin"


def test_each_invitation_link_is_emailed_once_and_a_reinvite_supersedes_it(personas, settings):
    """The email task derives the link from the invitation's id and version (no token
    travels through the outbox or the broker), sends each version at most once however
    often it runs, and sends nothing for a version a re-invite replaced."""
    from accounts.tasks import invitation_send_email

    first = services.invitation_create(
        workspace=personas.a, actor=personas.alice, email="x@example.com", role="member"
    )
    second = services.invitation_create(
        workspace=personas.a, actor=personas.alice, email="x@example.com", role="member"
    )
    assert (first.link_version, second.link_version) == (1, 2)
    assert invitation_send_email(invitation_id=first.pk, link_version=1) is False  # replaced
    assert invitation_send_email(invitation_id=first.pk, link_version=2) is True
    assert invitation_send_email(invitation_id=first.pk, link_version=2) is False  # again
    (message,) = mail.outbox
    token = services.invitation_token(second)
    assert f"/invitations/{token}/" in message.body
    assert services.invitation_from_token(token=token).pk == first.pk
    # A token from before the change (random, only its hash stored) still opens it.
    with scopes_disabled():
        Invitation.objects.filter(pk=first.pk).update(
            token_hash=hash_token("legacy"), emailed_at=None
        )
    assert invitation_send_email(invitation_id=first.pk, token="legacy") is True
    assert "/invitations/legacy/" in mail.outbox[1].body
    # A SECRET_KEY rotated since the version was issued: the derived link would not
    # match the stored hash, so nothing is sent.
    third = services.invitation_create(
        workspace=personas.a, actor=personas.alice, email="y@example.com", role="member"
    )
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY
    assert invitation_send_email(invitation_id=third.pk, link_version=1) is False
    assert len(mail.outbox) == 2


def test_inviting_a_member_or_as_owner_is_a_field_error(api_as, personas):
    client = api_as(personas.alice)
    url = "/api/v1/workspaces/alice-studio/invitations/"
    existing = client.post(url, {"email": "bob@example.com", "role": "member"}, format="json")
    assert existing.status_code == 400 and existing.json()["errors"][0]["attr"] == "email"
    owner = client.post(url, {"email": "z@example.com", "role": "owner"}, format="json")
    assert owner.status_code == 400 and owner.json()["errors"][0]["attr"] == "role"


def test_revoke_invitation(api_as, personas):
    client = api_as(personas.alice)
    url = "/api/v1/workspaces/alice-studio/invitations/"
    created = client.post(url, {"email": "z@example.com", "role": "member"}, format="json").json()
    assert client.delete(f"{url}{created['id']}/").status_code == 204
    assert client.get(f"{url}{created['id']}/").json()["status"] == "revoked"


def test_expiry_task_marks_old_invitations(personas):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.tasks import invitations_expire

    invitation = services.invitation_create(
        workspace=personas.a, actor=personas.alice, email="late@example.com", role="member"
    )
    with scopes_disabled():
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(days=1)
        )
    assert invitations_expire() == 1
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.EXPIRED


# --- Pages ---------------------------------------------------------------------------------
def test_home_sends_a_new_user_to_onboarding_and_a_member_to_their_workspace(client, personas):
    newcomer = UserFactory()
    client.force_login(newcomer)
    assert client.get(reverse("accounts:home"))["Location"] == reverse("accounts:workspace_create")
    client.force_login(personas.bob)
    assert client.get(reverse("accounts:home"))["Location"] == "/w/alice-studio/"


def test_onboarding_form_creates_workspace(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:workspace_create"),
        {
            "name": "Fresh Start",
            "slug": "",
            "country": "CA",
            "base_currency": "CAD",
            "timezone": "America/Toronto",
            "invoice_prefix": "FS-",
            "payment_terms_days": 15,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/w/fresh-start/"
    assert client.get("/w/fresh-start/").status_code == 200


def test_onboarding_form_errors_are_shown_and_nothing_saved(client, db):
    client.force_login(UserFactory())
    response = client.post(
        reverse("accounts:workspace_create"),
        {"name": "", "country": "", "base_currency": "", "timezone": ""},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"name", "country", "base_currency"}
    assert Workspace.objects.count() == 0


def test_settings_page_is_for_managers(client, personas):
    client.force_login(personas.bob)
    assert (
        client.get(reverse("accounts:workspace_settings", args=["alice-studio"])).status_code == 403
    )
    client.force_login(personas.alice)
    response = client.post(
        reverse("accounts:workspace_settings", args=["alice-studio"]),
        {
            "name": "Alice & Co",
            "country": "US",
            "base_currency": "EUR",
            "timezone": "UTC",
            "invoice_prefix": "AC-",
            "payment_terms_days": 10,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    personas.a.refresh_from_db()
    assert (personas.a.name, personas.a.base_currency) == ("Alice & Co", "EUR")


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_settings_page_uploads_keeps_and_clears_the_logo(client, personas, settings, tmp_path):
    """A save without a file keeps the logo; the form's "clear" box removes it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    url = reverse("accounts:workspace_settings", args=["alice-studio"])
    form = {
        "name": "Alice Studio",
        "country": "US",
        "base_currency": "USD",
        "timezone": "UTC",
        "invoice_prefix": "INV-",
        "payment_terms_days": 30,
    }
    client.force_login(personas.alice)

    logo = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    response = client.post(url, {**form, "logo": logo})
    assert response.status_code == 302, response.context["form"].errors
    personas.a.refresh_from_db()
    assert personas.a.logo.name.startswith("logos/logo")

    assert client.post(url, {**form, "payment_terms_days": 14}).status_code == 302
    personas.a.refresh_from_db()
    assert personas.a.logo.name.startswith("logos/logo")
    assert personas.a.payment_terms_days == 14

    assert client.post(url, {**form, "logo-clear": "on"}).status_code == 302
    personas.a.refresh_from_db()
    assert not personas.a.logo


def test_api_settings_change_names_only_what_changed(api_as, personas):
    response = api_as(personas.alice).patch(
        "/api/v1/workspaces/alice-studio/",
        {"name": "Alice & Co", "country": "FR", "timezone": "Europe/Paris"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    personas.a.refresh_from_db()
    assert (personas.a.name, personas.a.country, personas.a.timezone) == (
        "Alice & Co",
        "FR",
        "Europe/Paris",
    )
    assert personas.a.payment_terms_days == 30
    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="workspace.update").get()
    assert entry.data["changed"] == {
        "name": "Alice & Co",
        "country": "FR",
        "timezone": "Europe/Paris",
    }


def test_members_page_invite_and_role_change(client, personas):
    client.force_login(personas.alice)
    url = reverse("accounts:members", args=["alice-studio"])
    response = client.post(url, {"email": "fresh@example.com", "role": "accountant"})
    assert response.status_code == 302
    with scopes_disabled():
        assert Invitation.objects.filter(email="fresh@example.com", role="accountant").exists()
        bob = Membership.objects.get(user=personas.bob)
    client.post(
        reverse("accounts:membership_change", args=["alice-studio", bob.pk]), {"role": "admin"}
    )
    bob.refresh_from_db()
    assert bob.role == "admin"


def test_member_cannot_post_invitations_on_the_page(client, personas):
    client.force_login(personas.bob)
    response = client.post(
        reverse("accounts:members", args=["alice-studio"]),
        {"email": "fresh@example.com", "role": "member"},
    )
    assert response.status_code == 403


def test_me_lists_my_workspaces_and_can_change_my_name(api_as, personas):
    client = api_as(personas.bob)
    me = client.get("/api/v1/me/").json()
    assert me["email"] == "bob@example.com" and me["two_factor_enabled"] is False
    assert me["workspaces"] == [{"slug": "alice-studio", "name": "Alice Studio", "role": "member"}]
    changed = client.patch("/api/v1/me/", {"full_name": "Bob B.", "email": "x@y.z"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["full_name"] == "Bob B." and changed.json()["email"] == "bob@example.com"


@pytest.fixture
def bob_is_admin(personas):
    with scopes_disabled():
        Membership.objects.filter(user=personas.bob).update(role=Role.ADMIN)
    return personas


def _membership(user):
    with scopes_disabled():
        return Membership.objects.get(user=user)


def test_admin_cannot_make_an_owner_or_touch_one(api_as, bob_is_admin):
    p = bob_is_admin
    client = api_as(p.bob)
    base = "/api/v1/workspaces/alice-studio/members/"
    promote_self = client.patch(f"{base}{_membership(p.bob).pk}/", {"role": "owner"}, format="json")
    assert promote_self.status_code == 400
    assert promote_self.json()["errors"][0]["attr"] == "role"
    demote_owner = client.patch(
        f"{base}{_membership(p.alice).pk}/", {"role": "member"}, format="json"
    )
    assert demote_owner.status_code == 400
    assert client.delete(f"{base}{_membership(p.alice).pk}/").status_code == 400
    assert _membership(p.bob).role == Role.ADMIN and _membership(p.alice).role == Role.OWNER
    # What an admin may do: manage the accountant.
    ok = client.patch(f"{base}{_membership(p.andy).pk}/", {"role": "member"}, format="json")
    assert ok.status_code == 200


def test_owner_can_share_ownership_and_anyone_can_leave(api_as, personas):
    base = "/api/v1/workspaces/alice-studio/members/"
    alice = api_as(personas.alice)
    assert (
        alice.patch(
            f"{base}{_membership(personas.bob).pk}/", {"role": "owner"}, format="json"
        ).status_code
        == 200
    )
    # Now that Bob is an owner too, Alice may leave; Andy (accountant) may leave as well.
    assert alice.delete(f"{base}{_membership(personas.alice).pk}/").status_code == 204
    with scopes_disabled():
        andy = Membership.objects.get(user=personas.andy)
    with scope(workspace=personas.a):
        services.membership_remove(membership=andy, actor=personas.andy)
        assert not Membership.objects.filter(user=personas.andy).exists()


def test_settings_page_audits_what_changed(client, personas):
    """The page's form validates on a copy of the workspace, so the service still sees
    the old values and the audit entry names exactly what changed."""
    client.force_login(personas.alice)
    response = client.post(
        reverse("accounts:workspace_settings", args=["alice-studio"]),
        {
            "name": "Alice & Co",
            "country": "US",
            "base_currency": "USD",
            "timezone": "UTC",
            "invoice_prefix": "INV-",
            "payment_terms_days": 14,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="workspace.update").get()
    assert entry.data["changed"] == {"name": "Alice & Co", "payment_terms_days": "14"}
