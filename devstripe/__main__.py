"""`python -m devstripe --port 8420 [--data PATH] [--webhook-delay SECONDS]`"""

import argparse
import asyncio
import logging
import signal
import warnings
from pathlib import Path


async def _serve(port: int, data: Path | None, webhook_delay: float) -> None:
    from aiohttp import web

    with warnings.catch_warnings():
        # localstripe registers plain functions as handlers, which aiohttp deprecates.
        warnings.simplefilter("ignore", DeprecationWarning)
        from devstripe import state
        from devstripe.app import build_app

        state.install(data_file=data, webhook_delay=webhook_delay)
        app = build_app()
    runner = web.AppRunner(app, access_log=logging.getLogger("aiohttp.access"))
    await runner.setup()
    site = web.TCPSite(runner, host="127.0.0.1", port=port)
    await site.start()
    print(f"devstripe ready on http://127.0.0.1:{port} (data: {data})", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    from localstripe import resources

    state.flush(resources.store)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devstripe", description=__doc__)
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="pickle file (or directory for devstripe.pickle) holding the state; default none:"
        " everything is lost on exit",
    )
    parser.add_argument(
        "--webhook-delay", type=float, default=0.0, help="seconds before each webhook is sent"
    )
    parser.add_argument("--verbose", action="store_true", help="log requests and webhooks")
    args = parser.parse_args()
    if args.data is not None and args.data.is_dir():
        args.data = args.data / "devstripe.pickle"
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    asyncio.run(_serve(args.port, args.data, args.webhook_delay))


if __name__ == "__main__":
    main()
