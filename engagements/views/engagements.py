"""Dashboard pages for engagements: the list, the form, and the engagement page (which the
records' views re-render with a failed form).

Views stay thin: parse a form, call one service, render. Every POST that writes is gated
by `role_required("write")` (accountants read only: 403); every object comes through
`get_tenant_object_or_404` (another workspace's id is a 404). A service's
ValidationError is shown on the form it came from, with a 200, never a 500."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.tenancy import WorkspaceRequest
from core.inputs import UNSET
from core.money import ZERO
from core.pages import form_errors_from, role_required
from core.paginator import CappedPaginator
from core.tenancy import get_tenant_object_or_404
from engagements import services
from engagements.billing import (
    expense_rebill_amount,
    retainer_statements,
    revenue_share_amount,
    unbilled_items,
    unbilled_total,
)
from engagements.forms.engagements import EngagementFilterForm, EngagementForm
from engagements.forms.records import (
    ExpenseForm,
    MilestoneAcceptForm,
    MilestoneForm,
    OutcomeAcceptForm,
    OutcomeForm,
    RevenueReportForm,
    TimeEntryForm,
)
from engagements.frozen import freeze_of
from engagements.models import (
    BillingClaim,
    Client,
    Engagement,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    RevenueReport,
    TimeEntry,
)


def _client_currencies() -> dict[str, str]:
    return {str(pk): cur for pk, cur in Client.objects.values_list("pk", "currency")}


@role_required("read")
def engagement_list(request: WorkspaceRequest) -> HttpResponse:
    filters = EngagementFilterForm(request.GET or None, workspace=request.workspace)
    engagements = Engagement.objects.select_related("client")
    chosen = filters.cleaned_data if filters.is_valid() else {}
    if chosen.get("status"):
        engagements = engagements.filter(status=chosen["status"])
    if chosen.get("pay_model"):
        engagements = engagements.filter(pay_model=chosen["pay_model"])
    if chosen.get("client"):
        engagements = engagements.filter(client_id=chosen["client"])
    today = timezone.localdate()
    month_start = today.replace(day=1)
    # Hours logged this month, summed in the same query as the page of rows, per row of the
    # page (a correlated subquery on time_entry_engagement_recent): a join + GROUP BY would
    # sum every engagement of the workspace before the LIMIT. (The unbilled total needs
    # `unbilled_items`, several queries per engagement: it is on the detail page, so this
    # page's query count stays constant in the number of rows.)
    month = (
        TimeEntry.objects.filter(engagement=OuterRef("pk"), date__gte=month_start)
        .order_by()
        .values("engagement")
        .annotate(minutes=Sum("minutes"))
        .values("minutes")
    )
    engagements = engagements.annotate(month_minutes=Subquery(month)).order_by("-start_date", "pk")
    page = CappedPaginator(engagements, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "filtered": any(chosen.values()),
        "querystring": query.urlencode(),
        "month_start": month_start,
    }
    return render(request, "engagements/engagement_list.html", context)


@role_required("write")
def engagement_create(request: WorkspaceRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("client", "").isdigit():
        initial["client"] = int(request.GET["client"])
    form = EngagementForm(request.POST or None, initial=initial, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            fields = services.engagement_fields_from(data)
            fields["currency"] = data["currency"] or UNSET  # empty: the client's
            engagement = services.engagement_create(
                workspace=request.workspace, actor=request.user, client=data["client"], **fields
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Engagement “{engagement.name}” created.")
            return redirect(
                "engagements:engagement_detail", workspace=request.workspace.slug, pk=engagement.pk
            )
    return render(
        request,
        "engagements/engagement_form.html",
        {"form": form, "engagement": None, "client_currencies": _client_currencies()},
    )


@role_required("write")
def engagement_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    engagement = get_tenant_object_or_404(
        Engagement.objects.select_related("client"), request.workspace, pk=pk
    )
    # The form gets its own copy: a rejected edit must not leak into the page's header.
    form = EngagementForm(
        request.POST or None,
        instance=Engagement.objects.get(pk=engagement.pk),
        workspace=request.workspace,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["client"] != engagement.client:
                raise ValidationError({"client": "An engagement stays with its client."})
            fields = services.engagement_fields_from(data)
            fields["currency"] = data["currency"] or UNSET  # empty: unchanged
            services.engagement_update(
                engagement=engagement,
                actor=request.user,
                status_on=data.get("status_on") or UNSET,
                **fields,
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Engagement saved.")
            return redirect(
                "engagements:engagement_detail", workspace=request.workspace.slug, pk=engagement.pk
            )
    return render(
        request,
        "engagements/engagement_form.html",
        {"form": form, "engagement": engagement, "client_currencies": _client_currencies()},
    )


def _week_groups(
    entries: list[TimeEntry],
    cap_hours: Decimal | None,
    time_locked: Callable[[TimeEntry], bool],
) -> list[dict[str, Any]]:
    weeks: OrderedDict[dt.date, dict[str, Any]] = OrderedDict()
    for entry in entries:
        monday = entry.date - dt.timedelta(days=entry.date.weekday())
        week = weeks.setdefault(
            monday,
            {
                "monday": monday,
                # A week at the calendar's end (a row older than core.dates' range) stops
                # at date.max rather than overflowing the page.
                "sunday": monday + dt.timedelta(days=min(6, (dt.date.max - monday).days)),
                "entries": [],
                "minutes": 0,
                "billable_minutes": 0,
            },
        )
        entry.invoiced = time_locked(entry)  # type: ignore[attr-defined]  # for the page only
        week["entries"].append(entry)
        week["minutes"] += entry.minutes
        if entry.billable:
            week["billable_minutes"] += entry.minutes
    for week in weeks.values():
        week["over_cap"] = cap_hours is not None and week["billable_minutes"] > cap_hours * 60
        week["cap_minutes"] = int(cap_hours * 60) if cap_hours is not None else None
    return list(weeks.values())


WEEKS_SHOWN = 8


def engagement_page(
    request: WorkspaceRequest, engagement: Engagement, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """The engagement page, with any bound form that failed passed in by keyword."""
    today = timezone.localdate()
    pay_model = engagement.pay_model
    claims = list(
        BillingClaim.objects.filter(engagement=engagement, released_at__isnull=True).values_list(
            "kind", "source_id", "period_start"
        )
    )
    claimed = {(kind, source_id) for kind, source_id, _ in claims if source_id is not None}
    context: dict[str, Any] = {
        "engagement": engagement,
        "pauses": list(engagement.pauses.all()),
        "today": today,
        "expense_form": forms.get("expense_form") or ExpenseForm(),
    }

    statements = []
    if pay_model == PayModel.RETAINER:
        statements = retainer_statements(engagement, today)
        context["statements"] = list(reversed(statements))

    if pay_model in (PayModel.HOURLY, PayModel.RETAINER):
        context["time_form"] = forms.get("time_form") or TimeEntryForm()
        context["editing_entry"] = forms.get("editing_entry")
        try:
            weeks_shown = max(1, min(int(request.GET.get("weeks", WEEKS_SHOWN)), 104))
        except ValueError:
            weeks_shown = WEEKS_SHOWN
        latest = (
            TimeEntry.objects.filter(engagement=engagement)
            .order_by("-date")
            .values_list("date", flat=True)
            .first()
        )
        entries = []
        older = 0
        if latest:
            anchor = max(latest, min(today, engagement.end_date or today))
            since = anchor - dt.timedelta(days=anchor.weekday() + 7 * (weeks_shown - 1))
            entries = list(
                TimeEntry.objects.filter(engagement=engagement, date__gte=since)
                .select_related("user")
                .order_by("-date", "-pk")
            )
            older = TimeEntry.objects.filter(engagement=engagement, date__lt=since).count()
        freeze = freeze_of(engagement)

        def time_locked(entry: TimeEntry) -> bool:
            return freeze.item_frozen(BillingClaim.Kind.TIME, entry.pk) or freeze.time_frozen(
                entry.date
            )

        cap = engagement.weekly_hour_cap if pay_model == PayModel.HOURLY else None
        weeks = _week_groups(entries, cap, time_locked)
        this_monday = today - dt.timedelta(days=today.weekday())
        this_week = (
            TimeEntry.objects.filter(
                engagement=engagement,
                billable=True,
                date__gte=this_monday,
                date__lte=this_monday + dt.timedelta(days=6),
            ).aggregate(m=Sum("minutes"))["m"]
            or 0
        )
        context.update(
            weeks=weeks,
            weeks_shown=weeks_shown,
            older_entries=older,
            more_weeks=weeks_shown + WEEKS_SHOWN,
            this_week_minutes=this_week,
            cap_minutes=int(cap * 60) if cap is not None else None,
            over_cap_weeks=sum(1 for w in weeks if w["over_cap"]),
        )

    if pay_model == PayModel.FIXED_FEE:
        milestones = list(
            Milestone.objects.filter(engagement=engagement).select_related("accepted_by")
        )
        failed = forms.get("milestone_accept")
        for m in milestones:
            m.invoiced = (BillingClaim.Kind.MILESTONE, m.pk) in claimed
            if failed is not None and failed.prefix == f"accept-{m.pk}":
                m.accept_form = failed
            else:
                m.accept_form = MilestoneAcceptForm(prefix=f"accept-{m.pk}")
        context["milestones"] = milestones
        context["milestone_form"] = forms.get("milestone_form") or MilestoneForm()
        context["milestone_total"] = sum((m.amount for m in milestones), ZERO)
        context["milestone_accepted"] = sum(
            (m.amount for m in milestones if m.status == Milestone.Status.ACCEPTED), ZERO
        )

    if pay_model == PayModel.BOUNTY:
        outcomes = list(Outcome.objects.filter(engagement=engagement).select_related("accepted_by"))
        failed = forms.get("outcome_accept")
        for o in outcomes:
            o.invoiced = (BillingClaim.Kind.OUTCOME, o.pk) in claimed
            if failed is not None and failed.prefix == f"accept-{o.pk}":
                o.accept_form = failed
            else:
                o.accept_form = OutcomeAcceptForm(
                    prefix=f"accept-{o.pk}", initial={"evidence_note": o.evidence_note}
                )
        context["outcomes"] = outcomes
        context["outcome_form"] = forms.get("outcome_form") or OutcomeForm()

    if pay_model == PayModel.REVENUE_SHARE:
        reports = list(
            RevenueReport.objects.filter(engagement=engagement).select_related("recorded_by")
        )
        for r in reports:
            r.share = revenue_share_amount(engagement, r.revenue)
            r.invoiced = (BillingClaim.Kind.REVENUE_SHARE, r.pk) in claimed
        context["reports"] = reports
        context["report_form"] = forms.get("report_form") or RevenueReportForm()
        context["share_total"] = sum((r.share for r in reports), ZERO)

    expenses = list(Expense.objects.filter(engagement=engagement))
    for e in expenses:
        e.invoiced = (BillingClaim.Kind.EXPENSE, e.pk) in claimed
        e.rebill_amount = expense_rebill_amount(e, engagement.currency) if e.rebillable else None
    context["expenses"] = expenses

    unbilled = unbilled_items(engagement, as_of=today)
    context["unbilled"] = unbilled
    context["unbilled_rows"] = [(item, BillingClaim.Kind(item.kind).label) for item in unbilled]
    context["unbilled_total"] = unbilled_total(unbilled, engagement.currency)
    context["invoiced_count"] = len(claims)
    return render(request, "engagements/engagement_detail.html", context, status=status)


def engagement_for(request: WorkspaceRequest, pk: int) -> Engagement:
    return get_tenant_object_or_404(
        Engagement.objects.select_related("client"), request.workspace, pk=pk
    )


def to_detail(engagement: Engagement, anchor: str = "") -> HttpResponse:
    url = reverse("engagements:engagement_detail", args=[engagement.workspace.slug, engagement.pk])
    return redirect(url + (f"#{anchor}" if anchor else ""))


@role_required("read")
def engagement_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    engagement = engagement_for(request, pk)
    editing = None
    if request.GET.get("entry", "").isdigit():
        editing = TimeEntry.objects.filter(
            engagement=engagement, pk=int(request.GET["entry"])
        ).first()
    forms = {}
    if editing is not None:
        forms = {"time_form": TimeEntryForm(instance=editing), "editing_entry": editing}
    return engagement_page(request, engagement, **forms)
