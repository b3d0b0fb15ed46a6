"""Proposal pages: the professional's list, form and detail under /w/<workspace>/, and the
client's public page at /p/<token>/.

The public page is the one place here without a session: the token in the URL is the
credential (an HMAC of the proposal and its link version; only its hash is stored, and a
new link turns the old one off). It crosses tenants on
purpose through `services.proposal_from_token`, shows nothing but that one proposal, and is
rate limited per client address so the token space cannot be walked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import AuditEntry
from accounts.tenancy import WorkspaceRequest, workspace_scope
from core.pages import form_errors_from, role_required
from core.paginator import CappedPaginator
from core.ratelimit import PUBLIC_RATE_LIMIT, PUBLIC_RATE_WINDOW, rate_limited
from core.tenancy import get_tenant_object_or_404, membership_for
from engagements import services
from engagements.forms.proposals import (
    ProposalAcceptForm,
    ProposalDeclineForm,
    ProposalForm,
    ProposalSendForm,
)
from engagements.models import Proposal
from engagements.proposal_terms import proposal_terms


# --- Presentation helpers --------------------------------------------------------------------
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
    delivered = {
        e.data.get("send_id"): e for e in entries if e.action == "proposal.email_delivered"
    }
    version = None
    for i, entry in enumerate(sends):
        who = entry.actor.get_full_name() if entry.actor else ""
        to = ", ".join(entry.data.get("to") or [])
        link_version = entry.data.get("link_version")
        label = "Sent" if i == 0 else "Sent again"
        if i and link_version != version:
            label += " (new link)"
        version = link_version
        note = " · ".join(
            part for part in (f"to {to}" if to else "", f"by {who}" if who else "") if part
        )
        steps.append(TimelineStep(label, entry.created_at, note))
        if entry.pk in delivered:
            steps.append(TimelineStep("Email delivered", delivered[entry.pk].created_at, to))
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
    # The answer's email to the professional (engagements.tasks.proposal_answer_notify).
    for entry in entries:
        if entry.action == "proposal.answer_notified":
            to = ", ".join(entry.data.get("to") or [])
            steps.append(TimelineStep("You were emailed the answer", entry.created_at, to))
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
    page = CappedPaginator(proposals, 50).get_page(request.GET.get("page"))
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


@role_required("write")
def proposal_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Edit a draft: its title, scope, validity and the proposed engagement's terms."""
    proposal = _get_proposal(request, pk)
    if proposal.status != Proposal.Status.DRAFT:
        messages.error(request, "Only a draft can be edited: the client has seen this one.")
        return redirect(
            "engagements:proposal_detail", workspace=request.workspace.slug, pk=proposal.pk
        )
    form = ProposalForm(
        request.POST or None,
        workspace=request.workspace,
        initial=ProposalForm.initial_for(proposal),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.proposal_update(
                proposal=proposal,
                actor=request.user,
                client=data["client"],
                title=data["title"],
                scope=data["scope"],
                valid_until=data["valid_until"],
                **services.engagement_draft_from(form.engagement_terms(clear_others=True)),
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Draft saved.")
            return redirect(
                "engagements:proposal_detail", workspace=request.workspace.slug, pk=proposal.pk
            )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "engagements/proposals/form.html",
        {"form": form, "proposal": proposal},
        status=status,
    )


def _detail(
    request: WorkspaceRequest,
    proposal: Proposal,
    *,
    send_form: ProposalSendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    key, label = display_status(proposal)
    can_send = proposal.status in (Proposal.Status.DRAFT, Proposal.Status.SENT)
    token = services.proposal_link_current(proposal)
    if send_form is None and can_send:
        client = proposal.engagement.client
        send_form = ProposalSendForm(initial={"to": client.email}, resend=bool(proposal.sent_at))
    return render(
        request,
        "engagements/proposals/detail.html",
        {
            "proposal": proposal,
            "engagement": proposal.engagement,
            "status_key": key,
            "status_label": label,
            "terms": proposal_terms(proposal.engagement),
            "unpriced": services.proposal_unpriced(proposal) if can_send else None,
            "timeline": _timeline(proposal),
            "link": public_link(token) if token else None,
            "send_form": send_form,
            "can_send": can_send,
            "can_edit": proposal.status == Proposal.Status.DRAFT,
            "can_withdraw": can_send,
        },
        status=status,
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
    """Email the proposal with its link (the working one, or a new one when asked)."""
    proposal = _get_proposal(request, pk)
    form = ProposalSendForm(request.POST, resend=bool(proposal.sent_at))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.proposal_send(
                proposal=proposal,
                actor=request.user,
                to=data["to"],
                message=data["message"],
                new_link=data.get("new_link") or False,
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Proposal emailed to {data['to']}.")
            return redirect(
                "engagements:proposal_detail", workspace=request.workspace.slug, pk=proposal.pk
            )
    return _detail(request, _get_proposal(request, pk), send_form=form, status=400)


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
            "terms": proposal_terms(proposal.engagement),
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
