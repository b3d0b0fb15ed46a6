from django.db import transaction

from accounts.models import User, Workspace
from accounts.services import audit_record
from engagements.models import Client


@transaction.atomic
def client_create(*, workspace: Workspace, actor: User | None, **fields) -> Client:
    client = Client(workspace=workspace, **fields)
    if not client.currency:
        client.currency = workspace.base_currency
    client.full_clean()
    client.save()
    audit_record(workspace=workspace, actor=actor, action="client.create", obj=client)
    return client


@transaction.atomic
def client_update(*, client: Client, actor: User, **fields) -> Client:
    for name, value in fields.items():
        setattr(client, name, value)
    client.full_clean()
    client.save()
    audit_record(
        workspace=client.workspace,
        actor=actor,
        action="client.update",
        obj=client,
        fields=sorted(fields),
    )
    return client
