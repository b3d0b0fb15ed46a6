"""The workspace's dashboard: what came in, who the clients are, who works here."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Membership, Workspace
from accounts.tenancy import WorkspaceRequest
from core.pages import role_required
from engagements.models import Client, Engagement, EngagementStatus, PayModel
from insights.selectors import unbilled_waiting
from invoicing.selectors import income_received, owed_by_currency
from payments.selectors import cached_balance, last_payout, stripe_account_of


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
        "recent_clients": clients.order_by("-created_at", "-pk")[:5],  # on client_recent
        "member_count": Membership.objects.count(),
        "stripe": _stripe_card(workspace),
    }
    return render(request, "insights/dashboard.html", context)


def _stripe_card(workspace: Workspace) -> dict[str, Any] | None:
    """The Stripe balance card, for a workspace with a connected account: the balance
    (from the cache, at most one Stripe call a minute) and the last payout."""
    account = stripe_account_of(workspace)
    if account is None:
        return None
    balances = cached_balance(account)
    return {
        "account": account,
        "balances": sorted(balances.items()) if balances is not None else [],
        "unreachable": balances is None,
        "last_payout": last_payout(workspace),
    }
