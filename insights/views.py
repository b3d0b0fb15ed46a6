"""The workspace's dashboard: what came in, who the clients are, who works here."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Membership
from accounts.tenancy import WorkspaceRequest
from core.pages import role_required
from engagements.models import Client, Engagement, EngagementStatus, PayModel
from insights.selectors import unbilled_waiting
from invoicing.selectors import income_received, owed_by_currency


@role_required("read")
def dashboard(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    user = request.user
    if user.last_workspace_id != workspace.pk:
        user.last_workspace = workspace
        user.save(update_fields=["last_workspace"])
    clients = Client.objects.filter(archived_at__isnull=True)
    today = timezone.localdate()
    context = {
        "income": income_received(base_currency=workspace.base_currency, today=today),
        "owed": owed_by_currency(today=today),
        "unbilled": unbilled_waiting(today=today),
        # The timer runs in the browser (static/js/engagements.js, per engagement in
        # localStorage); the dashboard shows a running one for these (one query).
        "timer_engagements": Engagement.objects.filter(
            pay_model=PayModel.HOURLY, status=EngagementStatus.ACTIVE
        ).order_by("name", "pk"),
        "client_count": clients.count(),
        "recent_clients": clients.order_by("-created_at")[:5],
        "member_count": Membership.objects.count(),
    }
    return render(request, "insights/dashboard.html", context)
