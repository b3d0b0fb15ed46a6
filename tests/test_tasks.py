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


def test_a_broker_outage_at_commit_delays_the_invitation_email_and_loses_nothing(
    personas, django_capture_on_commit_callbacks, monkeypatch, inline_tasks
):
    """The invitation is saved and its email waits in the outbox while the broker is down
    (no error reaches the person inviting); once the broker is back, the relay sends it,
    once. The real broker is stopped and started in tests/test_outbox_broker.py."""
    from django.core import mail
    from kombu.exceptions import OperationalError

    import core.outbox
    from accounts import services
    from accounts.models import Invitation
    from core.models import OutboxMessage

    deliver = core.outbox._publish  # inline_tasks: runs the task here

    def broker_down(message):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(core.outbox, "_publish", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            workspace=personas.a, actor=personas.alice, email="later@example.com", role="member"
        )
    with scopes_disabled():
        assert Invitation.objects.filter(email="later@example.com", status="pending").exists()
    (message,) = OutboxMessage.objects.all()
    assert message.task == "accounts.tasks.invitation_send_email" and message.sent_at is None
    assert set(message.kwargs) == {"invitation_id", "link_version"}  # ids, no token
    assert mail.outbox == []

    monkeypatch.setattr(core.outbox, "_publish", deliver)
    assert core.outbox.outbox_relay(retry_now=True).published == 1
    assert core.outbox.outbox_relay(retry_now=True).published == 0
    (email,) = mail.outbox
    assert email.to == ["later@example.com"]
