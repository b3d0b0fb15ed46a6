"""Pages for reminders and late fees (/invoices/reminders/) and recurring schedules
(/invoices/recurring/). Thin: parse a form, call one service of invoicing.services,
render. Writes are gated by `role_required("write")` (accountants read only: 403);
objects come through `get_tenant_object_or_404` (another workspace's id is a 404)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.pages import form_errors_from, role_required
from core.tenancy import get_tenant_object_or_404
from engagements.models import Client, Engagement, EngagementStatus
from invoicing.models import (
    Invoice,
    LateFeePolicy,
    RecurringSchedule,
    ReminderRule,
    ReminderSent,
    TaxRate,
)
from invoicing.services import late_fees, recurring, reminders, state

DATE = forms.DateInput(attrs={"type": "date"})
TEMPLATE_ROWS = 5


# --- Forms ---------------------------------------------------------------------------------
class ReminderRuleForm(forms.Form):
    days_from_due = forms.IntegerField(
        label="Days from the due date",
        min_value=-60,
        max_value=365,
        help_text="−3: three days before it is due · 0: on the due date · 7: a week late.",
    )


class LateFeePolicyForm(forms.Form):
    kind = forms.ChoiceField(label="Late fee", choices=LateFeePolicy.Kind.choices)
    fixed_amount = forms.DecimalField(
        label="Fixed fee",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=3,
        help_text="In the invoice's currency, charged once it is past the grace days.",
    )
    annual_interest_percent = forms.DecimalField(
        label="Interest per year (%)",
        required=False,
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=3,
        help_text="Simple interest on what is overdue: amount × rate × days late / 365.",
    )
    grace_days = forms.IntegerField(
        label="Grace days", min_value=0, max_value=365, initial=0, required=False
    )


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="e.g. Monthly support retainer")
    client = forms.ModelChoiceField(queryset=Client.objects.none())
    engagement = forms.ModelChoiceField(
        queryset=Engagement.objects.none(),
        required=False,
        help_text="Bill this engagement's unbilled work each period (a retainer's fee in "
        "advance, last period's overage) instead of the lines below.",
    )
    interval = forms.ChoiceField(choices=RecurringSchedule.Interval.choices)
    every = forms.IntegerField(min_value=1, max_value=52, initial=1, label="Every")
    start_date = forms.DateField(widget=DATE, help_text="The first period starts here.")
    end_date = forms.DateField(widget=DATE, required=False, help_text="Empty: no end.")
    currency = forms.ChoiceField(
        required=False, help_text="Empty: the client's (an engagement's, when billing one)."
    )
    days_until_due = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=365,
        label="Days until due",
        help_text="Empty: the client's payment terms.",
    )
    auto_finalize = forms.BooleanField(
        required=False, initial=True, label="Finalise automatically (assigns the number)"
    )
    auto_send = forms.BooleanField(required=False, label="Email to the client once finalised")

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        from core.currencies import currency_choices

        self.fields["client"].queryset = Client.objects.filter(archived_at__isnull=True)
        self.fields["engagement"].queryset = Engagement.objects.filter(
            status__in=[EngagementStatus.ACTIVE, EngagementStatus.PAUSED]
        ).select_related("client")
        self.fields["engagement"].label_from_instance = lambda e: f"{e.name} ({e.client.name})"
        self.fields["currency"].choices = [("", "—"), *currency_choices()]
        if not recurring.auto_send_available():
            self.fields["auto_send"].disabled = True
            self.fields["auto_send"].help_text = "Available once invoices can be emailed."
        self.tax_rates = list(TaxRate.objects.filter(archived=False))

    def template_rows(self) -> list[dict]:
        """The template line inputs (a fixed number of rows; empty rows are ignored)."""
        source = self.data if self.is_bound else {}
        initial = self.initial.get("lines") or []
        rows = []
        for i in range(max(TEMPLATE_ROWS, len(initial))):
            line = initial[i] if i < len(initial) else {}

            def get(key, i=i, line=line):
                if self.is_bound:
                    return source.get(f"line-{i}-{key}", "")
                return line.get(key) or ""

            rows.append(
                {
                    "index": i,
                    "description": get("description"),
                    "quantity": get("quantity"),
                    "unit_price": get("unit_price"),
                    "discount_percent": get("discount_percent"),
                    "tax_rate_id": str(get("tax_rate_id") or ""),
                }
            )
        return rows

    def lines(self) -> list[dict]:
        return [
            {k: row[k] for k in row if k != "index"}
            for row in self.template_rows()
            if str(row["description"]).strip()
        ]


def _client_choices_exist(form: ScheduleForm) -> bool:
    return form.fields["client"].queryset.exists()


# --- Reminders and late fees ---------------------------------------------------------------
def _reminders_page(
    request: HttpRequest,
    *,
    rule_form: ReminderRuleForm | None = None,
    policy_form: LateFeePolicyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = late_fees.late_fee_policy_for(request.workspace)
    if policy_form is None:
        policy_form = LateFeePolicyForm(
            initial={
                "kind": policy.kind,
                "fixed_amount": policy.fixed_amount,
                "annual_interest_percent": policy.annual_interest_percent,
                "grace_days": policy.grace_days,
            }
            if policy
            else {"kind": LateFeePolicy.Kind.NONE, "grace_days": 0}
        )
    rules = list(ReminderRule.objects.all())
    sent = dict(
        ReminderSent.objects.values_list("rule").annotate(n=Count("pk")).values_list("rule", "n")
    )
    for rule in rules:
        rule.sent = sent.get(rule.pk, 0)
    return render(
        request,
        "invoicing/schedules/reminders.html",
        {
            "rules": rules,
            "policy": policy,
            "rule_form": rule_form or ReminderRuleForm(),
            "policy_form": policy_form,
            "overdue": Invoice.objects.filter(
                kind=Invoice.Kind.INVOICE,
                status__in=state.REMINDABLE,
                due_date__lt=timezone.localdate(),
            ).count(),
        },
        status=status,
    )


@role_required("read")
def reminder_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _reminder_rule_create(request)
    return _reminders_page(request)


@role_required("write")
def _reminder_rule_create(request: HttpRequest) -> HttpResponse:
    form = ReminderRuleForm(request.POST)
    if form.is_valid():
        try:
            rule = reminders.reminder_rule_save(
                workspace=request.workspace,
                actor=request.user,
                days_from_due=form.cleaned_data["days_from_due"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Reminder added: {rule}.")
            return redirect("invoicing:invoice_reminders", workspace=request.workspace.slug)
    return _reminders_page(request, rule_form=form, status=400)


@require_POST
@role_required("write")
def reminder_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_tenant_object_or_404(ReminderRule, request.workspace, pk=pk)
    if request.POST.get("active") in ("0", "1"):
        reminders.reminder_rule_save(
            workspace=request.workspace,
            actor=request.user,
            rule=rule,
            days_from_due=rule.days_from_due,
            active=request.POST["active"] == "1",
        )
        messages.info(request, f"“{rule}” {'turned on' if rule.active else 'paused'}.")
    else:
        reminders.reminder_rule_delete(rule=rule, actor=request.user)
        messages.info(request, f"Reminder “{rule}” removed.")
    return redirect("invoicing:invoice_reminders", workspace=request.workspace.slug)


@require_POST
@role_required("write")
def late_fee_policy_save(request: HttpRequest) -> HttpResponse:
    form = LateFeePolicyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            late_fees.late_fee_policy_save(
                workspace=request.workspace,
                actor=request.user,
                kind=data["kind"],
                fixed_amount=data["fixed_amount"],
                annual_interest_percent=data["annual_interest_percent"],
                grace_days=data["grace_days"] or 0,
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Late fee saved.")
            return redirect("invoicing:invoice_reminders", workspace=request.workspace.slug)
    return _reminders_page(request, policy_form=form, status=400)


@require_POST
@role_required("write")
def invoice_late_fee_charge(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_tenant_object_or_404(Invoice, request.workspace, pk=pk)
    try:
        fee = late_fees.invoice_late_fee_charge(
            invoice=invoice, actor=request.user, today=timezone.localdate()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("invoicing:invoice_detail", workspace=request.workspace.slug, pk=invoice.pk)
    messages.success(request, f"Late fee invoice {fee.number} issued.")
    return redirect("invoicing:invoice_detail", workspace=request.workspace.slug, pk=fee.pk)


# --- Recurring schedules -------------------------------------------------------------------
@role_required("read")
def recurring_list(request: HttpRequest) -> HttpResponse:
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
    request: HttpRequest,
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
def recurring_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _schedule_save(request, None)
    initial = {"start_date": timezone.localdate(), "interval": "monthly", "every": 1}
    return _schedule_page(request, ScheduleForm(initial=initial, workspace=request.workspace), None)


@role_required("read")
def recurring_edit(request: HttpRequest, pk: int) -> HttpResponse:
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
def _schedule_save(request: HttpRequest, schedule: RecurringSchedule | None) -> HttpResponse:
    form = ScheduleForm(request.POST, workspace=request.workspace)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            saved = recurring.recurring_schedule_save(
                workspace=request.workspace,
                actor=request.user,
                schedule=schedule,
                lines=form.lines(),
                **data,
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
def recurring_pause(request: HttpRequest, pk: int) -> HttpResponse:
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
def recurring_delete(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_tenant_object_or_404(RecurringSchedule, request.workspace, pk=pk)
    recurring.recurring_schedule_delete(schedule=schedule, actor=request.user)
    messages.info(request, f"“{schedule.name}” deleted. The invoices it made stay.")
    return redirect("invoicing:invoice_recurring_list", workspace=request.workspace.slug)
