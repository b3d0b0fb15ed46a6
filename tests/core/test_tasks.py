"""`core.tasks.tenant_task` for a kind, from the kind alone (here the workspace kind, looked
up in the registry rather than through `accounts.tenancy.workspace_task`)."""

import pytest
from django_scopes import scopes_disabled
from django_scopes.state import get_scope

from core.tasks import tenant_task
from core.tenancy import tenant_kind
from engagements.models import Client
from tests.factories import ClientFactory


@pytest.fixture
def task():
    kind = tenant_kind("workspace")

    @tenant_task(kind)
    def body(*, workspace, extra=None):
        # Unfiltered: the scope alone keeps other tenants' rows out.
        return workspace, get_scope().get("workspace"), Client.objects.count(), extra

    return body


def test_the_body_runs_in_the_tenants_scope(personas, task):
    ClientFactory(workspace=personas.a)
    ClientFactory(workspace=personas.b)
    ClientFactory(workspace=personas.b)
    assert task(workspace_id=personas.b.pk, extra="x") == (personas.b, personas.b, 2, "x")
    assert task(workspace_id=personas.a.pk) == (personas.a, personas.a, 1, None)
    assert get_scope().get("workspace") is None  # left again afterwards


def test_a_missing_tenant_id_is_a_type_error(task):
    with pytest.raises(TypeError, match="workspace_id"):
        task()


def test_a_tenant_deleted_since_queuing_means_nothing_to_do(personas, task):
    pk = personas.b.pk
    with scopes_disabled():
        personas.b.delete()
    assert task(workspace_id=pk) is None


def test_the_wrapped_task_keeps_its_name(task):
    assert task.__name__ == "body"
