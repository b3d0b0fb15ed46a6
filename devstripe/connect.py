"""Connect accounts, account links and the stand-in onboarding page."""

import html
import secrets
import time
from typing import Any

from aiohttp import web
from localstripe.resources import store

from devstripe.http import invalid, json_response, params, test_params
from devstripe.objects import Account, accounts, emit, list_of

LINK_LIFETIME = 300  # seconds; Stripe's account links expire after a few minutes

routes = web.RouteTableDef()


@routes.post("/v1/accounts")
async def account_create(request: web.Request) -> web.Response:
    account = Account(**await params(request))
    return json_response(account._export())


@routes.get("/v1/accounts")
async def account_list(request: web.Request) -> web.Response:
    data = await params(request)
    return json_response(
        list_of("/v1/accounts", accounts(), data.get("limit"), data.get("starting_after"))._export()
    )


@routes.get("/v1/accounts/{id}")
async def account_retrieve(request: web.Request) -> web.Response:
    return json_response(Account._api_retrieve(request.match_info["id"])._export())


@routes.post("/v1/accounts/{id}")
async def account_update(request: web.Request) -> web.Response:
    account = Account._api_retrieve(request.match_info["id"])
    account._update(**await params(request))
    emit("account.updated", account, account=account.id)
    return json_response(account._export())


def _link_key(token: str) -> str:
    return "devstripe_account_link:" + token


@routes.post("/v1/account_links")
async def account_link_create(request: web.Request) -> web.Response:
    data = await params(request)
    account = Account._api_retrieve(str(data.get("account", "")))
    for name in ("refresh_url", "return_url"):
        if not str(data.get(name, "")).startswith("http"):
            raise invalid(f"Missing or invalid {name}", param=name)
    if data.get("type") not in ("account_onboarding", "account_update"):
        raise invalid("type must be account_onboarding or account_update", param="type")
    token = secrets.token_urlsafe(18)
    now = int(time.time())
    store[_link_key(token)] = {
        "account": account.id,
        "refresh_url": data["refresh_url"],
        "return_url": data["return_url"],
        "expires_at": now + LINK_LIFETIME,
        "visited": False,
        "session": None,
    }
    return json_response(
        {
            "object": "account_link",
            "url": f"{request.scheme}://{request.host}/_connect/onboard/{token}",
            "created": now,
            "expires_at": now + LINK_LIFETIME,
        }
    )


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stand-in for Stripe Express onboarding</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; background: #f6f9fc; color: #1a1f36; }}
main {{ max-width: 32rem; margin: 0 auto; padding: 1.5rem 1rem; }}
.card {{ background: #fff; border-radius: 8px; padding: 1.25rem;
  box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
button {{ font-size: 1rem; padding: .75rem 1rem; border-radius: 6px; width: 100%;
  margin-top: .75rem; cursor: pointer; border: 1px solid #635bff; }}
button[value=submit] {{ background: #635bff; color: #fff; }}
button[value=leave] {{ background: #fff; color: #635bff; }}
button:focus-visible {{ outline: 3px solid #1a1f36; outline-offset: 2px; }}
dt {{ font-weight: 600; }}
</style>
</head>
<body>
<main>
<h1>Stand-in for Stripe Express onboarding</h1>
<p>This page is devstripe's offline stand-in for Stripe's hosted onboarding. No data is
collected: submitting marks the account as fully onboarded.</p>
<div class="card">
<dl>
<dt>Account</dt><dd>{account}</dd>
<dt>Email</dt><dd>{email}</dd>
<dt>Country</dt><dd>{country}</dd>
</dl>
<form method="post" action="/_connect/onboard/{token}" aria-label="Onboarding decision">
<input type="hidden" name="session" value="{session}">
<button type="submit" name="action" value="submit">Submit details</button>
<button type="submit" name="action" value="leave">Leave for now</button>
</form>
</div>
</main>
</body>
</html>
"""


def _usable_link(token: str) -> dict[str, Any] | None:
    link = store.get(_link_key(token))
    return link if isinstance(link, dict) else None


@routes.get("/_connect/onboard/{token}")
async def onboarding_page(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    link = _usable_link(token)
    if link is None:
        raise web.HTTPNotFound(text="No such account link.")
    if link["visited"] or link["expires_at"] < time.time():
        # Account links are single-use and short-lived: Stripe sends the user to refresh_url.
        raise web.HTTPFound(link["refresh_url"])
    link["visited"] = True
    link["session"] = secrets.token_urlsafe(18)
    store[_link_key(token)] = link
    account = Account._api_retrieve(link["account"])
    page = _PAGE.format(
        account=html.escape(account.id),
        email=html.escape(account.email or "—"),
        country=html.escape(account.country),
        token=html.escape(token),
        session=html.escape(link["session"]),
    )
    return web.Response(text=page, content_type="text/html")


@routes.post("/_connect/onboard/{token}")
async def onboarding_submit(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    link = _usable_link(token)
    if link is None:
        raise web.HTTPNotFound(text="No such account link.")
    form = await request.post()
    if not link["session"] or form.get("session") != link["session"]:
        raise web.HTTPSeeOther(link["refresh_url"])
    link["session"] = None
    store[_link_key(token)] = link
    if form.get("action") == "submit":
        account = Account._api_retrieve(link["account"])
        account._complete_onboarding()
        store["account:" + account.id] = account
        emit("account.updated", account, account=account.id)
    raise web.HTTPSeeOther(link["return_url"])


@routes.post("/_test/account_links/{token}/expire")
async def account_link_expire(request: web.Request) -> web.Response:
    link = _usable_link(request.match_info["token"])
    if link is None:
        raise web.HTTPNotFound()
    link["expires_at"] = int(time.time()) - 1
    store[_link_key(request.match_info["token"])] = link
    return json_response({"expired": True})


@routes.post("/_test/accounts/{id}")
async def account_test_update(request: web.Request) -> web.Response:
    account = Account._api_retrieve(request.match_info["id"])
    data = await test_params(request)
    for flag in ("charges_enabled", "payouts_enabled", "details_submitted"):
        if flag in data:
            setattr(account, flag, bool(data[flag]))
    if "requirements" in data:
        account.requirements = {**account.requirements, **data["requirements"]}
    if "capabilities" in data:
        account.capabilities = {**account.capabilities, **data["capabilities"]}
    store["account:" + account.id] = account
    emit("account.updated", account, account=account.id)
    return json_response(account._export())
