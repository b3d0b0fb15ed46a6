"""Production mode, as the image runs it: `gunicorn portfolio.wsgi -c
portfolio/gunicorn.conf.py` with DEBUG off, a real SECRET_KEY, ALLOWED_HOSTS, the
hashed static files' manifest and BEHIND_TLS_PROXY (so requests say
`X-Forwarded-Proto: https`, as the TLS proxy in front does), against the test database.

What a visitor without an account can reach, and what every answer looks like:
- the styled 404 and 400 pages, never Django's debug pages or a traceback;
- a real 500: a second gunicorn whose database is unreachable (the honest way to fail in
  production without a test-only route in the production URLs), answering the styled
  500 page, which needs no database, while the log has the exception;
- the security headers (HSTS, CSP with frame-ancestors, nosniff, Referrer-Policy,
  X-Frame-Options) on the landing page, a page and the error pages; HTTP redirects to
  HTTPS except /healthz;
- every /api/ route of the resolver, with every method and no credentials: 401/403 and
  the standard JSON error body, never data (the token endpoint, which takes credentials,
  answers 400/405); every page route: a redirect to sign in, a 404, or a page meant to
  be public; the only 200 JSON is /healthz (the OpenAPI schema at /api/schema/ is public
  on purpose: it describes the API, holds no data);
- /healthz names no host, user or exception when a check fails.

tests/test_error_responses.py checks the same pages and /healthz in process."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.production import HOST, production_env, routes

# The servers need the migrated test database, which pytest-django creates only for a
# session with a test that asks for the database (so this module run alone works too).
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
DEBUG_PAGE_MARKERS = (
    "Traceback",
    "DEBUG = True",
    "You're seeing this error because you have",
    "Page not found (404)",
    "Request Method:",
    "django.core.exceptions",
    "Using the URLconf defined in",
)

# Collect the static files as the image does, minus WhiteNoise's compression (gzip and
# brotli of every file: ~45 s here, versus ~2 s): the hashed names and the manifest the
# app reads are the same; compressed copies only change how WhiteNoise sends a file.
COLLECTSTATIC = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
call_command("collectstatic", "--noinput", verbosity=0)
"""


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        https: bool = True,
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        sent = {"Host": HOST, **({"X-Forwarded-Proto": "https"} if https else {})}
        sent.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            conn.close()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _production_env(**extra: str) -> dict[str, str]:
    return production_env(
        BEHIND_TLS_PROXY="true",
        CACHE_KEY_PREFIX=f"smoke-{secrets.token_hex(6)}",
        HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        LOG_LEVEL="warning",
        **extra,
    )


def _start(env: dict[str, str], log: Path) -> Server:
    port = _free_port()
    env = {**env, "PORT": str(port)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [GUNICORN, "portfolio.wsgi", "-c", "portfolio/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(port=port, process=process, log=log)


def _wait_until_serving(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"gunicorn exited ({server.process.returncode}):\n{server.log_text()}")
        try:
            server.request("GET", "/healthz", https=False)
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer within {timeout:.0f}s:\n{server.log_text()}")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=5)


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[dict[str, Server]]:
    """Two production gunicorns, started side by side: `app` on the (migrated) test
    database, `db_down` with its database unreachable."""
    from django.db import connection

    tmp = tmp_path_factory.mktemp("production")
    static_root = tmp / "static"
    base = _production_env(STATIC_ROOT=str(static_root))
    collect = subprocess.run(
        [sys.executable, "-c", COLLECTSTATIC],
        cwd=ROOT,
        env={**base, "DATABASE_URL": "postgres://collectstatic@127.0.0.1:1/none"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert collect.returncode == 0, collect.stdout + collect.stderr
    assert (static_root / "staticfiles.json").exists()

    test_database = connection.settings_dict["NAME"]
    app = _start(
        {**base, "DATABASE_URL": _with_database(os.environ["DATABASE_URL"], test_database)},
        tmp / "app.log",
    )
    # Nothing listens on a port we just found free: every query fails at once.
    db_down = _start(
        {**base, "DATABASE_URL": f"postgres://portfolio@127.0.0.1:{_free_port()}/portfolio"},
        tmp / "db_down.log",
    )
    try:
        _wait_until_serving(app)
        _wait_until_serving(db_down)
        yield {"app": app, "db_down": db_down}
    finally:
        _stop(app)
        _stop(db_down)


def _assert_no_debug_page(body: str, where: str) -> None:
    for marker in DEBUG_PAGE_MARKERS:
        assert marker not in body, f"{where}: {marker!r} in the response"


def _assert_security_headers(headers: dict[str, str], where: str) -> None:
    hsts = headers.get("strict-transport-security", "")
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts, (where, hsts)
    csp = headers.get("content-security-policy", "")
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp, (where, csp)
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "same-origin", where
    assert headers.get("x-frame-options") == "DENY", where


# --- Pages, errors and headers ---------------------------------------------------------


@pytest.mark.slow
def test_landing_page_and_a_page_send_the_security_headers(servers):
    app = servers["app"]
    for path in ("/", "/accounts/login/"):
        status, headers, body = app.request("GET", path)
        assert status == 200, (path, status)
        _assert_security_headers(headers, path)
        # The static files are the collected, hashed ones.
        assert re.search(r'/static/css/app\.[0-9a-f]{12}\.css"', body), path


@pytest.mark.slow
def test_hashed_static_files_are_served(servers):
    app = servers["app"]
    _, _, body = app.request("GET", "/")
    css = re.search(r'"(/static/css/app\.[0-9a-f]{12}\.css)"', body).group(1)
    status, headers, _ = app.request("GET", css)
    assert status == 200 and headers["content-type"].startswith("text/css")
    assert "immutable" in headers.get("cache-control", "")


@pytest.mark.slow
def test_unknown_url_is_the_styled_404(servers):
    status, headers, body = servers["app"].request("GET", "/no/such/page/")
    assert status == 404
    assert 'data-error-page="404"' in body and "We could not find that page" in body
    _assert_no_debug_page(body, "404")
    _assert_security_headers(headers, "404")


@pytest.mark.slow
def test_a_host_not_allowed_is_the_styled_400(servers):
    status, _, body = servers["app"].request("GET", "/", headers={"Host": "evil.example"})
    assert status == 400
    assert 'data-error-page="400"' in body
    _assert_no_debug_page(body, "400")


@pytest.mark.slow
def test_a_broken_request_body_is_a_json_400_without_internals(servers):
    status, headers, body = servers["app"].request(
        "POST",
        "/api/v1/auth/token/",
        body=b'{"email": "a@b.c", "password": ',
        headers={"Content-Type": "application/json"},
    )
    assert status == 400, body
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body)["type"] == "client_error"
    _assert_no_debug_page(body, "bad JSON")


@pytest.mark.slow
def test_a_server_error_is_the_styled_500_and_is_logged(servers):
    """The database is unreachable: a signed-in visitor's session cannot be read. The
    visitor gets the 500 page (it needs no database) and no detail; the log has it."""
    server = servers["db_down"]
    session = {"Cookie": "sessionid=" + "a" * 32}  # a well-formed key: the store is asked
    status, headers, body = server.request("GET", "/home/", headers=session)
    assert status == 500
    assert 'data-error-page="500"' in body and "Something went wrong" in body
    _assert_no_debug_page(body, "500")
    for leak in ("OperationalError", "psycopg", "127.0.0.1", "connection"):
        assert leak not in body, leak
    _assert_security_headers(headers, "500")
    deadline = time.monotonic() + 5
    while "OperationalError" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "OperationalError" in server.log_text()


@pytest.mark.slow
def test_plain_http_redirects_to_https_except_healthz(servers):
    app = servers["app"]
    status, headers, _ = app.request("GET", "/accounts/login/", https=False)
    assert status == 301 and headers["location"] == f"https://{HOST}/accounts/login/"
    status, _, _ = app.request("GET", "/healthz", https=False)
    assert status in (200, 503)


# --- /healthz ------------------------------------------------------------------------


@pytest.fixture
def celery_worker_thread() -> Iterator[None]:
    """A Celery worker in a thread of this process, on the broker gunicorn uses, so the
    probe's ping is answered. Not conftest's `worker`: that one needs a transactional
    database, and pytest-django would run this test apart from the module's others
    (starting the servers twice)."""
    import uuid

    from celery.contrib.testing.worker import start_worker

    from portfolio.celery import app

    with start_worker(
        app,
        pool="solo",
        queues=[f"test-{uuid.uuid4().hex[:12]}"],
        perform_ping_check=False,
        shutdown_timeout=10,
    ):
        yield


@pytest.mark.slow
def test_healthz_is_public_json(servers, celery_worker_thread):
    status, headers, body = servers["app"].request("GET", "/healthz", https=False)
    assert status == 200, body
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["status"] == "ok"


@pytest.mark.slow
def test_healthz_names_nothing_when_a_check_fails(servers):
    server = servers["db_down"]
    status, _, body = server.request("GET", "/healthz", https=False)
    assert status == 503
    payload = json.loads(body)
    assert payload["checks"]["database"] == {"ok": False}
    for leak in ("OperationalError", "psycopg", "127.0.0.1", "portfolio@", "refused"):
        assert leak not in body, leak
    assert "healthz: database check failed: OperationalError" in server.log_text()


# --- Nothing answers data without credentials ------------------------------------------

SAMPLE = {"workspace": "nobody-here", "pk": "1", "token": "0" * 43, "key": "x1", "uidb36": "1"}
CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")
ALTERNATIVES = re.compile(r"^\w+(\|\w+)+$")  # (?P<app_label>auth|accounts|…): the first


def _sample(match: re.Match) -> str:
    if "body" in match.groupdict() and ALTERNATIVES.match(match["body"]):
        return match["body"].split("|")[0]
    return SAMPLE.get(match["name"], "1")


# Public on purpose, signed out: pages anyone may open (sign-in, sign-up, reset, the
# landing page, client links that 404 for a wrong token, an invitation's "invalid"
# page) answer 200 HTML; these answer 200 with something else.
PUBLIC_NON_HTML = {
    "/healthz": "application/json",
    "/api/schema/": "application/vnd.oai.openapi",
}
# Takes credentials and answers a token: without a body it refuses, without data.
CREDENTIAL_EXCHANGE = {"/api/v1/auth/token/"}


def _routes() -> list[str]:
    """Every URL of the resolver as a concrete path, parameters filled with samples."""

    paths = []
    for route in routes():
        path = CONVERTER.sub(_sample, REGEX_GROUP.sub(_sample, route))
        path = "/" + path.replace("^", "").replace("$", "").replace("\\", "")
        paths.append(path)
    return sorted(set(paths))


def test_the_route_walk_covers_the_api():
    from django.urls import resolve

    routes = _routes()
    api = [r for r in routes if r.startswith("/api/v1/")]
    assert len(api) > 50, api
    for path in routes:
        resolve(path)  # every sample path is a real route


@pytest.mark.slow
def test_no_api_route_answers_without_credentials(servers):
    app = servers["app"]
    problems = []
    for path in (r for r in _routes() if r.startswith("/api/v1/")):
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            status, headers, body = app.request(
                method, path, body=b"{}", headers={"Content-Type": "application/json"}
            )
            allowed = (400, 405) if path in CREDENTIAL_EXCHANGE else (401, 403)
            where = f"{method} {path}"
            if status not in allowed:
                problems.append(f"{where}: {status} {body[:120]}")
                continue
            if not headers.get("content-type", "").startswith("application/json"):
                problems.append(f"{where}: {headers.get('content-type')}")
                continue
            payload = json.loads(body)
            if set(payload) != {"type", "errors"} or not payload["errors"]:
                problems.append(f"{where}: body {body[:120]}")
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
def test_signed_out_pages_redirect_to_sign_in_or_are_public(servers):
    app = servers["app"]
    problems = []
    for path in (r for r in _routes() if not r.startswith("/api/v1/")):
        status, headers, body = app.request("GET", path)
        content_type = headers.get("content-type", "").split(";")[0]
        where = f"GET {path}: {status} {content_type}"
        _assert_no_debug_page(body, where)
        if status >= 500 and path != "/healthz":  # /healthz: 503 with no worker here
            problems.append(where)
        elif status == 200 and content_type != "text/html":
            if not (path in PUBLIC_NON_HTML and content_type == PUBLIC_NON_HTML[path]):
                problems.append(f"{where}: a signed-out 200 that is not a page")
        elif status == 200 and path.startswith(("/w/", "/settings/", "/home/")):
            problems.append(f"{where}: an account page without an account")
        elif status in (301, 302) and path.startswith(("/w/", "/settings/", "/home/")):
            location = headers["location"]
            if "/accounts/login/" not in location:
                problems.append(f"{where}: redirects to {location}")
    assert problems == [], "\n".join(problems)
