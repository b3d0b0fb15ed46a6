"""Reminders and the late fee policy (/invoices/reminders/), and charging an overdue
invoice's late fee."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.tenancy import WorkspaceRequest
from core.money import decimal_input
from core.pages import form_errors_from, role_required
from core.tenancy import get_tenant_object_or_404
from invoicing.forms import LateFeePolicyForm, ReminderRuleForm
from invoicing.models import Invoice, LateFeePolicy, ReminderRule, ReminderSent
from invoicing.services import late_fees, reminders, state


def _reminders_page(
    request: WorkspaceRequest,
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
                "fixed_amount": decimal_input(policy.fixed_amount)
                if policy.fixed_amount is not None
                else None,
                "annual_interest_percent": decimal_input(policy.annual_interest_percent)
                if policy.annual_interest_percent is not None
                else None,
                "grace_days": policy.grace_days,
            }
            if policy
            else {"kind": LateFeePolicy.Kind.NONE, "grace_days": 0}
        )
    rules = list(ReminderRule.objects.all())
    sent = dict(
        ReminderSent.objects.filter(state=ReminderSent.Delivery.SENT)
        .values_list("rule")
        .annotate(n=Count("pk"))
        .values_list("rule", "n")
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
def reminder_settings(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        return _reminder_rule_create(request)
    return _reminders_page(request)


@role_required("write")
def _reminder_rule_create(request: WorkspaceRequest) -> HttpResponse:
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
def reminder_rule_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
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
def late_fee_policy_save(request: WorkspaceRequest) -> HttpResponse:
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
def invoice_late_fee_charge(request: WorkspaceRequest, pk: int) -> HttpResponse:
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
