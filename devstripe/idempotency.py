"""Idempotency-Key on POST, as Stripe does it: the same key (per Stripe-Account) with the
same method, path and parameters replays the first answer; with other parameters it is an
`idempotency_error`. Keys live in the store (so they survive a restart) and never expire
here (Stripe forgets them after 24 hours)."""

import hashlib
import json
from collections.abc import Awaitable, Callable

from aiohttp import web
from localstripe.resources import store

from devstripe.http import StripeError, params

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_in_flight: set[str] = set()


def _fingerprint(method: str, path: str, data: object) -> str:
    canonical = json.dumps([method, path, data], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@web.middleware
async def idempotency_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key or not request.path.startswith("/v1/"):
        return await handler(request)
    account = request.headers.get("Stripe-Account", "")
    store_key = f"devstripe_idempotency:{account}:{key}"
    fingerprint = _fingerprint(request.method, request.path, await params(request))
    saved = store.get(store_key)
    if saved is not None:
        if saved["fingerprint"] != fingerprint:
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they"
                " were first used with. Try using a key other than"
                f" '{key}' if you meant to execute a different request.",
                type="idempotency_error",
            )
        replay = web.Response(
            status=saved["status"], body=saved["body"], content_type="application/json"
        )
        replay.headers["Idempotent-Replayed"] = "true"
        replay.headers["Idempotency-Key"] = key
        return replay
    if store_key in _in_flight:
        raise StripeError(
            409,
            "There is currently another in-progress request using this Stripe token"
            " (probably means you sent two simultaneous requests).",
            type="idempotency_error",
        )
    _in_flight.add(store_key)
    response: web.StreamResponse
    try:
        try:
            response = await handler(request)
        except StripeError as error:
            response = error.to_response()
        except Exception as error:
            if hasattr(error, "to_response"):  # localstripe's UserError
                response = error.to_response()
            else:
                raise
        body = getattr(response, "body", None)
        # Like Stripe: a request that failed validation (400) or hit a server error did not
        # execute, so its key stays free; anything else (success, 402 decline) is replayed.
        if isinstance(body, bytes) and response.status not in (400, 409) and response.status < 500:
            store[store_key] = {
                "fingerprint": fingerprint,
                "status": response.status,
                "body": body,
            }
        response.headers["Idempotency-Key"] = key
        return response
    finally:
        _in_flight.discard(store_key)
