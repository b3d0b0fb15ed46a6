"""The platform around the apps: health probe, production settings, migrations in sync,
the OpenAPI schema, the demo seed and the embedded dev services."""

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from tests.production import production_env

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_is_200_with_database_broker_and_worker_up(client, worker):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {k: v["ok"] for k, v in body["checks"].items()} == {
        "database": True,
        "broker": True,
        "worker": True,
    }


def test_healthz_is_503_without_a_worker(client, db, settings):
    # No worker consumes this run's control messages: the ping goes unanswered.
    from core.models import OutboxMessage
    from portfolio.celery import app

    # The outbox's backlog is reported for operators; it does not decide the status.
    OutboxMessage.objects.create(task="accounts.tasks.ping", attempts=2, last_error="down")

    app.conf.control_exchange = f"nobody-{secrets.token_hex(4)}"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.control_exchange = "celery"
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True
    outbox = response.json()["outbox"]
    assert (outbox["ok"], outbox["pending"], outbox["failing"]) == (True, 1, 1)
    assert outbox["oldest_pending_seconds"] >= 0


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_migrations_are_in_sync_with_models(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_openapi_schema_is_valid_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/workspaces/",
        "/api/v1/workspaces/{workspace}/clients/",
    ):
        assert f"{path}:" in text


def test_api_docs_render(client, db):
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/").status_code == 200


def test_landing_page(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"portfolio career" in response.content


def test_seed_demo_is_idempotent(db):
    from accounts.models import Membership, User, Workspace
    from engagements.models import Client, Engagement, PayModel

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    user = User.objects.get(email="demo@portfolio.test")
    assert user.check_password("portfolio-demo")
    workspace = Workspace.objects.get(slug="demo")
    with scopes_disabled():
        assert Membership.objects.filter(workspace=workspace).count() == 1
        assert Client.objects.filter(workspace=workspace).count() == 5
        # One engagement of each pay model, plus the proposed one of the sent proposal.
        pay_models = Engagement.objects.filter(workspace=workspace).values_list(
            "pay_model", "status"
        )
        assert sorted(pay_models) == sorted(
            [(m, "active") for m in PayModel.values] + [("hourly", "proposed")]
        )


def test_seed_demo_second_run_changes_no_counts(db):
    """Every row the seed writes, counted per model: a second run adds none."""
    from django.apps import apps

    def counts():
        with scopes_disabled():
            return {
                m.__name__: m._default_manager.count()
                for m in apps.get_models()
                if m._meta.app_label in ("accounts", "engagements")
            }

    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    assert first["TimeEntry"] > 50 and first["AuditEntry"] > 50
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first


def test_demo_login_reaches_the_dashboard(client, db):
    call_command("seed_demo", stdout=io.StringIO())
    response = client.post(
        "/accounts/login/",
        {"login": "demo@portfolio.test", "password": "portfolio-demo"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/w/demo/"
    assert b"Morgan Consulting" in response.content


@pytest.mark.slow
def test_embedded_services_start_serve_and_stop(tmp_path):
    """The embedded default: with no DATABASE_URL/REDIS_URL, devenv starts PostgreSQL and
    Redis from their wheels, the command sees both, and both are gone afterwards."""
    probe = (
        "import os, psycopg, redis;"
        "c = psycopg.connect(os.environ['DATABASE_URL']);"
        "print('pg', c.execute('show server_version').fetchone()[0]);"
        "r = redis.Redis.from_url(os.environ['REDIS_URL']); r.set('k', '1');"
        "print('redis', r.get('k').decode()); print(os.environ['REDIS_URL'])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["PORTFOLIO_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "portfolio.devenv", "exec", "--", sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.split()
    assert lines[0] == "pg" and lines[1].startswith("18")
    assert lines[2:4] == ["redis", "1"]
    port = int(lines[4].rsplit(":", 1)[1].split("/")[0])
    import socket

    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_admin_lists_tenant_rows_across_workspaces_for_superusers(client, personas):
    from tests.factories import ClientFactory, UserFactory

    ClientFactory(workspace=personas.a, name="From A")
    ClientFactory(workspace=personas.b, name="From B")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/engagements/client/")
    assert response.status_code == 200
    assert b"From A" in response.content and b"From B" in response.content
    assert client.get("/admin/accounts/workspace/").status_code == 200
    client.force_login(personas.alice)  # not staff
    assert client.get("/admin/engagements/client/").status_code == 302
