"""The one endpoint Stripe posts events to, for every workspace: verify, store once,
answer. Processing happens in a task (queued in the same transaction as the row)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments import services, stripe_api

logger = logging.getLogger(__name__)

# Stripe's events are a few KB; a body far past that is not Stripe.
MAX_BODY = 512 * 1024


@csrf_exempt  # authenticated by Stripe's signature, not a session
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        return JsonResponse({"error": "too large"}, status=413)
    if not settings.STRIPE_WEBHOOK_SECRET:
        return JsonResponse({"error": "webhooks are not configured"}, status=400)
    try:
        event = services.event_receive(request.body, request.headers.get("Stripe-Signature"))
    except (stripe_api.SignatureError, ValueError, KeyError) as exc:
        logger.warning("Stripe webhook refused: %s", type(exc).__name__)
        return JsonResponse({"error": "bad signature or payload"}, status=400)
    return JsonResponse({"received": True, "new": event is not None})
