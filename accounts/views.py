"""Pages for onboarding, workspace settings, members, invitations and API tokens.

Pages under /w/<slug>/ get `request.workspace` and `request.membership` from
`core.tenancy.TenantMiddleware` (non-members already got a 404 there); `role_required` adds the role
check. Views stay thin: parse, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import ApiTokenForm, InvitationForm, ProfileForm, WorkspaceForm
from accounts.models import ApiToken, Invitation, Membership, Role, Workspace
from accounts.tenancy import SignedInRequest, WorkspaceRequest
from core.pages import form_errors_from, role_required
from core.tenancy import get_tenant_object_or_404


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html")


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """Open the last workspace used, else the first, else onboarding."""
    workspaces = selectors.workspaces_for_user(user=request.user)
    last_pk = request.user.last_workspace_id
    last = workspaces.filter(pk=last_pk).first() if last_pk is not None else None
    target = last or workspaces.first()
    if target is None:
        return redirect("accounts:workspace_create")
    return redirect("insights:dashboard", workspace=target.slug)


@login_required
def workspace_create(request: SignedInRequest) -> HttpResponse:
    first = not selectors.workspaces_for_user(user=request.user).exists()
    form = WorkspaceForm(request.POST or None, initial={"base_currency": "USD", "country": "US"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workspace = services.workspace_create(
                user=request.user,
                name=data["name"],
                slug=data.get("slug") or "",
                country=str(data["country"]),
                base_currency=data["base_currency"],
                timezone_name=data["timezone"],
                invoice_prefix=data["invoice_prefix"],
                payment_terms_days=data["payment_terms_days"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Welcome to {workspace.name}.")
            return redirect("insights:dashboard", workspace=workspace.slug)
    return render(request, "accounts/workspace_create.html", {"form": form, "first": first})


@role_required("manage")
def workspace_settings(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    # The form gets its own copy: validating writes onto its instance, and the service must
    # still see (and audit) what changed; a rejected edit must not reach the page's header.
    form = WorkspaceForm(
        request.POST or None,
        request.FILES or None,
        instance=Workspace.objects.get(pk=workspace.pk),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.workspace_update(
                workspace=workspace,
                actor=request.user,
                name=data["name"],
                country=str(data["country"]),
                base_currency=data["base_currency"],
                timezone_name=data["timezone"],
                invoice_prefix=data["invoice_prefix"],
                payment_terms_days=data["payment_terms_days"],
                legal_name=data["legal_name"],
                billing_address=data["billing_address"],
                tax_id=data["tax_id"],
                logo=data["logo"],
                payment_instructions=data["payment_instructions"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Settings saved.")
            return redirect("accounts:workspace_settings", workspace=workspace.slug)
    return render(request, "accounts/workspace_settings.html", {"form": form})


@role_required("read")
def members(request: WorkspaceRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not request.membership.can_manage:
            raise PermissionDenied("Only owners and admins invite people.")
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    workspace=request.workspace,
                    actor=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("accounts:members", workspace=request.workspace.slug)
    context = {
        "form": form,
        "roles": Role.choices,
        "memberships": Membership.objects.select_related("user").order_by("created_at"),
        "invitations": Invitation.objects.filter(status=Invitation.Status.PENDING).select_related(
            "invited_by"
        ),
        "role_counts": dict(
            Membership.objects.values_list("role").annotate(n=Count("pk")).values_list("role", "n")
        ),
    }
    return render(request, "accounts/members.html", context)


@require_POST
@role_required("manage")
def invitation_revoke(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invitation = get_tenant_object_or_404(Invitation, request.workspace, pk=pk)
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.info(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("accounts:members", workspace=request.workspace.slug)


@require_POST
@role_required("manage")
def membership_change(request: WorkspaceRequest, pk: int) -> HttpResponse:
    membership = get_tenant_object_or_404(Membership, request.workspace, pk=pk)
    try:
        if request.POST.get("action") == "remove":
            services.membership_remove(membership=membership, actor=request.user)
            messages.info(request, f"{membership.user.email} no longer belongs to this workspace.")
        else:
            services.membership_update_role(
                membership=membership, actor=request.user, role=request.POST.get("role", "")
            )
            messages.success(request, f"{membership.user.email}'s role changed.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:members", workspace=request.workspace.slug)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_from_token(token=token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            services.invitation_accept(token=token, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"You joined {invitation.workspace.name}.")
            return redirect("insights:dashboard", workspace=invitation.workspace.slug)
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "next": reverse("accounts:invitation_accept", args=[token])},
    )


@login_required
def profile(request: SignedInRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=request.user, full_name=form.cleaned_data["full_name"])
        messages.success(request, "Profile saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def api_tokens(request: SignedInRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None, user=request.user)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_key = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                workspace=form.cleaned_data["workspace"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Token created. Copy it now: it will not be shown again.")
            form = ApiTokenForm(user=request.user)
    tokens = ApiToken.objects.filter(user=request.user).select_related("workspace")
    return render(
        request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "new_key": new_key}
    )


@require_POST
@login_required
def api_token_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    # Tokens are the user's own: another user's token id is a 404.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token)
    messages.info(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:api_tokens")
