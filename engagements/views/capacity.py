"""The capacity page: the signed-in person's weekly availability and blocked time, and a
12-week chart of available vs committed vs pipeline vs logged hours.

The chart is an inline SVG computed here (no JavaScript, nothing fetched): the numbers come
from `engagements.capacity.capacity_weeks`, which costs a fixed number of queries for any
number of engagements; the same numbers are on the page as a table for screen readers and
for anyone who would rather read figures."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.tenancy import WorkspaceRequest
from core.dates import clamp_sane
from core.pages import form_errors_from, role_required
from core.tenancy import get_tenant_object_or_404
from engagements import services
from engagements.capacity import Week, capacity_weeks, monday_of
from engagements.forms.capacity import WEEKDAY_LABELS, AvailabilityForm, BlockedTimeForm
from engagements.models import Availability, BlockedTime

WEEKS = 12

# Chart geometry, in SVG user units (the SVG scales to its container).
CHART_W, CHART_H = 960, 340
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 52, 16, 28, 46


@dataclass
class ChartBar:
    x: float
    y: float
    width: float
    height: float


@dataclass
class ChartWeek:
    week: Week
    label: str
    label_x: float
    available: ChartBar
    committed: ChartBar
    pipeline: ChartBar
    logged: ChartBar
    available_y: float
    available_x2: float
    band_x: float
    band_width: float


@dataclass
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    plot_height: int
    ticks: list[tuple[float, str]]
    weeks: list[ChartWeek]


def _nice_step(top: float) -> float:
    """A round tick step giving at most ~6 gridlines up to `top`."""
    for step in (1, 2, 4, 5, 10, 20, 25, 50, 100, 200):
        if top / step <= 6:
            return step
    return 10 ** math.ceil(math.log10(top / 6))


def build_chart(weeks: list[Week]) -> Chart:
    plot_w = CHART_W - PAD_LEFT - PAD_RIGHT
    plot_h = CHART_H - PAD_TOP - PAD_BOTTOM
    bottom = PAD_TOP + plot_h
    peak = max([float(max(w.available, w.committed + w.pipeline, w.logged)) for w in weeks] + [8.0])
    step = _nice_step(peak)
    top = step * math.ceil(peak / step)

    def y(hours: Decimal | float) -> float:
        return round(bottom - float(hours) / top * plot_h, 2)

    def bar(x: float, width: float, low: Decimal, high: Decimal) -> ChartBar:
        return ChartBar(round(x, 2), y(high), round(width, 2), round(y(low) - y(high), 2))

    group = plot_w / len(weeks)
    result = []
    for i, week in enumerate(weeks):
        gx = PAD_LEFT + i * group
        envelope_w = group * 0.78
        ex = gx + (group - envelope_w) / 2
        bar_w = envelope_w * 0.36
        plan_x = ex + envelope_w * 0.1
        logged_x = ex + envelope_w * 0.54
        result.append(
            ChartWeek(
                week=week,
                label=f"{week.start:%b} {week.start.day}",
                label_x=round(gx + group / 2, 2),
                available=bar(ex, envelope_w, Decimal(0), week.available),
                committed=bar(plan_x, bar_w, Decimal(0), week.committed),
                pipeline=bar(plan_x, bar_w, week.committed, week.committed + week.pipeline),
                logged=bar(logged_x, bar_w, Decimal(0), week.logged),
                available_y=y(week.available),
                available_x2=round(ex + envelope_w, 2),
                band_x=round(gx + 2, 2),
                band_width=round(group - 4, 2),
            )
        )
    ticks = []
    value = 0.0
    while value <= top + 1e-9:
        ticks.append((y(value), f"{value:g}"))
        value += step
    return Chart(
        width=CHART_W,
        height=CHART_H,
        plot_left=PAD_LEFT,
        plot_right=CHART_W - PAD_RIGHT,
        plot_top=PAD_TOP,
        plot_bottom=bottom,
        plot_height=plot_h,
        ticks=ticks,
        weeks=result,
    )


@dataclass
class OverRun:
    """Consecutive over-committed weeks with the same figures, listed as one line."""

    first: Week
    last: Week
    count: int


def over_runs(weeks: list[Week]) -> list[OverRun]:
    runs: list[OverRun] = []
    for week in weeks:
        if not week.over_committed:
            continue
        run = runs[-1] if runs else None
        if (
            run
            and run.last.end + dt.timedelta(days=1) == week.start
            and (run.last.committed, run.last.available) == (week.committed, week.available)
        ):
            run.last, run.count = week, run.count + 1
        else:
            runs.append(OverRun(first=week, last=week, count=1))
    return runs


def commitments(weeks: list[Week]) -> list[tuple[str, Decimal, int, int]]:
    """What takes the hours in these weeks: (name, hours a week, how many engagements of
    that name and size, in how many weeks). Weeks carry names, not ids, so same-named
    engagements of the same size are counted together rather than merged."""
    weeks_seen: dict[tuple[str, Decimal], int] = {}
    most: dict[tuple[str, Decimal], int] = {}
    for week in weeks:
        in_week: dict[tuple[str, Decimal], int] = {}
        for name, hours in week.engagements:
            in_week[(name, hours)] = in_week.get((name, hours), 0) + 1
        for key, n in in_week.items():
            weeks_seen[key] = weeks_seen.get(key, 0) + 1
            most[key] = max(most.get(key, 0), n)
    return sorted(
        ((name, hours, most[(name, hours)], n) for (name, hours), n in weeks_seen.items()),
        key=lambda row: (-row[1] * row[2], row[0]),
    )


def _start_from(request: WorkspaceRequest) -> dt.date:
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        return monday_of(today)
    # A link may carry any date; the page shows the nearest weeks it can count.
    return monday_of(clamp_sane(start))


def _render(
    request: WorkspaceRequest,
    *,
    availability_form: AvailabilityForm | None = None,
    blocked_form: BlockedTimeForm | None = None,
    editing: BlockedTime | None = None,
    status: int = 200,
) -> HttpResponse:
    start = _start_from(request)
    weeks = capacity_weeks(user=request.user, start=start, weeks=WEEKS)
    history = list(Availability.objects.filter(user=request.user).order_by("-effective_from"))
    today = timezone.localdate()
    current = next((row for row in history if row.effective_from <= today), None)
    if availability_form is None:
        initial: dict[str, object] = {"effective_from": monday_of(today) + dt.timedelta(days=7)}
        if current is not None:
            initial.update(
                {
                    day: format(current.hours_on(i).normalize(), "f")  # "8", not "8.00"
                    for i, day in enumerate(Availability.WEEKDAYS)
                }
            )
        else:
            initial.update(
                {day: "8" if i < 5 else "0" for i, day in enumerate(Availability.WEEKDAYS)}
            )
        availability_form = AvailabilityForm(initial=initial)
    if blocked_form is None:
        blocked_form = BlockedTimeForm(
            initial=BlockedTimeForm.initial_from(editing) if editing else {"start_date": today}
        )
    blocked = list(BlockedTime.objects.filter(user=request.user).order_by("start_date", "pk"))
    over = [w for w in weeks if w.over_committed]
    over_with_pipeline = [w for w in weeks if w.over_with_pipeline and not w.over_committed]
    totals = {
        "available": sum((w.available for w in weeks), Decimal(0)),
        "committed": sum((w.committed for w in weeks), Decimal(0)),
        "pipeline": sum((w.pipeline for w in weeks), Decimal(0)),
        "logged": sum((w.logged for w in weeks), Decimal(0)),
    }
    this_week = monday_of(today)
    rows = commitments(weeks)
    peak = max((hours * n for _, hours, n, _ in rows), default=Decimal(1)) or Decimal(1)
    commitment_rows = [
        {
            "name": name,
            "hours": hours,
            "many": n,
            "weeks": count,
            "pct": int(hours * n * 100 / peak),
        }
        for name, hours, n, count in rows
    ]
    return render(
        request,
        "engagements/capacity.html",
        {
            "weeks": weeks,
            "chart": build_chart(weeks),
            "start": start,
            "end": weeks[-1].end,
            "this_week": this_week,
            "previous_start": start - dt.timedelta(weeks=WEEKS),
            "next_start": start + dt.timedelta(weeks=WEEKS),
            "is_current": start == this_week,
            "over": over,
            "over_runs": over_runs(weeks),
            "commitments": commitment_rows,
            "over_with_pipeline": over_with_pipeline,
            "totals": totals,
            "history": history,
            "current_availability": current,
            "weekday_labels": WEEKDAY_LABELS,
            "blocked": [(b, [WEEKDAY_LABELS[d] for d in b.weekdays or []]) for b in blocked],
            "availability_form": availability_form,
            "blocked_form": blocked_form,
            "editing": editing,
        },
        status=status,
    )


def _back(request: WorkspaceRequest) -> HttpResponse:
    return redirect(reverse("engagements:capacity", kwargs={"workspace": request.workspace.slug}))


@role_required("read")
def capacity(request: WorkspaceRequest) -> HttpResponse:
    return _render(request)


@require_POST
@role_required("write")
def capacity_availability(request: WorkspaceRequest) -> HttpResponse:
    form = AvailabilityForm(request.POST)
    if form.is_valid():
        try:
            services.availability_set(
                workspace=request.workspace,
                user=request.user,
                actor=request.user,
                effective_from=form.cleaned_data["effective_from"],
                hours=form.hours(),
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request,
                f"Availability saved from {form.cleaned_data['effective_from']:%b %-d, %Y} on.",
            )
            return _back(request)
    return _render(request, availability_form=form, status=400)


@require_POST
@role_required("write")
def blocked_time_create(request: WorkspaceRequest) -> HttpResponse:
    return _save_blocked(request, None)


@role_required("write")
def blocked_time_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    # Only one's own blocked time: another member's (or workspace's) id is a 404.
    blocked = get_tenant_object_or_404(BlockedTime, request.workspace, pk=pk, user=request.user)
    if request.method != "POST":
        return _render(request, editing=blocked)
    return _save_blocked(request, blocked)


def _save_blocked(request: WorkspaceRequest, blocked: BlockedTime | None) -> HttpResponse:
    form = BlockedTimeForm(request.POST)
    if form.is_valid():
        data = form.fields_for_service()
        try:
            services.blocked_time_save(
                workspace=request.workspace,
                user=request.user,
                actor=request.user,
                blocked=blocked,
                title=data["title"],
                kind=data["kind"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                hours_per_day=data["hours_per_day"],
                recurring=data["recurring"],
                weekdays=data["weekdays"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Blocked time saved.")
            return _back(request)
    return _render(request, blocked_form=form, editing=blocked, status=400)


@require_POST
@role_required("write")
def blocked_time_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    blocked = get_tenant_object_or_404(BlockedTime, request.workspace, pk=pk, user=request.user)
    services.blocked_time_delete(blocked=blocked, actor=request.user)
    messages.info(request, f"“{blocked.title}” removed.")
    return _back(request)
