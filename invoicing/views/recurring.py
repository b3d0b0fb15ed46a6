"""Recurring schedules (/invoices/recurring/): the list, creating and editing one (with
its upcoming periods), pausing, deleting."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.tenancy import WorkspaceRequest
from core.forms import model_choice_field
from core.pages import form_errors_from, role_required
from core.tenancy import get_tenant_object_or_404
from invoicing.forms import ScheduleForm
from invoicing.models import Invoice, RecurringSchedule
from invoicing.services import recurring


def _client_choices_exist(form: ScheduleForm) -> bool:
    queryset = model_choice_field(form, "client").queryset
    return queryset is not None and queryset.exists()


@role_required("read")
def recurring_list(request: WorkspaceRequest) -> HttpResponse:
    rows = list(
        RecurringSchedule.objects.select_related("client", "engagement")
        .annotate(made=Count("invoices"), last_period=Max("invoices__schedule_period"))
        .order_by("-active", "next_run", "pk")
    )
    return render(
        request,
        "invoicing/schedules/recurring_list.html",
        {"schedules": rows, "today": timezone.localdate()},
    )


def _schedule_page(
    request: WorkspaceRequest,
    form: ScheduleForm,
    schedule: RecurringSchedule | None,
    status: int = 200,
) -> HttpResponse:
    invoices = (
        list(Invoice.objects.filter(schedule=schedule).order_by("-schedule_period", "-pk")[:24])
        if schedule
        else []
    )
    upcoming = []
    if schedule and schedule.active:
        upcoming = recurring.periods_from(
            schedule,
            schedule.next_run,
            recurring.period_start(
                start_date=schedule.next_run, interval=schedule.interval, every=1, index=3
            ),
        )[:3]
    return render(
        request,
        "invoicing/schedules/recurring_form.html",
        {
            "form": form,
            "schedule": schedule,
            "invoices": invoices,
            "upcoming": upcoming,
            "has_clients": _client_choices_exist(form),
        },
        status=status,
    )


@role_required("write")
def recurring_create(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        return _schedule_save(request, None)
    initial = {"start_date": timezone.localdate(), "interval": "monthly", "every": 1}
    return _schedule_page(request, ScheduleForm(initial=initial, workspace=request.workspace), None)


@role_required("read")
def recurring_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    schedule = get_tenant_object_or_404(
        RecurringSchedule.objects.select_related("client", "engagement"), request.workspace, pk=pk
    )
    if request.method == "POST":
        return _schedule_save(request, schedule)
    initial = {
        "name": schedule.name,
        "client": schedule.client,
        "engagement": schedule.engagement,
        "interval": schedule.interval,
        "every": schedule.every,
        "start_date": schedule.start_date,
        "end_date": schedule.end_date,
        "currency": "" if schedule.engagement_id else schedule.currency,
        "days_until_due": schedule.days_until_due,
        "auto_finalize": schedule.auto_finalize,
        "auto_send": schedule.auto_send,
        "lines": schedule.lines,
    }
    return _schedule_page(
        request, ScheduleForm(initial=initial, workspace=request.workspace), schedule
    )


@role_required("write")
def _schedule_save(request: WorkspaceRequest, schedule: RecurringSchedule | None) -> HttpResponse:
    form = ScheduleForm(request.POST, workspace=request.workspace)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = recurring.recurring_schedule_save(
                workspace=request.workspace,
                actor=request.user,
                schedule=schedule,
                lines=form.lines(),
                name=data["name"],
                client=data["client"],
                engagement=data["engagement"],
                interval=data["interval"],
                every=data["every"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                currency=data["currency"],
                days_until_due=data["days_until_due"],
                auto_finalize=data["auto_finalize"],
                auto_send=data["auto_send"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request, f"“{saved.name}” saved. Next invoice: {saved.next_run:%b %-d, %Y}."
            )
            return redirect(
                "invoicing:invoice_recurring_edit", workspace=request.workspace.slug, pk=saved.pk
            )
    return _schedule_page(request, form, schedule, status=400)


@require_POST
@role_required("write")
def recurring_pause(request: WorkspaceRequest, pk: int) -> HttpResponse:
    schedule = get_tenant_object_or_404(RecurringSchedule, request.workspace, pk=pk)
    schedule = recurring.recurring_schedule_pause(
        schedule=schedule, actor=request.user, active=not schedule.active
    )
    if schedule.active:
        messages.success(
            request, f"“{schedule.name}” resumed: next invoice {schedule.next_run:%b %-d, %Y}."
        )
    else:
        messages.info(request, f"“{schedule.name}” paused: no invoices until you resume it.")
    if request.POST.get("next") == "edit":
        return redirect("invoicing:invoice_recurring_edit", workspace=request.workspace.slug, pk=pk)
    return redirect("invoicing:invoice_recurring_list", workspace=request.workspace.slug)


@require_POST
@role_required("write")
def recurring_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    schedule = get_tenant_object_or_404(RecurringSchedule, request.workspace, pk=pk)
    recurring.recurring_schedule_delete(schedule=schedule, actor=request.user)
    messages.info(request, f"“{schedule.name}” deleted. The invoices it made stay.")
    return redirect("invoicing:invoice_recurring_list", workspace=request.workspace.slug)
