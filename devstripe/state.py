"""Process-wide settings of the running server and the patched localstripe store.

localstripe keeps every object in one pickled dict (`localstripe.resources.store`) written
to a fixed /tmp path after every change; here the path is ours, and the webhook sender
waits a configurable delay instead of its fixed second.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import pickle
from pathlib import Path
from typing import Any

import aiohttp
from localstripe import resources, webhooks

logger = logging.getLogger("devstripe")


class _Settings:
    data_file: Path | None = None
    webhook_delay: float = 0.0


settings = _Settings()


def _load(self: Any) -> None:
    if settings.data_file is None or not settings.data_file.exists():
        return
    with settings.data_file.open("rb") as f:
        old = pickle.load(f)  # noqa: S301 (our own file, written by this process)
    self.clear()
    self.update(old)


_pending_write: list[Any] = []
# localstripe pickles the whole store after every change, which makes N requests cost N²:
# here a change schedules one write this long after it, however many follow.
WRITE_DELAY = 0.5


def _write(store: Any) -> None:
    _pending_write.clear()
    if settings.data_file is None:
        return
    tmp = settings.data_file.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(settings.data_file)


def _dump(self: Any) -> None:
    if settings.data_file is None or _pending_write:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # not serving yet (loading): write now
        _write(self)
        return
    _pending_write.append(loop.call_later(WRITE_DELAY, _write, self))


def flush(store: Any) -> None:
    """Write a scheduled change now (on shutdown)."""
    if _pending_write:
        _pending_write[0].cancel()
        _write(store)


async def _send_webhook(event: Any) -> None:
    # Derived from localstripe.webhooks._send_webhook (GPL-3, Adrien Vergé), modified: the
    # delay before sending is configurable (localstripe sleeps 1 s).
    payload = json.dumps(event._export(), indent=2, sort_keys=True).encode("utf-8")
    signed_payload = b"%d.%s" % (event.created, payload)
    if settings.webhook_delay:
        await asyncio.sleep(settings.webhook_delay)
    for webhook in list(webhooks._webhooks.values()):
        if webhook.events is not None and event.type not in webhook.events:
            continue
        signature = hmac.new(
            webhook.secret.encode("utf-8"), signed_payload, hashlib.sha256
        ).hexdigest()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": f"t={event.created},v1={signature}",
        }
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.post(webhook.url, data=payload, headers=headers) as response,
            ):
                logger.info("webhook %s to %s: %d", event.type, webhook.url, response.status)
        except aiohttp.ClientError as error:
            logger.info("webhook %s to %s failed: %s", event.type, webhook.url, error)


def install(*, data_file: Path | None, webhook_delay: float) -> None:
    settings.data_file = data_file
    settings.webhook_delay = webhook_delay
    resources.Store.try_load_from_disk = _load
    resources.Store.dump_to_disk = _dump
    webhooks._send_webhook = _send_webhook
    resources.store.try_load_from_disk()
