"""Error responses in process, with DEBUG off as in production: the 500 and 400 pages
render with no context and no database, a form without its CSRF token gets the styled
page, and /healthz names nothing when a check fails (but logs it, and shows it with
DEBUG). tests/test_production.py checks the same over HTTP against gunicorn."""


def test_500_page_renders_with_no_context_and_no_database(rf, settings):
    """Django renders 500.html with no context; without the `db` fixture any query would
    fail this test, so the page provably needs none."""
    from django.views.defaults import server_error

    settings.DEBUG = False
    response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert 'data-error-page="500"' in body and "/static/css/app.css" in body


def test_400_page_renders_with_no_context(rf):
    from django.views.defaults import bad_request

    response = bad_request(rf.get("/"), exception=None)
    assert response.status_code == 400 and b'data-error-page="400"' in response.content


def test_healthz_logs_a_failure_and_answers_only_ok_false(client, db, monkeypatch, caplog):
    import portfolio.views

    def unreachable():
        raise OSError("could not connect to db.internal.example:5432 as portfolio")

    monkeypatch.setattr(portfolio.views, "_database", unreachable)
    with caplog.at_level("WARNING", logger="portfolio.views"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False}
    assert b"db.internal" not in response.content
    assert "db.internal.example" in caplog.text


def test_healthz_shows_the_detail_in_development(client, db, monkeypatch, settings):
    import portfolio.views

    def unreachable():
        raise OSError("could not connect to db.internal.example:5432")

    settings.DEBUG = True
    monkeypatch.setattr(portfolio.views, "_database", unreachable)
    response = client.get("/healthz")
    assert response.json()["checks"]["database"]["error"].startswith("OSError: could not")


def test_a_form_without_its_csrf_token_gets_the_styled_403(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"login": "a@example.com", "password": "x"}
    )
    body = response.content.decode()
    assert response.status_code == 403
    assert 'data-error-page="403"' in body and "This form could not be sent" in body
    assert "DEBUG=True" not in body  # Django's own page says to turn it on
