"""The workspace's payments settings: Stripe Connect onboarding (start, return, refresh)
and how card payments are split. Members may look; owners and admins change."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.tenancy import WorkspaceRequest
from core.pages import form_errors_from, role_required
from payments import services, stripe_api
from payments.forms import PaymentSettingsForm
from payments.requirements import plain_requirements
from payments.selectors import account_state, stripe_account_of

STRIPE_DOWN = "Stripe could not be reached just now. Nothing was changed; try again in a minute."


def _page(
    request: WorkspaceRequest,
    *,
    form: PaymentSettingsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    workspace = request.workspace
    account = stripe_account_of(workspace)
    current = services.payment_settings(workspace)
    if form is None:
        form = PaymentSettingsForm(
            initial={
                "benefits_percent": current.benefits_percent,
                "allow_partial": current.allow_partial,
            }
        )
    context: dict[str, Any] = {
        "account": account,
        "state": account_state(account),
        "requirements": plain_requirements(account.requirements_due if account else []),
        "form": form,
        "can_manage": request.membership.can_manage,
    }
    response = render(request, "payments/settings.html", context, status=status)
    # The connect form's POST redirects to Stripe's onboarding (see stripe_api).
    response._csp_update = {"form-action": [stripe_api.onboarding_origin()]}  # type: ignore[attr-defined]
    return response


def _urls(request: WorkspaceRequest) -> tuple[str, str]:
    slug = request.workspace.slug
    return (
        request.build_absolute_uri(reverse("payments:settings_refresh", args=[slug])),
        request.build_absolute_uri(reverse("payments:settings_return", args=[slug])),
    )


@role_required("read")
def payment_settings(request: WorkspaceRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    if not request.membership.can_manage:
        raise PermissionDenied("Only owners and admins change payment settings.")
    form = PaymentSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.payment_settings_update(
                workspace=request.workspace,
                actor=request.user,
                benefits_percent=form.cleaned_data["benefits_percent"],
                allow_partial=form.cleaned_data["allow_partial"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Payment settings saved.")
            return redirect("payments:settings", workspace=request.workspace.slug)
    return _page(request, form=form, status=400)


@require_POST
@role_required("manage")
def stripe_connect(request: WorkspaceRequest) -> HttpResponse:
    """Open the workspace's Express account (once) and send the owner to Stripe's
    onboarding; pressed again, it continues where they left off."""
    refresh_url, return_url = _urls(request)
    try:
        account = services.stripe_account_start(
            workspace=request.workspace,
            actor=request.user,
            country=settings.STRIPE_CONNECT_COUNTRY,
        )
        url = services.onboarding_link(
            account=account, refresh_url=refresh_url, return_url=return_url
        )
    except stripe_api.StripeError:
        messages.error(request, STRIPE_DOWN)
        return redirect("payments:settings", workspace=request.workspace.slug)
    return redirect(url)


@role_required("read")
def stripe_return(request: WorkspaceRequest) -> HttpResponse:
    """Where Stripe sends the owner back: read the account's status from Stripe (the
    webhook may not have arrived yet) and show it."""
    account = stripe_account_of(request.workspace)
    if account is None:
        messages.info(request, "No Stripe account is connected yet.")
        return _page(request)
    try:
        account = services.stripe_account_sync(account=account)
    except stripe_api.StripeError:
        messages.error(request, "Stripe could not be reached to read your account's status.")
        return _page(request)
    state = account_state(account)
    if state == "enabled":
        messages.success(request, "Your Stripe account is connected: clients can pay by card.")
    else:
        messages.warning(request, "Stripe still needs a few details before you can take cards.")
    return _page(request)


@role_required("read")
def stripe_refresh(request: WorkspaceRequest) -> HttpResponse:
    """Stripe sends the owner here when an onboarding link expired or was used: a new
    link, straight back to Stripe."""
    account = stripe_account_of(request.workspace)
    if account is None or not request.membership.can_manage:
        messages.info(request, "Your onboarding link expired. Start again from here.")
        return _page(request)
    refresh_url, return_url = _urls(request)
    try:
        url = services.onboarding_link(
            account=account, refresh_url=refresh_url, return_url=return_url
        )
    except stripe_api.StripeError:
        messages.error(request, STRIPE_DOWN)
        return _page(request)
    return redirect(url)
