import pytest
from django_scopes import scopes_disabled

from accounts.tenancy import workspace_task
from engagements.models import Client
from tests.factories import ClientFactory


@workspace_task
def _count_clients(*, workspace):
    # Runs inside the workspace's scope: an unfiltered query sees only its rows.
    return workspace.slug, Client.objects.count()


def test_workspace_task_runs_inside_the_workspace_scope(personas):
    ClientFactory(workspace=personas.a)
    ClientFactory(workspace=personas.b)
    ClientFactory(workspace=personas.b)
    assert _count_clients(workspace_id=personas.a.pk) == ("alice-studio", 1)
    assert _count_clients(workspace_id=personas.b.pk) == ("charlie-works", 2)


def test_workspace_task_for_a_deleted_workspace_does_nothing(personas):
    pk = personas.b.pk
    with scopes_disabled():
        personas.b.delete()
    assert _count_clients(workspace_id=pk) is None


def test_workspace_task_needs_the_workspace_id(personas):
    with pytest.raises(TypeError):
        _count_clients()


def test_a_broker_outage_after_commit_does_not_fail_the_saved_write(
    personas, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    """The invitation is saved; queuing its email fails (the broker is down) and is
    logged, not raised: the person sees their invitation pending and can resend it. The
    shared test broker cannot be stopped, so the outage is simulated at the publish."""
    from kombu.exceptions import OperationalError

    from accounts import services
    from accounts.models import Invitation
    from accounts.tasks import invitation_send_email

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(invitation_send_email, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            workspace=personas.a, actor=personas.alice, email="later@example.com", role="member"
        )
    with scopes_disabled():
        assert Invitation.objects.filter(email="later@example.com", status="pending").exists()
    # Logged by Django's robust on_commit (django.db.backends.base; django.test here).
    logged = [r.getMessage() for r in caplog.records if "in on_commit()" in r.getMessage()]
    assert len(logged) == 1 and "Connection refused" in logged[0]
