"""Proposal pages: the professional's list, form and detail under /w/<workspace>/, and the
client's public page at /p/<token>/.

The public page is the one place here without a session: the token in the URL is the
credential (only its hash is stored; sending again rotates it). It crosses tenants on
purpose through `services.proposal_from_token`, shows nothing but that one proposal, and is
rate limited per client address so the token space cannot be walked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import AuditEntry
from accounts.tenancy import WorkspaceRequest, workspace_scope
from core.money import format_money
from core.pages import form_errors_from, role_required
from core.ratelimit import PUBLIC_RATE_LIMIT, PUBLIC_RATE_WINDOW, rate_limited
from core.tenancy import get_tenant_object_or_404, membership_for
from engagements import services
from engagements.forms.proposals import ProposalAcceptForm, ProposalDeclineForm, ProposalForm
from engagements.models import Engagement, PayModel, Proposal


# --- Presentation helpers --------------------------------------------------------------------
def _money(amount: Decimal | None, currency: str) -> str:
    return format_money(amount, currency) if amount is not None else "—"


def _hours(hours: Decimal | None) -> str:
    return format_decimal(hours, format="#,##0.##", locale="en") if hours is not None else "—"


def terms_in_words(engagement: Engagement) -> list[str]:
    """The pay model's terms as sentences a client reads, not field names."""
    e, cur = engagement, engagement.currency
    lines: list[str] = []
    if e.pay_model == PayModel.HOURLY:
        lines.append(f"{_money(e.hourly_rate, cur)} per hour worked, billed from time records.")
        if e.weekly_hour_cap:
            lines.append(f"At most {_hours(e.weekly_hour_cap)} hours a week.")
    elif e.pay_model == PayModel.FIXED_FEE:
        lines.append("A fixed fee, invoiced per milestone as each deliverable is accepted.")
    elif e.pay_model == PayModel.RETAINER:
        lines.append(
            f"{_money(e.retainer_fee, cur)} a month, invoiced in advance on day "
            f"{e.billing_day} of each month, including {_hours(e.retainer_included_hours)} hours."
        )
        lines.append(f"Hours beyond those: {_money(e.retainer_overage_rate, cur)} per hour.")
        if e.rollover_cap_hours:
            expiry = (
                f", expiring after {e.rollover_expiry_months} months"
                if e.rollover_expiry_months
                else ""
            )
            lines.append(
                f"Unused hours carry over to the next month, up to "
                f"{_hours(e.rollover_cap_hours)} hours{expiry}."
            )
        else:
            lines.append("Unused hours do not carry over.")
    elif e.pay_model == PayModel.BOUNTY:
        lines.append("A fee for each agreed outcome, owed once you accept that it was achieved.")
    elif e.pay_model == PayModel.REVENUE_SHARE:
        period = (e.get_revenue_period_display() or "each period").lower()
        lines.append(f"{_hours(e.revenue_share_percent)}% of the revenue you report, {period}.")
        if e.revenue_share_floor is not None:
            lines.append(f"At least {_money(e.revenue_share_floor, cur)} a period.")
        if e.revenue_share_cap is not None:
            lines.append(f"At most {_money(e.revenue_share_cap, cur)} a period.")
        if e.revenue_basis:
            lines.append(f"Revenue means: {e.revenue_basis}")
    lines.append(f"All amounts in {cur}.")
    return lines


def _is_expired(proposal: Proposal, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        proposal.status == Proposal.Status.SENT
        and proposal.valid_until is not None
        and today > proposal.valid_until
    )


def display_status(proposal: Proposal) -> tuple[str, str]:
    """(key, label): "expired" is derived — a sent proposal past its validity."""
    if _is_expired(proposal):
        return "expired", "Expired"
    return proposal.status, proposal.get_status_display()


@dataclass
class TimelineStep:
    label: str
    at: dt.datetime | None
    note: str = ""
    tone: str = "done"  # done, todo, good, bad


def _timeline(proposal: Proposal) -> list[TimelineStep]:
    """Created → sent (each time) → viewed → answered, from the proposal and its audit
    trail (the audit entries carry the times the model has no column for: resends and
    withdrawal)."""
    entries = list(
        AuditEntry.objects.filter(
            workspace=proposal.workspace, object_type="proposal", object_id=str(proposal.pk)
        )
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    steps = [TimelineStep("Created", proposal.created_at)]
    sends = [e for e in entries if e.action == "proposal.send"]
    for i, entry in enumerate(sends):
        who = entry.actor.get_full_name() if entry.actor else ""
        steps.append(
            TimelineStep(
                "Sent" if i == 0 else "Sent again (new link)",
                entry.created_at,
                f"by {who}" if who else "",
            )
        )
    if not sends and proposal.sent_at:
        steps.append(TimelineStep("Sent", proposal.sent_at))
    if proposal.viewed_at:
        steps.append(TimelineStep("Opened by the client", proposal.viewed_at))
    status = proposal.status
    if status == Proposal.Status.ACCEPTED:
        note = f"by {proposal.accepted_name}"
        if proposal.accepted_email:
            note += f" ({proposal.accepted_email})"
        steps.append(TimelineStep("Accepted", proposal.responded_at, note, "good"))
    elif status == Proposal.Status.DECLINED:
        steps.append(
            TimelineStep("Declined", proposal.responded_at, proposal.decline_reason, "bad")
        )
    elif status == Proposal.Status.WITHDRAWN:
        withdrawn = next((e for e in entries if e.action == "proposal.withdraw"), None)
        steps.append(
            TimelineStep("Withdrawn", withdrawn.created_at if withdrawn else None, "", "bad")
        )
    elif _is_expired(proposal):
        steps.append(
            TimelineStep("Expired", None, f"valid until {proposal.valid_until:%b %-d, %Y}", "bad")
        )
    else:
        if not proposal.sent_at:
            steps.append(TimelineStep("Send it to the client", None, "", "todo"))
        elif not proposal.viewed_at:
            steps.append(TimelineStep("Waiting for the client to open it", None, "", "todo"))
        steps.append(TimelineStep("Accepted or declined", None, "", "todo"))
    return steps


def public_link(token: str) -> str:
    return settings.SITE_URL + reverse("engagements:proposal_public", args=[token])


# --- Pages of the workspace ------------------------------------------------------------------
STATUS_FILTERS = ["draft", "sent", "accepted", "declined", "withdrawn"]


@role_required("read")
def proposal_list(request: WorkspaceRequest) -> HttpResponse:
    proposals = Proposal.objects.select_related("engagement__client").order_by("-created_at", "-pk")
    status = request.GET.get("status", "")
    if status in STATUS_FILTERS:
        proposals = proposals.filter(status=status)
    else:
        status = ""
    page = Paginator(proposals, 50).get_page(request.GET.get("page"))
    rows = [(p, display_status(p)) for p in page]
    return render(
        request,
        "engagements/proposals/list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "status_filters": STATUS_FILTERS,
            "querystring": f"status={status}" if status else "",
        },
    )


@role_required("write")
def proposal_create(request: WorkspaceRequest) -> HttpResponse:
    form = ProposalForm(
        request.POST or None,
        workspace=request.workspace,
        initial={
            "client": request.GET.get("client"),
            "start_date": timezone.localdate(),
            "valid_until": timezone.localdate() + dt.timedelta(days=30),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The chosen pay model's terms that were filled in; the rest take the defaults.
        terms = form.engagement_terms()
        try:
            proposal = services.proposal_create(
                workspace=request.workspace,
                actor=request.user,
                client=data["client"],
                title=data["title"],
                scope=data["scope"],
                valid_until=data["valid_until"],
                **services.engagement_draft_from(terms),
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Proposal saved as a draft. Send it when it is ready.")
            return redirect(
                "engagements:proposal_detail", workspace=request.workspace.slug, pk=proposal.pk
            )
    return render(request, "engagements/proposals/form.html", {"form": form})


def _detail(request: WorkspaceRequest, proposal: Proposal, *, new_link: str | None = None):
    key, label = display_status(proposal)
    return render(
        request,
        "engagements/proposals/detail.html",
        {
            "proposal": proposal,
            "engagement": proposal.engagement,
            "status_key": key,
            "status_label": label,
            "terms": terms_in_words(proposal.engagement),
            "timeline": _timeline(proposal),
            "new_link": new_link,
            "can_send": proposal.status in (Proposal.Status.DRAFT, Proposal.Status.SENT),
            "can_withdraw": proposal.status in (Proposal.Status.DRAFT, Proposal.Status.SENT),
        },
    )


def _get_proposal(request: WorkspaceRequest, pk: int) -> Proposal:
    return get_tenant_object_or_404(
        Proposal.objects.select_related("engagement__client", "created_by"),
        request.workspace,
        pk=pk,
    )


@role_required("read")
def proposal_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    return _detail(request, _get_proposal(request, pk))


@require_POST
@role_required("write")
def proposal_send(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Issue the link and show it once, on this response (like a new API token): the
    token is not stored, so a reload cannot show it again."""
    proposal = _get_proposal(request, pk)
    try:
        proposal, token = services.proposal_send(proposal=proposal, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(
            "engagements:proposal_detail", workspace=request.workspace.slug, pk=proposal.pk
        )
    proposal = _get_proposal(request, pk)
    messages.success(request, "Proposal sent. Copy the link now: it will not be shown again.")
    response = _detail(request, proposal, new_link=public_link(token))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required("write")
def proposal_withdraw(request: WorkspaceRequest, pk: int) -> HttpResponse:
    proposal = _get_proposal(request, pk)
    try:
        services.proposal_withdraw(proposal=proposal, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, "Proposal withdrawn. Its link now says so.")
    return redirect("engagements:proposal_detail", workspace=request.workspace.slug, pk=proposal.pk)


# --- The client's public page ----------------------------------------------------------------
def _public_response(
    request, proposal, token, accept_form, decline_form, *, status=200, is_member=False
) -> HttpResponse:
    key, label = display_status(proposal)
    response = render(
        request,
        "public/proposal.html",
        {
            "proposal": proposal,
            "engagement": proposal.engagement,
            "workspace": proposal.workspace,
            "client": proposal.engagement.client,
            "terms": terms_in_words(proposal.engagement),
            "status_key": key,
            "status_label": label,
            "accept_form": accept_form,
            "decline_form": decline_form,
            "action": reverse("engagements:proposal_public", args=[token]),
            "is_member": is_member,
        },
        status=status,
    )
    # The URL is a credential: keep it out of caches, other sites' referrers and search
    # engines. ("no-referrer" would also blank the Origin of the form posts: CSRF fails.)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@rate_limited(scope="proposal", limit=PUBLIC_RATE_LIMIT, window=PUBLIC_RATE_WINDOW)
def proposal_public(request: HttpRequest, token: str) -> HttpResponse:
    proposal = services.proposal_from_token(token=token)
    if proposal is None or proposal.status == Proposal.Status.DRAFT:
        raise Http404("No such proposal.")
    # The token named this proposal, so its workspace is the one scope this request may
    # touch: answering writes the proposal, its engagement and the audit trail there.
    with workspace_scope(proposal.workspace):
        return _proposal_public(request, token, proposal)


def _proposal_public(request: HttpRequest, token: str, proposal: Proposal) -> HttpResponse:
    answer = request.POST.get("answer") if request.method == "POST" else None
    accept_form = ProposalAcceptForm(request.POST if answer == "accept" else None)
    decline_form = ProposalDeclineForm(request.POST if answer == "decline" else None)
    if request.method == "POST":
        form = accept_form if answer == "accept" else decline_form
        if answer in ("accept", "decline") and form.is_valid():
            data = form.cleaned_data
            try:
                services.proposal_respond(
                    proposal=proposal,
                    accept=answer == "accept",
                    name=data.get("name", ""),
                    email=data.get("email", ""),
                    reason=data.get("reason", ""),
                )
            except ValidationError as exc:
                form_errors_from(exc, form)
            else:
                return redirect("engagements:proposal_public", token=token)
        return _public_response(request, proposal, token, accept_form, decline_form, status=400)
    # The professional checking their own link is not the client opening it.
    is_member = membership_for(request.user, proposal.workspace) is not None
    if proposal.status == Proposal.Status.SENT and not _is_expired(proposal) and not is_member:
        services.proposal_mark_viewed(proposal=proposal)
    return _public_response(
        request, proposal, token, accept_form, decline_form, is_member=is_member
    )
