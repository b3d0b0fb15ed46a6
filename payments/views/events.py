"""The operators' Stripe event log (staff only): every event received, its processing
state, attempts and last error, and a replay button. Platform-wide, like the webhook."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from payments import services
from payments.models import WebhookEvent

PAGE_SIZE = 50


@staff_member_required
def event_log(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    events = WebhookEvent.objects.order_by("-received_at", "-id")
    if status in WebhookEvent.Status.values:
        events = events.filter(status=status)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(WebhookEvent.objects.order_by().values_list("status").annotate(n=Count("id")))
    return render(
        request,
        "payments/event_log.html",
        {
            "page": page,
            "status": status,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in WebhookEvent.Status.choices
            ],
        },
    )


@staff_member_required
@require_POST
def event_replay(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(WebhookEvent, pk=pk)
    services.event_replay(event=event)
    event.refresh_from_db()
    messages.info(request, f"Replayed {event.event_id}: {event.get_status_display().lower()}.")
    return redirect("payments:event_log")
