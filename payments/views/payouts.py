"""The connected account's balance and its payouts, and a manual payout."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.tenancy import WorkspaceRequest
from core.money import format_money
from core.pages import form_errors_from, role_required
from core.paginator import CappedPaginator
from payments import services, stripe_api
from payments.forms import PayoutForm
from payments.models import Payout
from payments.selectors import balance_forget, cached_balance, stripe_account_of

PAGE_SIZE = 25


@role_required("read")
def payouts(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    account = stripe_account_of(workspace)
    form = PayoutForm(request.POST or None, initial={"currency": workspace.base_currency})
    status = 200
    if request.method == "POST":
        if not request.membership.can_manage:
            raise PermissionDenied("Only owners and admins request payouts.")
        if form.is_valid():
            try:
                payout = services.payout_request(
                    workspace=workspace,
                    actor=request.user,
                    amount=form.cleaned_data["amount"],
                    currency=form.cleaned_data["currency"],
                )
            except ValidationError as exc:
                form_errors_from(exc, form)
            except stripe_api.StripeError:
                form.add_error(None, "Stripe could not be reached; no payout was made. Try again.")
            else:
                if account is not None:
                    balance_forget(account)
                messages.success(
                    request,
                    f"Payout of {format_money(payout.amount, payout.currency)} requested.",
                )
                return redirect("payments:payouts", workspace=workspace.slug)
        status = 400
    balances = cached_balance(account) if account is not None else {}
    page = CappedPaginator(
        Payout.objects.filter(workspace=workspace).order_by("-created_at", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "account": account,
        "balances": sorted(balances.items()) if balances else [],
        "balance_unreachable": account is not None and balances is None,
        "page": page,
        "form": form,
        "can_request": account is not None
        and account.payouts_enabled
        and request.membership.can_manage,
    }
    return render(request, "payments/payouts.html", context, status=status)
