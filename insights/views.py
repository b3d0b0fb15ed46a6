"""The workspace's dashboard: what came in, who the clients are, who works here."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Membership
from accounts.tenancy import WorkspaceRequest
from core.pages import role_required
from engagements.models import Client
from invoicing.selectors import income_received


@role_required("read")
def dashboard(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    user = request.user
    if user.last_workspace_id != workspace.pk:
        user.last_workspace = workspace
        user.save(update_fields=["last_workspace"])
    clients = Client.objects.filter(archived_at__isnull=True)
    context = {
        "income": income_received(
            base_currency=workspace.base_currency, today=timezone.localdate()
        ),
        "client_count": clients.count(),
        "recent_clients": clients.order_by("-created_at")[:5],
        "member_count": Membership.objects.count(),
    }
    return render(request, "insights/dashboard.html", context)
