"""Writing the work an engagement records, from its page: time, milestones, outcomes,
revenue reports, expenses (and their receipts), deletes.

Views stay thin: parse a form, call one service, render. Every POST that writes is gated
by `role_required("write")` (accountants read only: 403); every object comes through
`get_tenant_object_or_404` (another workspace's id is a 404). A service's
ValidationError is shown on the form it came from, with a 200, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.tenancy import WorkspaceRequest
from core.pages import form_errors_from, role_required
from core.tenancy import get_tenant_object_or_404
from engagements import services
from engagements.forms.records import (
    ExpenseForm,
    MilestoneAcceptForm,
    MilestoneForm,
    OutcomeAcceptForm,
    OutcomeForm,
    RevenueReportForm,
    TimeEntryForm,
)
from engagements.models import (
    Engagement,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    RevenueReport,
    TimeEntry,
)
from engagements.receipts import receipt_response
from engagements.views.engagements import engagement_for, engagement_page, to_detail


def _record_form(
    request: WorkspaceRequest,
    engagement: Engagement,
    form: forms.BaseForm,
    *,
    form_key: str,
    save: Callable[[dict[str, Any]], object],
    success: str,
    anchor: str,
) -> HttpResponse:
    """Validate, call the service, and either redirect or show the form's errors."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, success)
            return to_detail(engagement, anchor)
    failed: dict[str, Any] = {form_key: form}
    return engagement_page(request, engagement, **failed)


@require_POST
@role_required("write")
def time_entry_save(request: WorkspaceRequest, pk: int) -> HttpResponse:
    engagement = engagement_for(request, pk)
    if engagement.pay_model not in (PayModel.HOURLY, PayModel.RETAINER):
        raise Http404("This engagement does not record time.")
    entry = None
    entry_id = request.POST.get("entry_id", "")
    if entry_id:
        entry = get_tenant_object_or_404(
            TimeEntry,
            request.workspace,
            pk=entry_id if entry_id.isdigit() else 0,
            engagement=engagement,
        )
    form = TimeEntryForm(request.POST, instance=entry)

    def save(data):
        saved = services.time_entry_save(
            engagement=engagement,
            actor=request.user,
            entry=entry,
            date=data["date"],
            minutes=data["minutes"],
            description=data["description"],
            billable=data["billable"],
        )
        if services.weekly_cap_exceeded(engagement, saved.date):
            messages.warning(
                request,
                f"The week of {saved.date:%b %-d} is over the {engagement.weekly_hour_cap:g}-hour "
                "weekly cap.",
            )

    response = _record_form(
        request,
        engagement,
        form,
        form_key="time_form",
        save=save,
        success="Time updated." if entry else "Time logged.",
        anchor="time",
    )
    if entry is not None and response.status_code == 200:
        # Re-rendered with errors: stay in edit mode for that entry.
        return engagement_page(request, engagement, time_form=form, editing_entry=entry)
    return response


@require_POST
@role_required("write")
def milestone_add(request: WorkspaceRequest, pk: int) -> HttpResponse:
    engagement = engagement_for(request, pk)
    if engagement.pay_model != PayModel.FIXED_FEE:
        raise Http404("Milestones belong to fixed-fee engagements.")
    form = MilestoneForm(request.POST)
    return _record_form(
        request,
        engagement,
        form,
        form_key="milestone_form",
        save=lambda data: services.milestone_save(
            engagement=engagement,
            actor=request.user,
            title=data["title"],
            amount=data["amount"],
            due_date=data["due_date"],
            acceptance_criteria=data["acceptance_criteria"],
        ),
        success="Milestone added.",
        anchor="milestones",
    )


@require_POST
@role_required("write")
def milestone_deliver(request: WorkspaceRequest, pk: int, milestone_pk: int) -> HttpResponse:
    engagement = engagement_for(request, pk)
    milestone = get_tenant_object_or_404(
        Milestone, request.workspace, pk=milestone_pk, engagement=engagement
    )
    try:
        services.milestone_deliver(milestone=milestone, actor=request.user, on=timezone.localdate())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{milestone.title}” marked delivered.")
    return to_detail(engagement, "milestones")


@require_POST
@role_required("write")
def milestone_accept(request: WorkspaceRequest, pk: int, milestone_pk: int) -> HttpResponse:
    engagement = engagement_for(request, pk)
    milestone = get_tenant_object_or_404(
        Milestone, request.workspace, pk=milestone_pk, engagement=engagement
    )
    form = MilestoneAcceptForm(request.POST, prefix=f"accept-{milestone.pk}")
    return _record_form(
        request,
        engagement,
        form,
        form_key="milestone_accept",
        save=lambda data: services.milestone_accept(
            milestone=milestone,
            actor=request.user,
            on=data["accepted_at"],
            on_word_of=data["on_word_of"],
        ),
        success=f"Acceptance of “{milestone.title}” recorded: it is now billable.",
        anchor="milestones",
    )


@require_POST
@role_required("write")
def outcome_add(request: WorkspaceRequest, pk: int) -> HttpResponse:
    engagement = engagement_for(request, pk)
    if engagement.pay_model != PayModel.BOUNTY:
        raise Http404("Outcomes belong to bounty engagements.")
    form = OutcomeForm(request.POST)
    return _record_form(
        request,
        engagement,
        form,
        form_key="outcome_form",
        save=lambda data: services.outcome_save(
            engagement=engagement,
            actor=request.user,
            description=data["description"],
            fee=data["fee"],
        ),
        success="Outcome added.",
        anchor="outcomes",
    )


@require_POST
@role_required("write")
def outcome_accept(request: WorkspaceRequest, pk: int, outcome_pk: int) -> HttpResponse:
    engagement = engagement_for(request, pk)
    outcome = get_tenant_object_or_404(
        Outcome, request.workspace, pk=outcome_pk, engagement=engagement
    )
    form = OutcomeAcceptForm(request.POST, prefix=f"accept-{outcome.pk}")
    return _record_form(
        request,
        engagement,
        form,
        form_key="outcome_accept",
        save=lambda data: services.outcome_accept(
            outcome=outcome,
            actor=request.user,
            on=data["accepted_at"],
            evidence_note=data["evidence_note"],
        ),
        success="Outcome accepted: its fee is now billable.",
        anchor="outcomes",
    )


@require_POST
@role_required("write")
def revenue_report_add(request: WorkspaceRequest, pk: int) -> HttpResponse:
    engagement = engagement_for(request, pk)
    form = RevenueReportForm(request.POST)
    return _record_form(
        request,
        engagement,
        form,
        form_key="report_form",
        save=lambda data: services.revenue_report_save(
            engagement=engagement,
            actor=request.user,
            period_start=data["period_start"],
            period_end=data["period_end"],
            revenue=data["revenue"],
            reported_by=data["reported_by"],
            reported_at=data["reported_at"],
            note=data["note"],
        ),
        success="Revenue report recorded.",
        anchor="revenue",
    )


@require_POST
@role_required("write")
def expense_add(request: WorkspaceRequest, pk: int) -> HttpResponse:
    engagement = engagement_for(request, pk)
    form = ExpenseForm(request.POST, request.FILES)
    return _record_form(
        request,
        engagement,
        form,
        form_key="expense_form",
        save=lambda data: services.expense_save(
            engagement=engagement,
            actor=request.user,
            date=data["date"],
            amount=data["amount"],
            category=data["category"],
            description=data["description"],
            receipt=data["receipt"],
            rebillable=data["rebillable"],
            markup_percent=data["markup_percent"],
        ),
        success="Expense added.",
        anchor="expenses",
    )


@role_required("read")
def expense_receipt(request: WorkspaceRequest, pk: int, expense_pk: int) -> HttpResponse:
    """Receipts are served through this tenant check, never from a public media URL; as an
    attachment, so an uploaded file never renders as a page of this site."""
    engagement = engagement_for(request, pk)
    expense = get_tenant_object_or_404(
        Expense, request.workspace, pk=expense_pk, engagement=engagement
    )
    if not expense.receipt:
        raise Http404("No receipt.")
    return receipt_response(expense.receipt)


# What the delete button may remove, by the `kind` it posts.
DELETABLE = {
    "time": TimeEntry,
    "milestone": Milestone,
    "outcome": Outcome,
    "revenue_share": RevenueReport,
    "expense": Expense,
}


@require_POST
@role_required("write")
def record_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    engagement = engagement_for(request, pk)
    kind = request.POST.get("kind", "")
    record_id = request.POST.get("id", "")
    if kind not in DELETABLE or not record_id.isdigit():
        raise Http404("Nothing to delete.")
    record = get_tenant_object_or_404(
        DELETABLE[kind], request.workspace, pk=int(record_id), engagement=engagement
    )
    try:
        if kind == "time":
            services.time_entry_delete(entry=record, actor=request.user)
        else:
            services.record_delete(record=record, kind=kind, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, "Deleted.")
    anchors = {
        "time": "time",
        "milestone": "milestones",
        "outcome": "outcomes",
        "revenue_share": "revenue",
        "expense": "expenses",
    }
    return to_detail(engagement, anchors[kind])
