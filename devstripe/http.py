"""Request parsing and error answers shaped like Stripe's."""

import json
from typing import Any

from aiohttp import web
from localstripe.errors import UserError
from localstripe.server import get_post_data, unflatten_data


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.json_response(
        body, status=status, dumps=lambda x: json.dumps(x, indent=2, sort_keys=True) + "\n"
    )


class StripeError(UserError):
    """A UserError whose `type` is not always invalid_request_error (card_error, ...)."""

    def __init__(
        self, status: int, message: str, *, type: str = "invalid_request_error", **fields: Any
    ) -> None:
        super().__init__(status, message, dict(fields))
        self.body["error"]["type"] = type


def invalid(message: str, status: int = 400, **fields: Any) -> StripeError:
    return StripeError(status, message, **fields)


def not_found(kind: str, id: str) -> StripeError:
    return StripeError(404, f"No such {kind}: '{id}'", code="resource_missing", param="id")


async def params(request: web.Request) -> dict[str, Any]:
    """POST form/JSON body (or query for GET), unflattened like localstripe does."""
    if request.method == "GET":
        data: Any = unflatten_data(request.query)
    else:
        data = await get_post_data(request)
    data = dict(data or {})
    data.pop("expand", None)
    return data


async def test_params(request: web.Request) -> dict[str, Any]:
    """Test controls take JSON or form bodies."""
    body = await request.read()
    if not body:
        return {}
    try:
        loaded = json.loads(body)
    except json.JSONDecodeError:
        return dict(unflatten_data(await request.post()))
    return dict(loaded) if isinstance(loaded, dict) else {}


def stripe_account(request: web.Request) -> str | None:
    return request.headers.get("Stripe-Account") or None


def to_int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(f"Invalid integer: {value}", param=name) from None


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true"
