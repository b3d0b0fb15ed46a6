"""The aiohttp application: devstripe's routes in front of localstripe's."""

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from localstripe import server as localstripe_server

from devstripe import connect, money, payments
from devstripe.http import StripeError, json_response, params
from devstripe.idempotency import idempotency_middleware
from devstripe.objects import emit

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATIC = Path(__file__).parent / "static"

# Stripe.js reads and confirms a PaymentIntent with the publishable key and the client
# secret (checked by the handlers below).
_PUBLIC_CONFIRM = re.compile(r"^/v1/payment_intents/\w+/confirm$")
_PUBLIC_RETRIEVE = re.compile(r"^/v1/payment_intents/\w+$")


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(("/_connect/", "/_test/", "/_devstripe/")):
        return await handler(request)
    if request.method == "POST" and _PUBLIC_CONFIRM.match(request.path):
        data = await localstripe_server.get_post_data(request, remove_auth=False) or {}
        if str(data.get("key", "")).startswith("pk_") and data.get("client_secret"):
            return await handler(request)
    if request.method == "GET" and _PUBLIC_RETRIEVE.match(request.path):
        query = request.query
        if query.get("key", "").startswith("pk_") and query.get("client_secret"):
            return await handler(request)
    response: web.StreamResponse = await localstripe_server.auth_middleware(request, handler)
    return response


async def stripe_js(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(
        STATIC / "stripe-v3.js", headers={"Content-Type": "application/javascript"}
    )


async def health(request: web.Request) -> web.Response:
    return json_response({"ok": True})


async def payment_intent_confirm(request: web.Request) -> web.Response:
    data = await params(request)
    data.pop("key", None)
    intent = localstripe_server.PaymentIntent._api_confirm(request.match_info["id"], **data)
    return json_response(intent._export())


async def setup_intent_confirm(request: web.Request) -> web.Response:
    """localstripe's confirm, plus what Stripe does on success and localstripe does not:
    the card is attached to the SetupIntent's customer and `setup_intent.succeeded` is
    sent."""
    data = await params(request)
    data.pop("key", None)
    seti = localstripe_server.SetupIntent._api_confirm(request.match_info["id"], **data)
    if seti.status == "succeeded":
        if seti.customer and seti.payment_method:
            method = localstripe_server.PaymentMethod._api_retrieve(seti.payment_method)
            if getattr(method, "customer", None) != seti.customer:
                localstripe_server.PaymentMethod._api_attach(
                    seti.payment_method, customer=seti.customer
                )
        emit("setup_intent.succeeded", seti)
    return json_response(seti._export())


async def payment_intent_retrieve(request: web.Request) -> web.Response:
    intent = localstripe_server.PaymentIntent._api_retrieve(request.match_info["id"])
    query = localstripe_server.unflatten_data(request.query)
    secret = query.get("client_secret")
    if secret is not None and secret != intent.client_secret:
        raise StripeError(401, "Invalid client_secret")
    return json_response(intent._export(expand=query.get("expand")))


def build_app() -> web.Application:
    payments.install()
    app = web.Application(
        middlewares=[
            localstripe_server.error_middleware,
            auth_middleware,
            idempotency_middleware,
            localstripe_server.save_store_middleware,
        ]
    )
    app.on_response_prepare.append(localstripe_server.add_cors_headers)
    app.router.add_get("/_devstripe/health", health)
    app.router.add_get("/js.stripe.com/v3/", stripe_js)
    app.router.add_post("/v1/payment_intents/{id}/confirm", payment_intent_confirm)
    app.router.add_post("/v1/setup_intents/{id}/confirm", setup_intent_confirm)
    app.router.add_get("/v1/payment_intents/{id}", payment_intent_retrieve)
    app.router.add_routes(connect.routes)
    app.router.add_routes(money.routes)
    # localstripe's own routes come after ours, so ours answer first where both match.
    for route in localstripe_server.app.router.routes():
        if route.method == "HEAD":
            continue
        info = route.resource.get_info() if route.resource else {}
        path = str(info.get("path") or info.get("formatter"))
        if path == "/js.stripe.com/v3/":
            continue
        app.router.add_route(route.method, path, route.handler)
    return app
