"""Dashboard pages for clients, engagements and the work they record.

Views stay thin: parse a form, call one service, render. Every POST that writes is gated
by `role_required("write")` (accountants read only: 403); every object comes through
`get_tenant_object_or_404` (another workspace's id is a 404). A service's
ValidationError is shown on the form it came from, with a 200, never a 500."""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections import OrderedDict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from core.money import ZERO
from core.pages import form_errors_from, role_required
from core.tenancy import get_tenant_object_or_404
from engagements import services
from engagements.billing import (
    expense_rebill_amount,
    retainer_periods,
    retainer_statements,
    revenue_share_amount,
    unbilled_items,
    unbilled_total,
)
from engagements.forms import (
    ClientForm,
    ContactForm,
    EngagementFilterForm,
    EngagementForm,
    ExpenseForm,
    MilestoneAcceptForm,
    MilestoneForm,
    OutcomeAcceptForm,
    OutcomeForm,
    RevenueReportForm,
    TimeEntryForm,
)
from engagements.models import (
    BillingClaim,
    Client,
    Contact,
    Engagement,
    Expense,
    Milestone,
    Outcome,
    PayModel,
    RevenueReport,
    TimeEntry,
)

# --- Clients -------------------------------------------------------------------------------


def _form_data(form: ClientForm) -> dict:
    return {k: (str(v) if k == "country" else v) for k, v in form.cleaned_data.items()}


@role_required("read")
def client_list(request: HttpRequest) -> HttpResponse:
    archived = request.GET.get("archived") == "1"
    clients = Client.objects.filter(archived_at__isnull=not archived)
    query = request.GET.get("q", "").strip()
    if query:
        clients = clients.filter(name__icontains=query)
    page = Paginator(clients.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
    counts = Client.objects.aggregate(
        active=Count("pk", filter=Q(archived_at__isnull=True)),
        archived=Count("pk", filter=Q(archived_at__isnull=False)),
    )
    return render(
        request,
        "engagements/client_list.html",
        {"page": page, "query": query, "archived": archived, "counts": counts},
    )


@role_required("write")
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, initial={"currency": request.workspace.base_currency})
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(
                workspace=request.workspace, actor=request.user, **_form_data(form)
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Client “{client.name}” added.")
            return redirect(
                "engagements:client_detail", workspace=request.workspace.slug, pk=client.pk
            )
    return render(request, "engagements/client_form.html", {"form": form})


def _client_page(request, client: Client, *, form=None, contact_form=None, status=200):
    editing = None
    if contact_form is None:
        contact_id = request.GET.get("contact", "")
        if contact_id.isdigit():
            editing = Contact.objects.filter(client=client, pk=int(contact_id)).first()
        contact_form = ContactForm(instance=editing, prefix="contact")
    else:
        editing = contact_form.instance if contact_form.instance.pk else None
    engagements = client.engagements.order_by("-start_date", "pk")
    context = {
        "client": client,
        "form": form or ClientForm(instance=client),
        "contacts": list(client.contacts.all()),
        "contact_form": contact_form,
        "editing_contact": editing,
        "engagements": engagements,
    }
    return render(request, "engagements/client_detail.html", context, status=status)


@role_required("read")
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_tenant_object_or_404(Client, request.workspace, pk=pk)
    if request.method != "POST":
        return _client_page(request, client)
    if not request.membership.can_write:
        raise PermissionDenied("Your role in this workspace is read-only.")
    # A separate instance: a failed form must not change the page's header and summary.
    form = ClientForm(request.POST, instance=Client.objects.get(pk=client.pk))
    if form.is_valid():
        try:
            services.client_update(client=client, actor=request.user, **_form_data(form))
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Client saved.")
            return redirect(
                "engagements:client_detail", workspace=request.workspace.slug, pk=client.pk
            )
    return _client_page(request, client, form=form)


@require_POST
@role_required("write")
def client_contact_save(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_tenant_object_or_404(Client, request.workspace, pk=pk)
    contact = None
    contact_id = request.POST.get("contact_id", "")
    if contact_id:
        contact = get_tenant_object_or_404(
            Contact, request.workspace, pk=contact_id if contact_id.isdigit() else 0, client=client
        )
    form = ContactForm(request.POST, instance=contact, prefix="contact")
    if form.is_valid():
        try:
            saved = services.contact_save(
                client=client, actor=request.user, contact=contact, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Contact “{saved.name}” saved.")
            return redirect(
                reverse("engagements:client_detail", args=[request.workspace.slug, client.pk])
                + "#contacts"
            )
    return _client_page(request, client, contact_form=form)


@require_POST
@role_required("write")
def client_archive(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_tenant_object_or_404(Client, request.workspace, pk=pk)
    archived = request.POST.get("archived", "1") == "1"
    services.client_archive(client=client, actor=request.user, archived=archived)
    if archived:
        messages.info(request, f"“{client.name}” archived. Its engagements and history stay.")
    else:
        messages.success(request, f"“{client.name}” is active again.")
    return redirect("engagements:client_detail", workspace=request.workspace.slug, pk=client.pk)


# --- Engagements ---------------------------------------------------------------------------
def _client_currencies() -> dict[str, str]:
    return {str(pk): cur for pk, cur in Client.objects.values_list("pk", "currency")}


@role_required("read")
def engagement_list(request: HttpRequest) -> HttpResponse:
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
    # Hours logged this month, summed in the same query as the page of rows. (The unbilled
    # total needs `unbilled_items`, several queries per engagement: it is on the detail
    # page, so this page's query count stays constant in the number of rows.)
    engagements = engagements.annotate(
        month_minutes=Sum("time_entries__minutes", filter=Q(time_entries__date__gte=month_start))
    ).order_by("-start_date", "pk")
    page = Paginator(engagements, 50).get_page(request.GET.get("page"))
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
def engagement_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("client", "").isdigit():
        initial["client"] = int(request.GET["client"])
    form = EngagementForm(request.POST or None, initial=initial, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        try:
            engagement = services.engagement_create(
                workspace=request.workspace,
                actor=request.user,
                client=form.cleaned_data["client"],
                **form.service_fields(),
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
def engagement_edit(request: HttpRequest, pk: int) -> HttpResponse:
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
        fields = form.service_fields()
        try:
            if form.cleaned_data["client"] != engagement.client:
                raise ValidationError({"client": "An engagement stays with its client."})
            services.engagement_update(engagement=engagement, actor=request.user, **fields)
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


def _week_groups(entries, cap_hours, time_locked) -> list[dict]:
    weeks: OrderedDict[dt.date, dict] = OrderedDict()
    for entry in entries:
        monday = entry.date - dt.timedelta(days=entry.date.weekday())
        week = weeks.setdefault(
            monday,
            {
                "monday": monday,
                "sunday": monday + dt.timedelta(days=6),
                "entries": [],
                "minutes": 0,
                "billable_minutes": 0,
            },
        )
        entry.invoiced = time_locked(entry)
        week["entries"].append(entry)
        week["minutes"] += entry.minutes
        if entry.billable:
            week["billable_minutes"] += entry.minutes
    for week in weeks.values():
        week["over_cap"] = cap_hours is not None and week["billable_minutes"] > cap_hours * 60
        week["cap_minutes"] = int(cap_hours * 60) if cap_hours is not None else None
    return list(weeks.values())


WEEKS_SHOWN = 8


def _engagement_page(request, engagement: Engagement, *, status: int = 200, **forms):
    """The engagement page, with any bound form that failed passed in by keyword."""
    today = timezone.localdate()
    pay_model = engagement.pay_model
    claims = list(
        BillingClaim.objects.filter(engagement=engagement, released_at__isnull=True).values_list(
            "kind", "source_id", "period_start"
        )
    )
    claimed = {(kind, source_id) for kind, source_id, _ in claims if source_id is not None}
    context: dict = {
        "engagement": engagement,
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
        overage_locked = {
            period_start
            for kind, _, period_start in claims
            if kind == BillingClaim.Kind.RETAINER_OVERAGE
        }
        locked_periods = [
            (start, end)
            for start, end in (retainer_periods(engagement, today) if overage_locked else [])
            if start in overage_locked
        ]

        def time_locked(entry) -> bool:
            return (BillingClaim.Kind.TIME, entry.pk) in claimed or any(
                start <= entry.date <= end for start, end in locked_periods
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


def _engagement(request, pk: int) -> Engagement:
    return get_tenant_object_or_404(
        Engagement.objects.select_related("client"), request.workspace, pk=pk
    )


def _to_detail(engagement: Engagement, anchor: str = "") -> HttpResponse:
    url = reverse("engagements:engagement_detail", args=[engagement.workspace.slug, engagement.pk])
    return redirect(url + (f"#{anchor}" if anchor else ""))


@role_required("read")
def engagement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
    editing = None
    if request.GET.get("entry", "").isdigit():
        editing = TimeEntry.objects.filter(
            engagement=engagement, pk=int(request.GET["entry"])
        ).first()
    forms = {}
    if editing is not None:
        forms = {"time_form": TimeEntryForm(instance=editing), "editing_entry": editing}
    return _engagement_page(request, engagement, **forms)


def _record_form(request, engagement, form, *, form_key: str, save, success: str, anchor: str):
    """Validate, call the service, and either redirect or show the form's errors."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, success)
            return _to_detail(engagement, anchor)
    return _engagement_page(request, engagement, **{form_key: form})


@require_POST
@role_required("write")
def time_entry_save(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
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
            engagement=engagement, actor=request.user, entry=entry, **data
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
        return _engagement_page(request, engagement, time_form=form, editing_entry=entry)
    return response


@require_POST
@role_required("write")
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
    if engagement.pay_model != PayModel.FIXED_FEE:
        raise Http404("Milestones belong to fixed-fee engagements.")
    form = MilestoneForm(request.POST)
    return _record_form(
        request,
        engagement,
        form,
        form_key="milestone_form",
        save=lambda data: services.milestone_save(
            engagement=engagement, actor=request.user, **data
        ),
        success="Milestone added.",
        anchor="milestones",
    )


@require_POST
@role_required("write")
def milestone_deliver(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
    milestone = get_tenant_object_or_404(
        Milestone, request.workspace, pk=milestone_pk, engagement=engagement
    )
    try:
        services.milestone_deliver(milestone=milestone, actor=request.user, on=timezone.localdate())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{milestone.title}” marked delivered.")
    return _to_detail(engagement, "milestones")


@require_POST
@role_required("write")
def milestone_accept(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
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
def outcome_add(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
    if engagement.pay_model != PayModel.BOUNTY:
        raise Http404("Outcomes belong to bounty engagements.")
    form = OutcomeForm(request.POST)
    return _record_form(
        request,
        engagement,
        form,
        form_key="outcome_form",
        save=lambda data: services.outcome_save(engagement=engagement, actor=request.user, **data),
        success="Outcome added.",
        anchor="outcomes",
    )


@require_POST
@role_required("write")
def outcome_accept(request: HttpRequest, pk: int, outcome_pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
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
def revenue_report_add(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
    form = RevenueReportForm(request.POST)
    return _record_form(
        request,
        engagement,
        form,
        form_key="report_form",
        save=lambda data: services.revenue_report_save(
            engagement=engagement, actor=request.user, **data
        ),
        success="Revenue report recorded.",
        anchor="revenue",
    )


@require_POST
@role_required("write")
def expense_add(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
    form = ExpenseForm(request.POST, request.FILES)
    return _record_form(
        request,
        engagement,
        form,
        form_key="expense_form",
        save=lambda data: services.expense_save(engagement=engagement, actor=request.user, **data),
        success="Expense added.",
        anchor="expenses",
    )


@role_required("read")
def expense_receipt(request: HttpRequest, pk: int, expense_pk: int) -> HttpResponse:
    """Receipts are served through this tenant check, never from a public media URL; as an
    attachment, so an uploaded file never renders as a page of this site."""
    engagement = _engagement(request, pk)
    expense = get_tenant_object_or_404(
        Expense, request.workspace, pk=expense_pk, engagement=engagement
    )
    if not expense.receipt:
        raise Http404("No receipt.")
    # Receipts are small (the form caps them at 10 MB): read and close the file here
    # rather than leave a streaming response holding it open.
    filename = expense.receipt.name.rsplit("/", 1)[-1]
    with expense.receipt.open("rb") as receipt:
        content = receipt.read()
    response = HttpResponse(
        content, content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


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
def record_delete(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = _engagement(request, pk)
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
    return _to_detail(engagement, anchors[kind])
