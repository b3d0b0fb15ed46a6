import pytest
from django_scopes import scopes_disabled

from engagements.models import Client
from portfolio.celery import workspace_task
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
